import type { Header } from '../domain/esl-event.js';
import type { CallLeg } from './call-leg.js';

/**
 * mod_avmd as captured in 08. Every avmd::start / avmd::stop event arrives twice on the wire:
 * first bare (no channel data), then again with the channel block and variables. Started by the
 * API the second copy follows at once; started by the app (sendmsg) it comes after the app's
 * PRIVATE_COMMAND. The beep event comes once, bare.
 */

/** How avmd was started or stopped: `api` (`avmd <uuid> start|stop`) or the `avmd_start`/`avmd_stop` apps. */
export type AvmdVia = 'api' | 'app';

const BUG: readonly Header[] = [
  ['Media-Bug-Function', 'avmd'],
  ['Media-Bug-Target', 'N/A'],
];

function fire(leg: CallLeg, subclass: string, headers: readonly Header[], via: AvmdVia): void {
  const before: Header[] = [['Unique-ID', leg.uuid], ['Call-command', 'avmd'], ...headers];
  const parts = { lead: [['Event-Subclass', subclass]] as Header[], subclass, before };
  leg.emit('avmd', { ...parts, withoutChannel: true });
  const withChannel = (): void => leg.emit('avmd', parts);
  if (via === 'api') withChannel();
  else leg.afterMessage.push(withChannel);
}

/** `inbound_channel=1,outbound_channel=1`: with outbound on, avmd also hears what we play (08: the echoed tone). */
function hearsOwnAudio(arg: string): boolean {
  return /(^|,)\s*outbound_channel\s*=\s*1/.test(arg);
}

export function startAvmd(leg: CallLeg, via: AvmdVia, arg = ''): void {
  leg.avmd = { startedUs: leg.now(), hearsOwnAudio: via === 'app' && hearsOwnAudio(arg), beepDetected: false };
  leg.emit('mediaBugStart', { before: BUG });
  fire(leg, 'avmd::start', [['Start-time', String(leg.avmd.startedUs)]], via);
}

/**
 * The API stop reports mod_avmd's own error text (08: the session object is looked up after the
 * bug is gone); the app stop reports the run time, then removes the bug.
 */
export function stopAvmd(leg: CallLeg, via: AvmdVia): void {
  const session = leg.avmd;
  leg.avmd = undefined;
  const status: Header = ['Beep-Status', session?.beepDetected === true ? 'DETECTED' : 'NOTDETECTED'];
  const elapsed = String(leg.now() - (session?.startedUs ?? leg.now()));
  if (via === 'api') {
    leg.emit('mediaBugStop', { before: BUG });
    fire(
      leg,
      'avmd::stop',
      [status, ['Stop-status', 'ERROR (AVMD SESSION OBJECT NOT FOUND IN MEDIA BUG)'], ['Total-time', elapsed]],
      via,
    );
  } else {
    fire(leg, 'avmd::stop', [status, ['Total-time', elapsed]], via);
    leg.emit('mediaBugStop', { before: BUG });
  }
}

/** A beep heard while avmd runs (a far-end answering machine, or our own tone when it hears outbound audio). */
export function detectBeep(leg: CallLeg, frequencyHz: number): void {
  const session = leg.avmd;
  if (session === undefined) return;
  session.beepDetected = true;
  const detectionUs = leg.now() - session.startedUs;
  leg.vars.setAll([
    ['avmd_detect', 'TRUE'],
    ['avmd_total_time', `[${Math.round(detectionUs / 1000)}]`],
  ]);
  leg.emit('avmd', {
    lead: [['Event-Subclass', 'avmd::beep']],
    subclass: 'avmd::beep',
    withoutChannel: true,
    before: [
      ['Unique-ID', leg.uuid],
      ['Call-command', 'avmd'],
      ['Beep-Status', 'DETECTED'],
      ['Frequency', frequencyHz.toFixed(6)],
      ['Frequency-variance', '0.000051'],
      ['Amplitude', '14261.810735'],
      ['Amplitude-variance', '5570.669665'],
      ['Detection-time', String(detectionUs)],
      ['Detector-resolution', '2'],
      ['Detector-offset', '1'],
      ['Detector-index', '2'],
    ],
  });
}

/** The tone frequency of a `tone_stream://%(on,off,freq)` playback, if it is one. */
export function toneFrequency(file: string): number | undefined {
  const tone = /^tone_stream:\/\/%\(\d+,\d+,(\d+(?:\.\d+)?)/.exec(file);
  return tone === null ? undefined : Number(tone[1]);
}

/** How long avmd needs on a steady tone before it reports the beep (08: ~200 ms into the tone). */
export const BEEP_DETECTION_MS = 200;
