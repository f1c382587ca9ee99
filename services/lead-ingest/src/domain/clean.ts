import type { CountryCode } from 'libphonenumber-js/max';
import type { ColumnMapping, LeadField } from './fields.js';
import { cleanNumber, type NumberRepair, type NumberType, type PhoneReject } from './phone.js';
import { parseIntent, tierOf, type Intent, type TierRule } from './tiers.js';

export type RejectReason = PhoneReject | 'FIELD_TOO_LONG' | 'INVALID_ORDER_VALUE' | 'MALFORMED_ROW';

/**
 * Why a kept row is in the import's report: its number was repaired or carries an extension, or
 * a cell was cleaned of line breaks or control characters (NUL bytes, escapes).
 */
export type NoteReason = NumberRepair | 'EXTENSION_KEPT' | 'LINE_BREAKS_REPLACED' | 'CONTROL_CHARACTERS_REMOVED';

/** A kept row's note; `value` is the cell as written (raw: masked before it leaves). */
export interface RowNote {
  column: string;
  value: string;
  reason: NoteReason;
}

/** A row that did not make it, with where and why. `value` is raw and must be masked before it leaves. */
export interface Rejection {
  line: number;
  column: string;
  value: string;
  reason: RejectReason;
}

/** A lead ready to be protected and stored; the only place a clear number and name live. */
export interface CleanLead {
  line: number;
  externalId: string;
  e164: string;
  /** Digits to send after answer; empty when the number has none. */
  extension: string;
  name: string;
  numberType: NumberType;
  country: string;
  region: string;
  timeZone: string;
  intent: Intent | undefined;
  orderValue: number | undefined;
  tier: string;
  tags: string[];
  custom: Record<string, string>;
  /** What was cleaned or repaired in this row, when anything was. */
  notes: RowNote[] | undefined;
}

export interface CleanOptions {
  defaultRegion: CountryCode;
  tierRules: readonly TierRule[];
}

export const MAX_FIELD_CHARS = 1000;
// Line breaks and tabs inside a cell (a quoted multi-line name) become one space: never data in a lead.
const LINE_BREAKS = /\s*[\r\n\t\u2028\u2029]+\s*/g;
// Other control characters (NUL bytes, escapes) would break logs, CSV reports and terminals.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;
const NEEDS_CLEANING = /[\u0000-\u001f\u007f\u2028\u2029]/;

/** Validate and clean one row (header → cell). Pure: the same row always gives the same answer. */
export function cleanRow(
  line: number,
  cells: Readonly<Record<string, string>>,
  mapping: ColumnMapping,
  options: CleanOptions,
): CleanLead | Rejection {
  const fields: Partial<Record<LeadField, string>> = {};
  const columns: Partial<Record<LeadField, string>> = {};
  const custom: Record<string, string> = {};
  let notes: RowNote[] | undefined;
  // Formula-like values (`=HYPERLINK(…)`, `+86…`, `@SUM(…)`) are kept as written: they are data
  // here, and every way out (reports, exports) neutralises them with escapeFormula.
  for (const [column, target] of mapping.targets) {
    const value = cells[column];
    if (value === undefined || target.kind === 'ignore') continue;
    if (value.length > MAX_FIELD_CHARS) return { line, column, value: value.slice(0, 32), reason: 'FIELD_TOO_LONG' };
    let clean = value.trim();
    if (NEEDS_CLEANING.test(clean)) {
      // A custom field (a remark) may span lines; a name, a number or a tag never does.
      const joined = target.kind === 'field' ? clean.replace(LINE_BREAKS, ' ') : clean;
      const stripped = joined.replace(CONTROL, '');
      if (stripped !== clean) {
        const reason = stripped !== joined ? 'CONTROL_CHARACTERS_REMOVED' : 'LINE_BREAKS_REPLACED';
        (notes ??= []).push({ column, value, reason });
        clean = stripped.trim();
      }
    }
    if (target.kind === 'custom') {
      if (clean !== '') custom[target.key] = clean;
    } else {
      fields[target.field] = clean;
      columns[target.field] = column;
    }
  }
  const number = cleanNumber(fields.phone ?? '', options.defaultRegion);
  if (typeof number === 'string')
    return { line, column: mapping.phoneColumn, value: fields.phone ?? '', reason: number };
  if (number.repair) (notes ??= []).push({ column: mapping.phoneColumn, value: fields.phone!, reason: number.repair });
  if (number.extension)
    (notes ??= []).push({ column: mapping.phoneColumn, value: fields.phone!, reason: 'EXTENSION_KEPT' });
  let orderValue: number | undefined;
  if (fields.order_value) {
    orderValue = parseAmount(fields.order_value);
    if (orderValue === undefined)
      return { line, column: columns.order_value ?? '', value: fields.order_value, reason: 'INVALID_ORDER_VALUE' };
  }
  const intent = fields.intent ? parseIntent(fields.intent) : undefined;
  return {
    line,
    externalId: fields.external_id ?? '',
    e164: number.e164,
    extension: number.extension ?? '',
    name: fields.name ?? '',
    numberType: number.type,
    country: number.country,
    region: fields.region || number.country,
    timeZone: number.timeZone,
    intent,
    orderValue,
    tier: tierOf(options.tierRules, intent, orderValue),
    tags: splitTags(fields.tags ?? ''),
    custom,
    notes,
  };
}

const AMOUNT = /^\d+(\.\d+)?$/;

/** `¥1,200.50` / `1200元` / `$99` → number; undefined when it is not an amount. */
export function parseAmount(raw: string): number | undefined {
  // Most files hold plain digits: skip the normalising for them (same result, a fraction of the cost).
  const text = AMOUNT.test(raw) ? raw : raw.normalize('NFKC').replace(/[¥$€£,\s]|元|RMB|CNY/gi, '');
  if (!AMOUNT.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

function splitTags(raw: string): string[] {
  return [
    ...new Set(
      raw
        .split(/[,，;；|、]/)
        .map((t) => t.trim())
        .filter((t) => t.length > 0),
    ),
  ];
}

export function isRejection(result: CleanLead | Rejection): result is Rejection {
  return 'reason' in result;
}
