import { CsvError, Parser } from 'csv-parse';
import { pipeline, type Readable } from 'node:stream';
import { decodeHead, decoder, detectEncoding } from './encoding.js';
import { FileFormatError, MAX_RECORD_CHARS, looksBinary, looksLikeZip, peek, type SourceRow } from './source.js';

export interface CsvOptions {
  /** Empty: detect from the bytes. */
  encoding?: string;
  /** Empty: detect from the header line. */
  delimiter?: string;
}

const CANDIDATES = [',', '\t', ';', '|'] as const;

/** The delimiter that occurs most often outside quotes in the first line. */
export function detectDelimiter(firstLine: string): string {
  const counts = new Map<string, number>(CANDIDATES.map((c) => [c, 0]));
  let quoted = false;
  for (const ch of firstLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  return [...counts].reduce((best, entry) => (entry[1] > best[1] ? entry : best), [',', 0] as [string, number])[0];
}

/** The synchronous core of csv-parse's stream (`Parser.api`): records are pushed as a buffer is parsed. */
interface CsvCore {
  parse(buf: Buffer | undefined, end: boolean, push: (record: string[]) => void, close: () => void): Error | undefined;
  readonly info: { lines: number };
}

/**
 * Rows of a delimited text file, a batch per input chunk. The first record is the header; its
 * cells name the columns; rows may end in \r\n, \n or \r, mixed. Whole-file problems (binary data, truncation inside a quote, an
 * oversized record) throw FileFormatError; a row with the wrong number of cells is yielded as malformed.
 */
export async function* readCsv(
  input: AsyncIterable<Buffer | Uint8Array | string>,
  options: CsvOptions = {},
): AsyncGenerator<SourceRow[]> {
  const { head, stream } = await peek(input, 64 * 1024);
  if (looksLikeZip(head))
    throw new FileFormatError('the file is a zip archive (an Excel workbook?), not CSV: import it with format xlsx');
  if (looksBinary(head)) throw new FileFormatError('the file is binary, not CSV text');
  const encoding = options.encoding || detectEncoding(head);
  // UTF-8 goes to the parser as it comes (it works on bytes, skips the BOM and decodes each
  // field); other encodings are decoded to text first.
  const utf8 = /^utf-?8$/i.test(encoding);
  // pipeline, not pipe: a source that fails mid-file (a client gone mid-stream) must fail the
  // decoded text too, or reading it would wait forever. The error reaches us through `chunks`.
  const text: Readable = utf8 ? stream : (pipeline(stream, decoder(encoding), () => undefined) as unknown as Readable);
  const delimiter = options.delimiter || detectDelimiter(firstLine(head, encoding));
  // The parser's core is driven directly, one input chunk at a time, and the line of each record
  // read from its counters: no per-record info object or stream turn (a fifth of decoding's cost).
  const core = (
    new Parser({
      delimiter,
      bom: true,
      // Files concatenated or edited on different systems end their rows in \r\n, then \n (or \r).
      record_delimiter: ['\r\n', '\n', '\r'],
      relax_column_count: true,
      // A quote inside an unquoted cell (`=HYPERLINK("…")`, 5'10") is data, as spreadsheets read it.
      relax_quotes: true,
      skip_empty_lines: true,
      max_record_size: MAX_RECORD_CHARS,
    }) as unknown as { api?: CsvCore }
  ).api;
  if (!core || typeof core.parse !== 'function') throw new Error('csv-parse: Parser.api is missing (library changed?)');
  let headers: string[] | undefined;
  let records: string[][] = [];
  let lines: number[] = [];
  const push = (record: string[]) => {
    records.push(record);
    lines.push(core.info.lines);
  };
  const close = () => undefined;
  // Errors reach us through `chunks`; these listeners only keep a late error (after we stopped
  // reading) from crashing the process.
  for (const upstream of new Set([stream, text])) upstream.on('error', () => undefined);
  const chunks = text[Symbol.asyncIterator]() as AsyncIterator<Buffer | string, undefined>;
  try {
    for (let ended = false; !ended;) {
      const next = await chunks.next();
      ended = next.done === true;
      const value: Buffer | string | undefined = next.value;
      const chunk = value === undefined ? undefined : typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
      const error = core.parse(chunk, ended, push, close);
      if (error) throw error;
      const batch = records;
      const batchLines = lines;
      records = [];
      lines = [];
      const rows: SourceRow[] = [];
      for (let r = 0; r < batch.length; r++) {
        const record = batch[r]!;
        if (!headers) {
          headers = dedupeHeaders(record);
          continue;
        }
        const line = batchLines[r]!;
        if (
          record.length !== headers.length &&
          !(record.length > headers.length && record.slice(headers.length).every((c) => c === ''))
        ) {
          rows.push({ line, malformed: `expected ${headers.length} cells, found ${record.length}` });
          continue;
        }
        const cells: Record<string, string> = {};
        for (let i = 0; i < headers.length; i++) cells[headers[i]!] = record[i] ?? '';
        rows.push({ line, cells });
      }
      if (rows.length > 0) yield rows;
    }
  } catch (error) {
    throw asFileError(error);
  } finally {
    text.destroy();
    stream.destroy();
  }
  if (!headers) throw new FileFormatError('the file is empty: no header line');
}

function firstLine(head: Buffer, encoding: string): string {
  const text = /^utf-?8$/i.test(encoding) ? head.toString('utf8') : decodeHead(head, encoding);
  return text.split(/\r?\n|\r/, 1)[0] ?? '';
}

// Two columns called "备注" must both survive: the second becomes "备注_2".
function dedupeHeaders(record: string[]): string[] {
  const seen = new Map<string, number>();
  return record.map((raw) => {
    const name = raw.replace(/^\uFEFF/, '').trim();
    const count = (seen.get(name) ?? 0) + 1;
    seen.set(name, count);
    return count === 1 ? name : `${name}_${count}`;
  });
}

function asFileError(error: unknown): Error {
  if (error instanceof FileFormatError) return error;
  if (error instanceof CsvError) {
    const line = (error as CsvError & { lines?: number }).lines;
    const where = line === undefined ? '' : ` at line ${line}`;
    if (error.code === 'CSV_QUOTE_NOT_CLOSED')
      return new FileFormatError(
        `the CSV ends inside a quoted field${where}: the file is truncated or a quote is unbalanced`,
        { cause: error },
      );
    if (error.code === 'CSV_MAX_RECORD_SIZE')
      return new FileFormatError(`a record${where} is longer than ${MAX_RECORD_CHARS} characters`, { cause: error });
    return new FileFormatError(`CSV syntax error${where} (${error.code})`, { cause: error });
  }
  return new FileFormatError('the file could not be decoded as text', { cause: error });
}
