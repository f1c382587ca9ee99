// CSV for people who open it in a spreadsheet: a cell starting with = + - @ (or a tab / carriage
// return) would run as a formula there, so it is prefixed with a quote (OWASP CSV injection).

const FORMULA_START = /^[=+\-@\t\r]/;

export function safeCell(value: string | number): string {
  let text = String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  return [header, ...rows].map((row) => row.map(safeCell).join(',')).join('\r\n') + '\r\n';
}
