/**
 * Spreadsheet formula injection (CSV injection): a cell such as `=cmd|' /C calc'!A0` runs when an
 * operator opens an export in Excel. Such cells are rejected on the way in and escaped on the way out.
 */

const TRIGGER = /^[=+\-@\t\r]/;
// Numbers written with a sign or brackets (+86 138..., -12.5, (021) 555) are data, not formulas.
const NUMERIC = /^[+\-]?[\d\s().,/\-]*$/;

export function isFormula(value: string): boolean {
  if (!TRIGGER.test(value)) return false;
  const text = value.trim();
  if (NUMERIC.test(text)) return false;
  if (text.startsWith('=') || text.startsWith('@') || /^[\t\r]/.test(value)) return true;
  // `+`/`-` start a formula only when a function, reference or DDE pipe follows (`-2+3+cmd|`).
  return /[A-Za-z][A-Za-z0-9.]*\s*[(!|]|\|/.test(text);
}

/** Make a cell safe to open in a spreadsheet: a leading quote turns a formula into text. */
export function escapeFormula(value: string): string {
  return TRIGGER.test(value) ? `'${value}` : value;
}
