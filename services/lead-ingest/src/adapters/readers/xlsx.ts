import ExcelJS from 'exceljs';
import { FileFormatError, looksLikeZip, peek, type SourceRow } from './source.js';

// Rows per batch yielded: exceljs hands rows over one at a time.
const BATCH_ROWS = 1000;

/**
 * Rows of an .xlsx workbook, in batches, read as a stream (the workbook is never held whole in memory): the
 * named sheet, or the first (other sheets with rows are named in a warning). Row 1 is the header.
 * A cell holding a real formula comes out as its cached result (what the user saw), or as
 * `=formula` when the workbook holds none.
 */
export async function* readXlsx(
  input: AsyncIterable<Buffer | Uint8Array | string>,
  sheetName = '',
): AsyncGenerator<SourceRow[]> {
  const { head, stream } = await peek(input, 4);
  if (!looksLikeZip(head)) throw new FileFormatError('the file is not an .xlsx workbook (no zip signature)');
  const workbook = new ExcelJS.stream.xlsx.WorkbookReader(stream, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'ignore',
    entries: 'ignore',
  });
  let found = false;
  const skipped: string[] = [];
  try {
    for await (const sheet of workbook) {
      const name = (sheet as unknown as { name?: string }).name ?? '';
      if (found || (sheetName !== '' && name !== sheetName)) {
        let rows = 0;
        for await (const row of sheet) if (row) rows++; // the reader needs every entry drained
        if (rows > 1) skipped.push(name);
        continue;
      }
      found = true;
      let headers: string[] | undefined;
      let batch: SourceRow[] = [];
      for await (const row of sheet) {
        const values = (row.values as unknown[]).slice(1).map(cellText);
        if (!headers) {
          headers = values.map((h, i) => h.trim() || `column_${i + 1}`);
          continue;
        }
        const cells: Record<string, string> = {};
        headers.forEach((h, i) => (cells[h] = values[i] ?? ''));
        batch.push({ line: row.number, cells });
        if (batch.length >= BATCH_ROWS) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length > 0) yield batch;
    }
  } catch (error) {
    if (error instanceof FileFormatError) throw error;
    throw new FileFormatError('the .xlsx file is damaged or not a workbook', { cause: error });
  }
  if (!found)
    throw new FileFormatError(
      sheetName ? `the workbook has no sheet named "${sheetName}"` : 'the workbook has no sheets',
    );
  if (skipped.length > 0)
    yield [
      {
        line: 0,
        warning: `the workbook has other sheets with rows, not imported: ${skipped.map((n) => `"${n}"`).join(', ')} (import each by its sheet name)`,
      },
    ];
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') {
    const cell = value as {
      formula?: string;
      result?: unknown;
      sharedFormula?: string;
      richText?: Array<{ text: string }>;
      text?: string;
      error?: string;
    };
    if (cell.formula !== undefined || cell.sharedFormula !== undefined) {
      const result = cell.result === undefined ? '' : cellText(cell.result);
      return result !== '' ? result : `=${cell.formula ?? cell.sharedFormula}`;
    }
    if (cell.richText) return cell.richText.map((part) => part.text).join('');
    if (cell.text !== undefined) return String(cell.text);
    if (cell.error !== undefined) return '';
  }
  return '';
}
