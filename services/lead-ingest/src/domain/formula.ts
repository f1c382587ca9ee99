/**
 * Spreadsheet formula injection (CSV injection): a cell such as `=cmd|' /C calc'!A0` runs when an
 * operator opens an export in Excel. Values are kept as written on the way in (a name may start
 * with `=` or `+`) and neutralised on every way out (reports, exports, screens that export) by
 * this one rule: a value starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a
 * leading quote, which spreadsheets read as "this is text".
 */
const TRIGGER = /^[=+\-@\t\r]/;

/** Make a cell safe to open in a spreadsheet. */
export function escapeFormula(value: string): string {
  return TRIGGER.test(value) ? `'${value}` : value;
}
