import { readCsv, type CsvOptions } from './csv.js';
import { readJsonLines } from './jsonl.js';
import { readXlsx } from './xlsx.js';
import type { SourceRow } from './source.js';

export type FileFormat = 'csv' | 'xlsx' | 'jsonl';
export { FileFormatError, type SourceRow, type SourceRows } from './source.js';
export { ENCODINGS } from './encoding.js';

/** Format from a file name, for callers that did not say. */
export function formatOf(fileName: string): FileFormat {
  if (/\.xlsx$/i.test(fileName)) return 'xlsx';
  if (/\.(jsonl|ndjson)$/i.test(fileName)) return 'jsonl';
  return 'csv';
}

export function readRows(
  format: FileFormat,
  input: AsyncIterable<Buffer | Uint8Array | string>,
  options: CsvOptions & { sheetName?: string } = {},
): AsyncGenerator<SourceRow[]> {
  switch (format) {
    case 'xlsx':
      return readXlsx(input, options.sheetName);
    case 'jsonl':
      return readJsonLines(input);
    case 'csv':
      return readCsv(input, options);
  }
}
