import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { AsrError, PocketsphinxRecognizer, isAsrError, type AsrErrorCode } from '@outbound/asr';

// The real engine on real (synthesised) speech: pocketsphinx, espeak-ng and sox come from scripts/dev-up.
function installed(program: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const missing = ['pocketsphinx_batch', 'espeak-ng', 'sox'].filter((p) => !installed(p));
const skip = missing.length > 0 ? `not installed: ${missing.join(', ')} (scripts/dev-up installs them)` : false;

const KEYWORDS = ['not interested', 'call me back', 'how much', 'stop calling'];

async function rejectsWith(promise: Promise<unknown>, code: AsrErrorCode): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isAsrError(error), `expected an AsrError, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  });
}

describe('PocketsphinxRecognizer', { skip }, () => {
  // Engines stay up between calls: every recogniser made here is closed at the end.
  const made: PocketsphinxRecognizer[] = [];
  const make = (options?: ConstructorParameters<typeof PocketsphinxRecognizer>[0]): PocketsphinxRecognizer => {
    const r = new PocketsphinxRecognizer(options);
    made.push(r);
    return r;
  };

  let dir: string;
  const file = (name: string): string => join(dir, name);
  /** espeak-ng speech of `text` at `rate` Hz, `channels` channels (the text on channel 0, silence or `other` on 1). */
  function speak(
    name: string,
    text: string,
    options: { rate?: number; channels?: 1 | 2; other?: string } = {},
  ): string {
    const raw = file(`${name}.espeak.wav`);
    execFileSync('espeak-ng', ['-v', 'en-us', '-s', '150', '-w', raw, text]);
    const mono = file(`${name}.mono.wav`);
    execFileSync('sox', ['-D', raw, '-r', String(options.rate ?? 16000), '-b', '16', '-c', '1', mono]);
    if (options.channels !== 2) return mono;
    const second = file(`${name}.second.wav`);
    if (options.other === undefined) execFileSync('sox', ['-D', mono, second, 'vol', '0']);
    else {
      const otherRaw = file(`${name}.other.espeak.wav`);
      execFileSync('espeak-ng', ['-v', 'en-gb', '-s', '150', '-w', otherRaw, options.other]);
      execFileSync('sox', ['-D', otherRaw, '-r', String(options.rate ?? 16000), '-b', '16', '-c', '1', second]);
    }
    const stereo = file(`${name}.wav`);
    execFileSync('sox', ['-D', '-M', mono, second, stereo]);
    return stereo;
  }

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'asr-test-'));
  });
  after(async () => {
    await Promise.all(made.map((r) => r.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  test('keyword mode spots a clearly spoken phrase and not the others', async () => {
    const recognizer = make();
    const result = await recognizer.transcribe({ wavPath: speak('cost', 'how much does it cost'), keywords: KEYWORDS });
    assert.ok(
      result.words.some((w) => w.word === 'how much'),
      `heard: ${result.text}`,
    );
    assert.ok(
      !result.words.some((w) => w.word === 'not interested' || w.word === 'call me back'),
      `heard: ${result.text}`,
    );
    for (const w of result.words) assert.ok(w.startMs >= 0 && w.endMs >= w.startMs);
  });

  test('keyword mode on a phone-line recording (8 kHz stereo), the customer on channel 0, the agent on 1', async () => {
    const recognizer = make();
    const wavPath = speak('stereo', 'how much does it cost', {
      rate: 8000,
      channels: 2,
      other: 'the weather is nice today',
    });
    const customer = await recognizer.transcribe({ wavPath, channel: 0, keywords: KEYWORDS });
    assert.ok(
      customer.words.some((w) => w.word === 'how much'),
      `heard: ${customer.text}`,
    );
    const agent = await recognizer.transcribe({ wavPath, channel: 1, keywords: KEYWORDS });
    assert.ok(!agent.words.some((w) => w.word === 'how much'), `heard: ${agent.text}`);
  });

  test('free mode returns words with timings and confidences in order', async () => {
    const recognizer = make();
    const result = await recognizer.transcribe({ wavPath: speak('free', 'yes I would like to hear more about it') });
    assert.ok(result.words.length > 0);
    assert.equal(result.text, result.words.map((w) => w.word).join(' '));
    let last = 0;
    for (const w of result.words) {
      assert.ok(w.startMs >= last && w.endMs >= w.startMs, JSON.stringify(w));
      assert.ok(w.confidence === undefined || (w.confidence >= 0 && w.confidence <= 1));
      last = w.startMs;
    }
  });

  test('a 44.1 kHz file is resampled, not refused', async () => {
    const recognizer = make();
    const result = await recognizer.transcribe({
      wavPath: speak('hifi', 'how much does it cost', { rate: 44100 }),
      keywords: KEYWORDS,
    });
    assert.ok(
      result.words.some((w) => w.word === 'how much'),
      `heard: ${result.text}`,
    );
  });

  test('bad inputs fail with their own error kinds, and no path in the message', async () => {
    const recognizer = make();
    const good = speak('good', 'stop calling me');
    writeFileSync(file('empty.wav'), '');
    const header = readFileSync(good).subarray(0, 44);
    header.writeUInt32LE(0, 40);
    writeFileSync(file('no-samples.wav'), header);
    writeFileSync(file('truncated.wav'), readFileSync(good).subarray(0, 20));
    writeFileSync(file('text.wav'), 'this is not audio at all, just words in a file');
    const lowRate = Buffer.from(readFileSync(good));
    lowRate.writeUInt32LE(4000, 24);
    writeFileSync(file('low-rate.wav'), lowRate);

    const cases: [string, AsrErrorCode, Parameters<PocketsphinxRecognizer['transcribe']>[0]][] = [
      ['missing', 'AUDIO_NOT_FOUND', { wavPath: file('nowhere/secret-call-id.wav') }],
      ['empty', 'AUDIO_EMPTY', { wavPath: file('empty.wav') }],
      ['no samples', 'AUDIO_EMPTY', { wavPath: file('no-samples.wav') }],
      ['truncated header', 'AUDIO_CORRUPT', { wavPath: file('truncated.wav') }],
      ['not a WAV', 'AUDIO_CORRUPT', { wavPath: file('text.wav') }],
      ['4 kHz', 'AUDIO_UNSUPPORTED', { wavPath: file('low-rate.wav') }],
      ['channel 1 of a mono file', 'AUDIO_UNSUPPORTED', { wavPath: good, channel: 1 }],
      ['a directory', 'AUDIO_CORRUPT', { wavPath: dir }],
    ];
    for (const [name, code, input] of cases) {
      await rejectsWith(recognizer.transcribe(input), code);
      await recognizer.transcribe(input).catch((error: AsrError) => {
        assert.ok(!error.message.includes(dir), `${name}: the message names the path`);
        assert.equal(error.retryable, code === 'AUDIO_NOT_FOUND', name);
      });
    }
  });

  test('keywords the dictionary cannot spell are refused', async () => {
    const recognizer = make();
    await rejectsWith(
      recognizer.transcribe({ wavPath: speak('kw', 'stop calling me'), keywords: ['不需要', 'qqzzxv'] }),
      'KEYWORDS_INVALID',
    );
  });

  test('an engine that exits non-zero (model missing) and an engine that is not installed', async () => {
    const wavPath = speak('engine', 'stop calling me');
    await rejectsWith(make({ hmm: file('no-such-model') }).transcribe({ wavPath }), 'ENGINE_FAILED');
    await rejectsWith(make({ binary: file('no-such-binary') }).transcribe({ wavPath }), 'ENGINE_UNAVAILABLE');
    await rejectsWith(
      make({ dict: file('no-such-dict') }).transcribe({ wavPath, keywords: KEYWORDS }),
      'ENGINE_UNAVAILABLE',
    );
  });

  test('a run over its timeout is killed; an abort kills it too', async () => {
    const wavPath = speak('slow', 'yes I would like to hear more about the offer');
    // A stand-in engine that never finishes on its own.
    const hang = file('hang.sh');
    writeFileSync(hang, '#!/bin/sh\nexec sleep 600\n', { mode: 0o755 });
    await rejectsWith(make({ binary: hang, timeoutMs: 200 }).transcribe({ wavPath }), 'TIMEOUT');
    const controller = new AbortController();
    const pending = make({ binary: hang }).transcribe({ wavPath, signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    await rejectsWith(pending, 'ABORTED');
    const aborted = AbortSignal.abort();
    await rejectsWith(make().transcribe({ wavPath, signal: aborted }), 'ABORTED');
  });

  test('a batch gives each file its own result or error', async () => {
    const recognizer = make();
    const results = await recognizer.transcribeMany(
      [
        { wavPath: speak('b1', 'how much does it cost') },
        { wavPath: file('gone.wav') },
        { wavPath: speak('b2', 'I am not interested') },
      ],
      { keywords: KEYWORDS },
    );
    assert.equal(results.length, 3);
    assert.ok(!(results[0] instanceof Error));
    assert.ok(isAsrError(results[1], 'AUDIO_NOT_FOUND'));
    assert.ok(!(results[2] instanceof Error));
  });

  test('engines stay up between calls: one per search, the same words as a run per call', async () => {
    const recognizer = make();
    const wavPath = speak('reuse', 'how much does it cost');
    const first = await recognizer.transcribe({ wavPath });
    const second = await recognizer.transcribe({ wavPath });
    assert.equal(recognizer.engines, 1);
    assert.deepEqual(second, first);
    const perCall = await make({ engine: 'per-call' }).transcribe({ wavPath });
    assert.deepEqual(perCall, first);
    const spotted = await recognizer.transcribe({ wavPath, keywords: KEYWORDS });
    assert.ok(
      spotted.words.some((w) => w.word === 'how much'),
      `heard: ${spotted.text}`,
    );
    assert.equal(recognizer.engines, 2);
    // Calls at once beyond the limit wait their turn on the same engines.
    const many = await Promise.all([1, 2, 3, 4].map(() => recognizer.transcribe({ wavPath })));
    for (const t of many) assert.deepEqual(t, first);
    // At most two free-mode engines (the default limit) beside the keyword one.
    const engines: number = recognizer.engines;
    assert.ok(engines <= 3, `engines: ${String(engines)}`);
    await recognizer.close();
    assert.equal(recognizer.engines, 0);
    await rejectsWith(recognizer.transcribe({ wavPath }), 'ABORTED');
  });

  test('check() names a missing model file; the installed model passes', async () => {
    await make().check();
    await assert.rejects(make({ hmm: file('no-such-model') }).check(), (error: unknown) => {
      assert.ok(isAsrError(error, 'ENGINE_UNAVAILABLE'));
      assert.match(error.message, /no-such-model has no mdef/);
      return true;
    });
    await rejectsWith(make({ dict: file('no-such-dict') }).check(), 'ENGINE_UNAVAILABLE');
  });
});
