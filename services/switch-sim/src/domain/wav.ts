/**
 * What FreeSWITCH's recorder writes with its defaults: 16-bit linear PCM at the channel's rate
 * (8 kHz for PCMA), mono, or two channels (caller left, callee right) with RECORD_STEREO=true.
 * The audio is simulated: the far end "talks" as a 440 Hz tone in bursts, our side stays quiet.
 */
export interface WavShape {
  readonly samples: number;
  readonly channels: 1 | 2;
  readonly sampleRate: number;
}

export const WAV_HEADER_BYTES = 44;

export function wavSize(shape: WavShape): number {
  return WAV_HEADER_BYTES + shape.samples * shape.channels * 2;
}

/** A complete RIFF/WAVE file. Pure: the same shape gives the same bytes. */
export function wavBytes(shape: WavShape): Buffer {
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
  const burst = shape.sampleRate; // 1 s of "speech", then 0.5 s of pause
  for (let i = 0; i < shape.samples; i += 1) {
    const talking = i % (burst + burst / 2) < burst;
    const value = talking ? Math.round(6000 * Math.sin((2 * Math.PI * 440 * i) / shape.sampleRate)) : 0;
    const offset = WAV_HEADER_BYTES + i * shape.channels * 2;
    // Mono: the mix; stereo: our side (silent) left, the far end right.
    if (shape.channels === 1) out.writeInt16LE(value, offset);
    else out.writeInt16LE(value, offset + 2);
  }
  return out;
}
