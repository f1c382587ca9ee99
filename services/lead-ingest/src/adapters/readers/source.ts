import { Readable } from 'node:stream';

/** One row of any input: cells by column name, or why the row could not be read at all. */
export type SourceRow = { line: number; cells: Record<string, string> } | { line: number; malformed: string };

/**
 * Rows as readers yield them: a batch per input chunk (never empty), so a row costs no promise
 * turn of its own in the reader or in the import's loop.
 */
export type SourceRows = AsyncIterable<SourceRow[]>;

/** The whole file is unusable (wrong format, damaged, truncated): the import fails with this message. */
export class FileFormatError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FileFormatError';
  }
}

/** Longest line or record accepted; a 10 MB "line" is a broken or hostile file, not a lead. */
export const MAX_RECORD_CHARS = 64 * 1024;

/** The first `bytes` of a stream, and a stream that still yields everything from the start. */
export async function peek(
  input: AsyncIterable<Buffer | Uint8Array | string>,
  bytes: number,
): Promise<{ head: Buffer; stream: Readable }> {
  const iterator = input[Symbol.asyncIterator]();
  const seen: Buffer[] = [];
  let size = 0;
  let done = false;
  while (size < bytes) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    const chunk = Buffer.from(next.value);
    seen.push(chunk);
    size += chunk.length;
  }
  async function* replay(): AsyncGenerator<Buffer> {
    yield* seen;
    if (done) return;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield Buffer.from(next.value);
  }
  return { head: Buffer.concat(seen).subarray(0, bytes), stream: Readable.from(replay(), { objectMode: false }) };
}

const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

export function looksLikeZip(head: Buffer): boolean {
  return head.subarray(0, 4).equals(ZIP_MAGIC);
}

/** Text files have no NUL bytes (except UTF-16, which carries a BOM). */
export function looksBinary(head: Buffer): boolean {
  if (head[0] === 0xff && head[1] === 0xfe) return false;
  if (head[0] === 0xfe && head[1] === 0xff) return false;
  return head.includes(0);
}
