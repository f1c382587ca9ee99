import type { CallLeg } from './call-leg.js';

/**
 * Applications around what the far end says or presses, written from FreeSWITCH's documentation
 * (no capture yet): detect_speech, play_and_get_digits, eavesdrop.
 */

/** NLSML, the body FreeSWITCH's ASR modules put in DETECTED_SPEECH. */
export function nlsml(text: string, grammar: string): string {
  const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<?xml version="1.0"?>\n<result grammar="${grammar}">\n  <interpretation grammar="${grammar}" confidence="90">\n    <instance>${escaped}</instance>\n    <input mode="speech">${escaped}</input>\n  </interpretation>\n</result>\n`;
}

/**
 * `detect_speech <module> <grammar> <path>` / `detect_speech stop`: the far end's speech is
 * reported (DETECTED_SPEECH) only while a recogniser runs, and only with an ASR module loaded.
 */
export function detectSpeech(leg: CallLeg, arg: string, hasModule: (name: string) => boolean): string {
  const [first = '', grammar = 'default'] = arg.split(/\s+/);
  if (first === 'stop') {
    leg.speechGrammar = undefined;
    return '_none_';
  }
  if (first === 'pause' || first === 'resume' || first === 'grammar' || first === 'nogrammar') return '_none_';
  if (!hasModule(`mod_${first}`)) return '_none_';
  leg.speechGrammar = grammar;
  return '_none_';
}

/** The far end said `text`: DETECTED_SPEECH with an NLSML body while detect_speech runs, else nothing. */
export function farEndSpeech(leg: CallLeg, text: string): void {
  const grammar = leg.speechGrammar;
  if (grammar === undefined) return;
  leg.emit('detectedSpeech', { after: [['Speech-Type', 'detected-speech']], body: nlsml(text, grammar) });
}

/** Digits the far end presses from now on, until `stop` resolves true. */
function collect(
  leg: CallLeg,
  options: { max: number; terminators: string; timeoutMs: number; digitTimeoutMs: number },
): Promise<{ digits: string; terminator: string }> {
  return new Promise((resolve) => {
    let digits = '';
    let timer: NodeJS.Timeout | undefined;
    const finish = (terminator = ''): void => {
      clearTimeout(timer);
      leg.digitListeners.delete(listener);
      resolve({ digits, terminator });
    };
    const arm = (ms: number): void => {
      clearTimeout(timer);
      timer = setTimeout(() => finish(), ms);
    };
    const listener = (digit: string): void => {
      if (options.terminators.includes(digit)) return finish(digit);
      digits += digit;
      if (digits.length >= options.max) return finish();
      arm(options.digitTimeoutMs);
    };
    leg.digitListeners.add(listener);
    arm(options.timeoutMs);
    void leg.untilHangupRequest().then(() => finish());
  });
}

/**
 * `play_and_get_digits <min> <max> <tries> <timeout> <terminators> <file> <invalid_file> <var>
 * <regexp> [<digit_timeout>]`: play, collect, check; on a miss play invalid_file and try again.
 * The digits go into <var> (and `<var>_terminator`); nothing valid leaves <var> unset.
 */
export async function playAndGetDigits(
  leg: CallLeg,
  arg: string,
  play: (file: string) => Promise<string>,
): Promise<string> {
  const [
    min = '1',
    max = '1',
    tries = '1',
    timeout = '5000',
    terminators = '#',
    file = '',
    invalid = '',
    name = '',
    regexp = '.*',
    digitTimeout,
  ] = arg.split(/\s+/);
  const minDigits = Number(min) || 1;
  const maxDigits = Number(max) || minDigits;
  const pattern = (() => {
    try {
      return new RegExp(regexp === '' ? '.*' : regexp);
    } catch {
      return /.*/;
    }
  })();
  for (let attempt = 0; attempt < (Number(tries) || 1); attempt += 1) {
    const collected = collect(leg, {
      max: maxDigits,
      terminators: terminators === 'none' ? '' : terminators,
      timeoutMs: Number(timeout) || 5000,
      digitTimeoutMs: Number(digitTimeout ?? timeout) || 5000,
    });
    if (file !== '' && file !== 'silence_stream://0') await play(file);
    const { digits, terminator } = await collected;
    if (leg.hangupRequest !== undefined) return '_none_';
    if (digits.length >= minDigits && digits.length <= maxDigits && pattern.test(digits)) {
      if (name !== '') {
        leg.vars.set(name, digits);
        if (terminator !== '') leg.vars.set(`${name}_terminator`, terminator);
      }
      leg.vars.set('read_result', 'success');
      return '_none_';
    }
    if (invalid !== '' && invalid !== 'silence_stream://0') await play(invalid);
  }
  leg.vars.set('read_result', 'failure');
  return '_none_';
}

/**
 * `eavesdrop <uuid>` on a supervisor's leg: a media bug on the target (MEDIA_BUG_START/STOP,
 * function `eavesdrop`) for as long as both legs are up. The supervisor's DTMF switches modes as in
 * FreeSWITCH (2: whisper to the A leg, 3: barge in, 1: listen only), recorded in `eavesdrop_mode`.
 */
export async function eavesdrop(supervisor: CallLeg, target: CallLeg | undefined): Promise<string> {
  if (target === undefined || target.hangupRequest !== undefined) return '_none_';
  const bug = (kind: 'mediaBugStart' | 'mediaBugStop'): void =>
    target.emit(kind, {
      before: [
        ['Media-Bug-Function', 'eavesdrop'],
        ['Media-Bug-Target', supervisor.uuid],
      ],
    });
  bug('mediaBugStart');
  supervisor.vars.set('eavesdrop_target', target.uuid);
  supervisor.vars.set('eavesdrop_mode', 'listen');
  const modes: Record<string, string> = { '1': 'listen', '2': 'whisper', '3': 'barge', '0': 'listen' };
  const onDigit = (digit: string): void => {
    const mode = modes[digit];
    if (mode !== undefined) supervisor.vars.set('eavesdrop_mode', mode);
  };
  supervisor.digitListeners.add(onDigit);
  await Promise.race([supervisor.untilHangupRequest(), target.untilHangupRequest()]);
  supervisor.digitListeners.delete(onDigit);
  bug('mediaBugStop');
  return '_none_';
}
