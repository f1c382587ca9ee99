import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ESPEAK_NG, FLITE, programSynthesizer, type SpeechProgram } from '../src/adapters/recording-files.js';

/** Root mean square of a stretch of samples: speech is loud, silence and tones-by-mistake are not. */
const rms = (pcm: Int16Array): number => Math.sqrt(pcm.reduce((sum, v) => sum + v * v, 0) / Math.max(1, pcm.length));

describe('speech for recordings', () => {
  const logs: string[] = [];
  const log = (m: string): void => void logs.push(m);

  it('flite speaks each side in its own voice, at the line rate, the same samples each time', () => {
    const speak = programSynthesizer([FLITE], log);
    const customer = speak('no thanks i am not interested', 'customer', 8000);
    const agent = speak('no thanks i am not interested', 'agent', 8000);
    assert.ok(customer !== undefined && agent !== undefined, logs.join('\n'));
    // About 1.5–3 s of speech at 8 kHz.
    assert.ok(customer.length > 8000 && customer.length < 8000 * 4, `customer samples ${customer.length}`);
    assert.ok(rms(customer) > 500, 'there is speech in it');
    assert.notDeepEqual(customer, agent, 'the two sides sound different');
    const again = programSynthesizer([FLITE], log)('no thanks i am not interested', 'customer', 8000);
    assert.deepEqual(again, customer, 'deterministic');
    const wide = speak('no thanks i am not interested', 'customer', 16000);
    assert.ok(wide !== undefined && Math.abs(wide.length - 2 * customer.length) < 400, 'resampled to the rate asked');
  });

  it('a program that is not installed is skipped once, with one log line, for the next one', () => {
    logs.length = 0;
    const absent: SpeechProgram = { ...FLITE, program: 'no-such-speech-program' };
    const speak = programSynthesizer([absent, ESPEAK_NG], log);
    const first = speak('hello', 'customer', 8000);
    const second = speak('goodbye', 'agent', 8000);
    assert.ok(first !== undefined && second !== undefined && rms(first) > 500);
    assert.deepEqual(logs, ['no-such-speech-program is not installed (scripts/dev-up installs it)']);
  });

  it('no program at all: no speech (the recording carries tones), and a failing program is reported', () => {
    logs.length = 0;
    const absent: SpeechProgram = { ...FLITE, program: 'no-such-speech-program' };
    assert.equal(programSynthesizer([absent], log)('hello', 'customer', 8000), undefined);
    const failing: SpeechProgram = { ...ESPEAK_NG, args: () => ['--no-such-option'] };
    assert.equal(programSynthesizer([failing], log)('hello', 'customer', 8000), undefined);
    assert.equal(logs.length, 2);
    assert.match(logs[1]!, /^espeak-ng (failed|wrote no speech)/);
  });
});
