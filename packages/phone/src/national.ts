import type { CountryCode, NumberType as LibNumberType } from 'libphonenumber-js/max';
import {
  countriesOfCallingCode,
  MAX_NATIONAL_LENGTH,
  MIN_NATIONAL_LENGTH,
  NON_FIXED_LINE_TYPES,
  numberingPlan,
} from './metadata.js';
import { DigitPattern, UnsupportedPattern } from './digit-pattern.js';

/**
 * A checked shortcut around libphonenumber for numbers written as plain national digits (most
 * CRM exports). libphonenumber decides such a number's validity and type with regular
 * expressions, building a RegExp per pattern per number. For a number of length L starting with
 * digits p, the metadata often proves the answer is the same for every completion of p: then it
 * is worked out once (with the patterns read as automata, DigitPattern) and remembered.
 *
 * The proof follows libphonenumber-js's own parse of a national number in a region whose calling
 * code no other region shares: no international (IDD) prefix and no national prefix can match at
 * the start (so the digits are the national number), the digits do not start with the calling
 * code (so they are not an international number without "+"), and getNumberType's tests, in its
 * order, are each all-or-nothing for the completions. Anything else (including an invalid result,
 * whose reason libphonenumber gives) is left to libphonenumber. test/national.test.ts
 * compares both over many generated numbers.
 */

// Bounds the memory of the memo whatever the input; past it, unknown prefixes go to libphonenumber.
const MAX_ENTRIES = 100_000;

interface NumberTypeTest {
  pattern: DigitPattern | undefined;
  lengths: readonly number[] | undefined;
}

interface Plan {
  callingCode: string;
  idd: DigitPattern;
  nationalPrefix: DigitPattern | undefined;
  national: DigitPattern;
  types: ReadonlyMap<string, NumberTypeTest>;
  /** MOBILE is absent or has an empty pattern: a fixed line could be either (getNumberType). */
  mobileUnknown: boolean;
  /** `${length}:${prefix}` → what that prefix proves. */
  memo: Map<string, Entry>;
}

/** A proven number type, or: look at more digits, or: ask libphonenumber. */
type Entry = NonNullable<LibNumberType> | 'longer' | 'ask';

export interface KnownNumber {
  callingCode: string;
  type: NonNullable<LibNumberType>;
}

const plans = new Map<string, Plan | null>();
let entries = 0;

/** The calling code and type of a valid national number proven from its prefix; undefined: ask libphonenumber. */
export function knownNumber(digits: string, region: CountryCode): KnownNumber | undefined {
  let plan = plans.get(region);
  if (plan === undefined) {
    plan = planOf(region);
    plans.set(region, plan);
  }
  if (plan === null || digits.length < MIN_NATIONAL_LENGTH || digits.length > MAX_NATIONAL_LENGTH) return undefined;
  for (let k = 1; k <= digits.length; k++) {
    const key = `${digits.length}:${digits.slice(0, k)}`;
    let entry = plan.memo.get(key);
    if (entry === undefined) {
      if (entries >= MAX_ENTRIES) return undefined;
      entry = decide(plan, digits.slice(0, k), digits.length);
      plan.memo.set(key, entry);
      entries++;
    }
    if (entry === 'longer') continue;
    return entry === 'ask' ? undefined : { callingCode: plan.callingCode, type: entry };
  }
  return undefined;
}

function planOf(region: CountryCode): Plan | null {
  const plan = numberingPlan(region);
  const callingCode = plan.callingCode();
  // A shared calling code (+1, +44, +7, ...) picks the region from the number: not covered.
  if (countriesOfCallingCode(callingCode)?.length !== 1) return null;
  try {
    const types = new Map<string, NumberTypeTest>();
    for (const name of ['FIXED_LINE', ...NON_FIXED_LINE_TYPES]) {
      const type = plan.type(name);
      const pattern = type?.pattern();
      types.set(name, { pattern: pattern ? new DigitPattern(pattern) : undefined, lengths: type?.possibleLengths() });
    }
    const nationalPrefix = plan.nationalPrefixForParsing();
    const mobile = plan.type('MOBILE');
    return {
      callingCode,
      idd: new DigitPattern(plan.IDDPrefix()),
      nationalPrefix: nationalPrefix ? new DigitPattern(nationalPrefix) : undefined,
      national: new DigitPattern(plan.nationalNumberPattern()),
      types,
      mobileUnknown: !mobile || mobile.pattern() === '',
      memo: new Map(),
    };
  } catch (error) {
    if (error instanceof UnsupportedPattern) return null;
    throw error;
  }
}

function decide(plan: Plan, prefix: string, length: number): Entry {
  const complete = prefix.length === length;
  if (prefix.startsWith(plan.callingCode)) return 'ask';
  if (plan.callingCode.startsWith(prefix)) return complete ? 'ask' : 'longer';
  for (const pattern of [plan.idd, plan.nationalPrefix]) {
    const start = pattern?.startMatch(prefix) ?? 'never';
    if (start === 'always' || (start === 'unknown' && complete)) return 'ask';
    if (start === 'unknown') return 'longer';
  }
  const type = typeOf(plan, prefix, length);
  if (type === 'unknown') return 'longer';
  return type ?? 'ask';
}

/** getNumberType over all completions: the same type for all, or 'unknown' if a test it makes splits them. */
function typeOf(plan: Plan, prefix: string, length: number): LibNumberType | 'unknown' {
  const national = plan.national.fullMatch(prefix, length);
  if (national !== 'all') return national === 'none' ? undefined : 'unknown';
  const is = (name: string): boolean | 'unknown' => {
    const test = plan.types.get(name)!;
    if (!test.pattern) return false;
    if (test.lengths && !test.lengths.includes(length)) return false;
    const match = test.pattern.fullMatch(prefix, length);
    return match === 'some' ? 'unknown' : match === 'all';
  };
  const fixedLine = is('FIXED_LINE');
  if (fixedLine === 'unknown') return 'unknown';
  if (fixedLine) {
    if (plan.mobileUnknown) return 'FIXED_LINE_OR_MOBILE';
    const mobile = is('MOBILE');
    if (mobile === 'unknown') return 'unknown';
    return mobile ? 'FIXED_LINE_OR_MOBILE' : 'FIXED_LINE';
  }
  for (const name of NON_FIXED_LINE_TYPES) {
    const match = is(name);
    if (match === 'unknown') return 'unknown';
    if (match) return name;
  }
  return undefined;
}
