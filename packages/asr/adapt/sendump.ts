/**
 * pocketsphinx ships its semi-continuous/PTM mixture weights as `sendump`: 8-bit quantised
 * negative logs (base 1.0001, shifted left by `mixw_shift`), laid out feature by feature, codeword by
 * codeword, one byte per senone. sphinxtrain's `bw` and `map_adapt` need them as a float
 * `mixture_weights` file (s3 binary: a text header up to `endhdr`, the byte-order word 0x11223344,
 * then senones × features × densities floats). This converts the first into the second.
 */
export interface MixtureWeights {
  readonly senones: number;
  readonly features: number;
  readonly densities: number;
  /** senone-major: [senone][feature][density], each (senone, feature) row summing to 1. */
  readonly weights: Float32Array;
}

export function readSendump(bytes: Uint8Array): MixtureWeights {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;
  const headers: string[] = [];
  for (;;) {
    if (offset + 4 > bytes.length) throw new Error('sendump: header runs past the end of the file');
    const length = view.getUint32(offset, true);
    offset += 4;
    if (length === 0) break;
    if (length > 65_536 || offset + length > bytes.length) throw new Error('sendump: bad header string length');
    headers.push(Buffer.from(bytes.subarray(offset, offset + length - 1)).toString('latin1'));
    offset += length;
  }
  const attribute = (name: string, fallback: number): number => {
    const line = headers.find((h) => h.startsWith(`${name} `));
    return line === undefined ? fallback : Number(line.split(' ')[1]);
  };
  if (attribute('cluster_count', 0) !== 0) throw new Error('sendump: clustered weights are not supported');
  const features = attribute('feature_count', 1);
  const shift = attribute('mixw_shift', 10);
  const densities = view.getUint32(offset, true);
  const senones = view.getUint32(offset + 4, true);
  offset += 8;
  if (offset + features * densities * senones !== bytes.length)
    throw new Error('sendump: size does not match its dimensions');
  const weights = new Float32Array(senones * features * densities);
  for (let f = 0; f < features; f++) {
    for (let d = 0; d < densities; d++) {
      for (let s = 0; s < senones; s++)
        weights[(s * features + f) * densities + d] = 1.0001 ** -(bytes[offset + s]! << shift);
      offset += senones;
    }
  }
  // Quantisation leaves rows a little off 1: normalise them as bw would.
  for (let row = 0; row < senones * features; row++) {
    let sum = 0;
    for (let d = 0; d < densities; d++) sum += weights[row * densities + d]!;
    for (let d = 0; d < densities; d++) weights[row * densities + d]! /= sum;
  }
  return { senones, features, densities, weights };
}

/** An s3 `mixture_weights` file (little-endian, without the optional checksum). */
export function writeMixtureWeights(m: MixtureWeights): Buffer {
  const header = Buffer.from('s3\nversion 1.0\nendhdr\n', 'latin1');
  const dims = Buffer.alloc(20);
  dims.writeUInt32LE(0x11223344, 0);
  dims.writeUInt32LE(m.senones, 4);
  dims.writeUInt32LE(m.features, 8);
  dims.writeUInt32LE(m.densities, 12);
  dims.writeUInt32LE(m.weights.length, 16);
  return Buffer.concat([header, dims, Buffer.from(m.weights.buffer, m.weights.byteOffset, m.weights.byteLength)]);
}
