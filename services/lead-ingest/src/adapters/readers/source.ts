import { Readable } from 'node:stream';

/**
 * One row of any input: cells by column name, or why the row could not be read at all; or a
 * warning about the whole file (other sheets not read), which is not a row.
 */
export type SourceRow =
  | { line: number; cells: Record<string, string> }
  | { line: number; malformed: string }
  | { line: number; warning: string };

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

// Bytes no text file is made of (NUL and the other C0 controls but tab, line breaks, form feed and escape).
function isControl(byte: number): boolean {
  return byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d && byte !== 0x0c && byte !== 0x1b;
}

/**
 * A UTF-16 text without a byte-order mark, told by its zero bytes: the high byte of every ASCII
 * character (digits, commas, line breaks: most of a CSV) is zero, on one side of each pair only.
 */
export function utf16WithoutBom(head: Buffer): 'utf-16le' | 'utf-16be' | undefined {
  const pairs = Math.floor(head.length / 2);
  if (pairs < 4) return undefined;
  let evenZeros = 0;
  let oddZeros = 0;
  for (let i = 0; i + 1 < head.length; i += 2) {
    if (head[i] === 0) evenZeros++;
    if (head[i + 1] === 0) oddZeros++;
  }
  if (oddZeros > pairs * 0.3 && evenZeros < pairs * 0.02) return 'utf-16le';
  if (evenZeros > pairs * 0.3 && oddZeros < pairs * 0.02) return 'utf-16be';
  return undefined;
}

/**
 * Whether the file is binary, decided by its content, not by where one odd byte sits: a text file
 * with a few NUL bytes (an export glitch) is text, and its rows are cleaned and noted; a file of
 * which more than 5 % of the first bytes are control characters is not text. UTF-16 is text.
 */
export function looksBinary(head: Buffer): boolean {
  if (head[0] === 0xff && head[1] === 0xfe) return false;
  if (head[0] === 0xfe && head[1] === 0xff) return false;
  if (utf16WithoutBom(head)) return false;
  let control = 0;
  for (const byte of head) if (isControl(byte)) control++;
  return control > 0 && control >= Math.max(4, head.length * 0.05);
}
