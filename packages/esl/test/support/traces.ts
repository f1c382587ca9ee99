import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** Compiled to dist/test/support/, so the shared folder is five levels up. */
export const TRACES_DIR =
  process.env['ESL_TRACES_DIR'] ?? fileURLToPath(new URL('../../../../../../shared/esl-traces/', import.meta.url));

export function traceFiles(suffix: '.server.txt' | '.client.txt'): Array<{ name: string; bytes: Buffer }> {
  return readdirSync(TRACES_DIR)
    .filter((name) => name.endsWith(suffix))
    .sort()
    .map((name) => ({ name, bytes: readFileSync(path.join(TRACES_DIR, name)) }));
}

/** Splits bytes into random chunks of 1…maxChunk bytes. */
export function randomChunks(bytes: Buffer, random: () => number, maxChunk: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let pos = 0; pos < bytes.length;) {
    const size = 1 + Math.floor(random() * maxChunk);
    chunks.push(bytes.subarray(pos, pos + size));
    pos += size;
  }
  return chunks;
}
