import { createWriteStream, type WriteStream } from 'node:fs';
import type { GroundTruthRecord } from '../engine/switch-core.js';

/** Appends one JSON line per finished call. */
export interface GroundTruthSink {
  record(entry: GroundTruthRecord): void;
  close(): Promise<void>;
}

export function groundTruthFile(path: string): GroundTruthSink {
  const stream: WriteStream = createWriteStream(path, { flags: 'a' });
  return {
    record: (entry) => {
      stream.write(`${JSON.stringify(entry)}\n`);
    },
    close: () => new Promise<void>((resolve) => stream.end(() => resolve())),
  };
}

export const discardGroundTruth: GroundTruthSink = { record: () => undefined, close: async () => undefined };
