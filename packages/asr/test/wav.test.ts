import assert from 'node:assert/strict';
import { test } from 'node:test';

import { readWavHeader } from '@outbound/asr';

/** A canonical 44-byte header followed by `dataBytes` of silence. */
function wav(
  options: {
    format?: number;
    channels?: number;
    rate?: number;
    bits?: number;
    dataBytes?: number;
    declaredData?: number;
  } = {},
): Uint8Array {
  const { format = 1, channels = 1, rate = 8000, bits = 16, dataBytes = 1600 } = options;
  const buffer = Buffer.alloc(44 + dataBytes);
  buffer.write('RIFF', 0, 'ascii');
  buffer.writeUInt32LE(36 + dataBytes, 4);
  buffer.write('WAVE', 8, 'ascii');
  buffer.write('fmt ', 12, 'ascii');
  buffer.writeUInt32LE(16, 16);
  buffer.writeUInt16LE(format, 20);
  buffer.writeUInt16LE(channels, 22);
  buffer.writeUInt32LE(rate, 24);
  buffer.writeUInt32LE((rate * channels * bits) / 8, 28);
  buffer.writeUInt16LE((channels * bits) / 8, 32);
  buffer.writeUInt16LE(bits, 34);
  buffer.write('data', 36, 'ascii');
  buffer.writeUInt32LE(options.declaredData ?? dataBytes, 40);
  return new Uint8Array(buffer);
}

test('a canonical mono 8 kHz file: its format and duration', () => {
  const check = readWavHeader(wav());
  assert.ok(check.ok);
  assert.deepEqual(check.format, {
    audioFormat: 1,
    channels: 1,
    sampleRate: 8000,
    bitsPerSample: 16,
    blockAlign: 2,
    dataBytes: 1600,
    frames: 800,
    durationMs: 100,
  });
});

test('bad files, one reason each', () => {
  const cases: [string, Uint8Array, string][] = [
    ['zero bytes', new Uint8Array(0), 'AUDIO_EMPTY'],
    ['a header with no samples', wav({ dataBytes: 0 }), 'AUDIO_EMPTY'],
    ['a truncated header', wav().subarray(0, 30), 'AUDIO_CORRUPT'],
    ['eleven bytes', wav().subarray(0, 11), 'AUDIO_CORRUPT'],
    ['not RIFF', new Uint8Array(Buffer.from('ID3\u0004 this is an mp3 file, honestly')), 'AUDIO_CORRUPT'],
    ['MP3 inside RIFF', wav({ format: 0x55 }), 'AUDIO_UNSUPPORTED'],
    ['six channels', wav({ channels: 6 }), 'AUDIO_UNSUPPORTED'],
    ['4 kHz', wav({ rate: 4000 }), 'AUDIO_UNSUPPORTED'],
    ['12 bits', wav({ bits: 12 }), 'AUDIO_UNSUPPORTED'],
  ];
  for (const [name, bytes, code] of cases) {
    const check = readWavHeader(bytes);
    assert.equal(check.ok, false, name);
    if (!check.ok) assert.equal(check.problem.code, code, name);
  }
});

test('a header that promises more data than the file holds counts what is there', () => {
  const bytes = wav({ dataBytes: 800, declaredData: 1_000_000 });
  const check = readWavHeader(bytes);
  assert.ok(check.ok);
  assert.equal(check.format.frames, 400);
});

test('a streaming header (data size 0xffffffff) trusts the file length; the file size may exceed the bytes read', () => {
  const bytes = wav({ channels: 2, dataBytes: 400, declaredData: 0xffffffff });
  const check = readWavHeader(bytes.subarray(0, 100), 44 + 16000);
  assert.ok(check.ok);
  assert.equal(check.format.frames, 4000);
  assert.equal(check.format.durationMs, 500);
});

test('stereo µ-law and 16 kHz PCM are accepted', () => {
  assert.ok(readWavHeader(wav({ format: 7, bits: 8, channels: 2 })).ok);
  assert.ok(readWavHeader(wav({ rate: 16000 })).ok);
});
