/**
 * What FreeSWITCH's recorder writes with its defaults: 16-bit linear PCM at the channel's rate
 * (8 kHz for PCMA), mono, or two channels with RECORD_STEREO=true: the recorded leg's far end
 * (the customer) on channel 0, our side (the agent or the robot) on channel 1.
 *
 * The audio is simulated. Given voices (speech synthesised by the files adapter), each is placed at
 * its offset; without them the customer "talks" as a 440 Hz tone in bursts and our side answers
 * in the pauses with a 660 Hz tone.
 */
export interface WavShape {
  readonly samples: number;
  readonly channels: 1 | 2;
  readonly sampleRate: number;
}

/** A piece of speech at the recording's rate, starting `atSample` samples into it. */
export interface PlacedPcm {
  readonly atSample: number;
  readonly pcm: Int16Array;
}

export interface WavVoices {
  readonly customer: readonly PlacedPcm[];
  readonly agent: readonly PlacedPcm[];
}

export const WAV_HEADER_BYTES = 44;

export function wavSize(shape: WavShape): number {
  return WAV_HEADER_BYTES + shape.samples * shape.channels * 2;
}

/** A complete RIFF/WAVE file. Pure: the same shape and voices give the same bytes. */
export function wavBytes(shape: WavShape, voices?: WavVoices): Buffer {
  const dataBytes = shape.samples * shape.channels * 2;
  const out = Buffer.alloc(WAV_HEADER_BYTES + dataBytes);
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(36 + dataBytes, 4);
  out.write('WAVE', 8, 'ascii');
  out.write('fmt ', 12, 'ascii');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20);
  out.writeUInt16LE(shape.channels, 22);
  out.writeUInt32LE(shape.sampleRate, 24);
  out.writeUInt32LE(shape.sampleRate * shape.channels * 2, 28);
  out.writeUInt16LE(shape.channels * 2, 32);
  out.writeUInt16LE(16, 34);
  out.write('data', 36, 'ascii');
  out.writeUInt32LE(dataBytes, 40);
  const customer = new Int16Array(shape.samples);
  const agent = new Int16Array(shape.samples);
  if (voices === undefined) tones(shape.sampleRate, customer, agent);
  else {
    for (const p of voices.customer) place(customer, p);
    for (const p of voices.agent) place(agent, p);
  }
  for (let i = 0; i < shape.samples; i += 1) {
    const offset = WAV_HEADER_BYTES + i * shape.channels * 2;
    if (shape.channels === 1) out.writeInt16LE(clamp(customer[i]! + agent[i]!), offset);
    else {
      out.writeInt16LE(customer[i]!, offset);
      out.writeInt16LE(agent[i]!, offset + 2);
    }
  }
  return out;
}

function tones(rate: number, customer: Int16Array, agent: Int16Array): void {
  const burst = rate; // 1 s of "speech", then 0.5 s of pause
  for (let i = 0; i < customer.length; i += 1) {
    const talking = i % (burst + burst / 2) < burst;
    if (talking) customer[i] = Math.round(6000 * Math.sin((2 * Math.PI * 440 * i) / rate));
    else agent[i] = Math.round(4000 * Math.sin((2 * Math.PI * 660 * i) / rate));
  }
}

/** Adds `p` into `track` (mixing where pieces overlap), cut at the track's end. */
function place(track: Int16Array, p: PlacedPcm): void {
  const start = Math.max(0, Math.floor(p.atSample));
  for (let i = 0; i < p.pcm.length && start + i < track.length; i += 1) {
    track[start + i] = clamp(track[start + i]! + p.pcm[i]!);
  }
}

const clamp = (v: number): number => Math.max(-32768, Math.min(32767, v));

/**
 * Sample-rate conversion for speech (e.g. espeak-ng's 22,050 Hz to a line's 8 kHz): a moving
 * average over the source samples one output sample spans (a crude low-pass that keeps energy
 * below the new Nyquist frequency), then linear interpolation. Pure and deterministic.
 */
export function resamplePcm(input: Int16Array, fromRate: number, toRate: number): Int16Array {
  if (fromRate === toRate || input.length === 0) return Int16Array.from(input);
  const ratio = fromRate / toRate;
  const width = Math.max(1, Math.round(ratio));
  let source: Int16Array = input;
  if (width > 1) {
    const smoothed = new Int16Array(input.length);
    let sum = 0;
    for (let i = 0; i < input.length; i += 1) {
      sum += input[i]!;
      if (i >= width) sum -= input[i - width]!;
      smoothed[i] = Math.round(sum / Math.min(i + 1, width));
    }
    source = smoothed;
  }
  const out = new Int16Array(Math.floor(input.length / ratio));
  for (let j = 0; j < out.length; j += 1) {
    const x = j * ratio;
    const i = Math.floor(x);
    const a = source[i]!;
    const b = source[Math.min(i + 1, source.length - 1)]!;
    out[j] = Math.round(a + (b - a) * (x - i));
  }
  return out;
}

/** The 16-bit mono PCM and rate of a canonical WAV (what espeak-ng writes); undefined otherwise. */
export function readPcm16Mono(bytes: Buffer): { rate: number; pcm: Int16Array } | undefined {
  if (bytes.length < 12 || bytes.toString('ascii', 0, 4) !== 'RIFF' || bytes.toString('ascii', 8, 12) !== 'WAVE')
    return undefined;
  let offset = 12;
  let rate = 0;
  let ok = false;
  while (offset + 8 <= bytes.length) {
    const id = bytes.toString('ascii', offset, offset + 4);
    const size = bytes.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ' && body + 16 <= bytes.length) {
      ok = bytes.readUInt16LE(body) === 1 && bytes.readUInt16LE(body + 2) === 1 && bytes.readUInt16LE(body + 14) === 16;
      rate = bytes.readUInt32LE(body + 4);
    } else if (id === 'data') {
      if (!ok || rate === 0) return undefined;
      // espeak-ng --stdout cannot seek back, so its sizes are 0 or 0x7fffffff: take what is there.
      const end = size === 0 || body + size > bytes.length ? bytes.length : body + size;
      const count = Math.floor((end - body) / 2);
      const pcm = new Int16Array(count);
      for (let i = 0; i < count; i += 1) pcm[i] = bytes.readInt16LE(body + i * 2);
      return { rate, pcm };
    }
    offset = body + size + (size % 2);
  }
  return undefined;
}
