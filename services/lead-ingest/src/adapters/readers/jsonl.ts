import { StringDecoder } from 'node:string_decoder';
import { FileFormatError, MAX_RECORD_CHARS, type SourceRow } from './source.js';

/** Rows of a JSON-lines file, a batch per input chunk: one object per line; keys name the columns. */
export async function* readJsonLines(input: AsyncIterable<Buffer | Uint8Array | string>): AsyncGenerator<SourceRow[]> {
  const utf8 = new StringDecoder('utf8');
  let pending = '';
  let line = 0;
  for await (const chunk of input) {
    pending += typeof chunk === 'string' ? chunk : utf8.write(Buffer.from(chunk));
    const rows: SourceRow[] = [];
    let start = 0;
    let cut: number;
    while ((cut = pending.indexOf('\n', start)) >= 0) {
      line++;
      const row = parseLine(line, pending.slice(start, cut));
      start = cut + 1;
      if (row) rows.push(row);
    }
    pending = pending.slice(start);
    if (rows.length > 0) yield rows;
    if (pending.length > MAX_RECORD_CHARS)
      throw new FileFormatError(`line ${line + 1} is longer than ${MAX_RECORD_CHARS} characters`);
  }
  pending += utf8.end();
  if (pending.trim() !== '') {
    const row = parseLine(line + 1, pending);
    if (row) yield [row];
  }
}

function parseLine(line: number, text: string): SourceRow | undefined {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (trimmed === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    return { line, malformed: 'not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { line, malformed: 'not a JSON object' };
  const cells: Record<string, string> = {};
  for (const [key, cell] of Object.entries(value)) {
    if (cell === null || cell === undefined) continue;
    if (Array.isArray(cell)) cells[key] = cell.map(String).join(',');
    else cells[key] = typeof cell === 'object' ? JSON.stringify(cell) : String(cell);
  }
  return { line, cells };
}
