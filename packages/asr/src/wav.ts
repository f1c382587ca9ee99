/**
 * A RIFF/WAVE header reader: pure, never throws, returns what it found or why the file is bad.
 * It reads only the header and chunk table; the samples are left to the converter.
 */

export interface WavFormat {
  /** 1 PCM, 3 IEEE float, 6 A-law, 7 µ-law (WAVE_FORMAT_EXTENSIBLE resolved to its sub-format). */
  audioFormat: number;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  blockAlign: number;
  /** Bytes of sample data actually present in the file (a header may promise more). */
  dataBytes: number;
  /** Whole frames present (one sample per channel). */
  frames: number;
  durationMs: number;
}

export type WavProblem = { code: 'AUDIO_EMPTY' | 'AUDIO_CORRUPT' | 'AUDIO_UNSUPPORTED'; reason: string };

export type WavCheck = { ok: true; format: WavFormat } | { ok: false; problem: WavProblem };

const SUPPORTED_FORMATS = new Set([1, 3, 6, 7]);
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
export const MIN_SAMPLE_RATE = 8000;
export const MAX_SAMPLE_RATE = 96000;

/**
 * Reads the header of a WAV held in `bytes` (the whole file, or at least its first part and the
 * file's full size as `fileSize`, so data present can be told from data promised).
 */
export function readWavHeader(bytes: Uint8Array, fileSize = bytes.length): WavCheck {
  const bad = (code: WavProblem['code'], reason: string): WavCheck => ({ ok: false, problem: { code, reason } });
  if (fileSize === 0) return bad('AUDIO_EMPTY', 'the file is empty');
  if (bytes.length < 12) return bad('AUDIO_CORRUPT', 'the file is shorter than a RIFF header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number): string => String.fromCharCode(bytes[at]!, bytes[at + 1]!, bytes[at + 2]!, bytes[at + 3]!);
  if (tag(0) !== 'RIFF' || tag(8) !== 'WAVE') return bad('AUDIO_CORRUPT', 'not a RIFF/WAVE file');

  let offset = 12;
  let fmt: Omit<WavFormat, 'dataBytes' | 'frames' | 'durationMs'> | undefined;
  while (offset + 8 <= bytes.length) {
    const id = tag(offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > bytes.length) return bad('AUDIO_CORRUPT', 'the fmt chunk is cut short');
      let audioFormat = view.getUint16(body, true);
      if (audioFormat === WAVE_FORMAT_EXTENSIBLE) {
        if (size < 40 || body + 26 > bytes.length) return bad('AUDIO_CORRUPT', 'the extensible fmt chunk is cut short');
        audioFormat = view.getUint16(body + 24, true);
      }
      fmt = {
        audioFormat,
        channels: view.getUint16(body + 2, true),
        sampleRate: view.getUint32(body + 4, true),
        blockAlign: view.getUint16(body + 12, true),
        bitsPerSample: view.getUint16(body + 14, true),
      };
    } else if (id === 'data') {
      if (fmt === undefined) return bad('AUDIO_CORRUPT', 'the data chunk comes before the fmt chunk');
      const problem = checkFormat(fmt);
      if (problem !== undefined) return { ok: false, problem };
      // Streaming writers leave the size at 0 or 0xffffffff: trust the file's length then.
      const promised = size === 0 || size === 0xffffffff ? Number.MAX_SAFE_INTEGER : size;
      const dataBytes = Math.max(0, Math.min(promised, fileSize - body));
      const frames = Math.floor(dataBytes / fmt.blockAlign);
      if (frames === 0) return bad('AUDIO_EMPTY', 'the data chunk holds no samples');
      return {
        ok: true,
        format: { ...fmt, dataBytes, frames, durationMs: Math.round((frames * 1000) / fmt.sampleRate) },
      };
    }
    offset = body + size + (size % 2);
  }
  return bad('AUDIO_CORRUPT', fmt === undefined ? 'no fmt chunk' : 'no data chunk');
}

function checkFormat(fmt: Omit<WavFormat, 'dataBytes' | 'frames' | 'durationMs'>): WavProblem | undefined {
  const unsupported = (reason: string): WavProblem => ({ code: 'AUDIO_UNSUPPORTED', reason });
  if (!SUPPORTED_FORMATS.has(fmt.audioFormat))
    return unsupported(`audio format ${fmt.audioFormat} is not PCM, float, A-law or µ-law`);
  if (fmt.channels < 1 || fmt.channels > 2) return unsupported(`${fmt.channels} channels (1 or 2 supported)`);
  if (fmt.sampleRate < MIN_SAMPLE_RATE || fmt.sampleRate > MAX_SAMPLE_RATE) {
    return unsupported(`sample rate ${fmt.sampleRate} Hz is outside ${MIN_SAMPLE_RATE}–${MAX_SAMPLE_RATE} Hz`);
  }
  if (![8, 16, 24, 32].includes(fmt.bitsPerSample)) return unsupported(`${fmt.bitsPerSample} bits per sample`);
  if (fmt.blockAlign !== (fmt.channels * fmt.bitsPerSample) / 8) {
    return { code: 'AUDIO_CORRUPT', reason: 'block alignment does not match channels and sample size' };
  }
  return undefined;
}
