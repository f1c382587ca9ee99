import {
  countriesOfCallingCode,
  isCallingCode,
  MAX_CALLING_CODE_LENGTH,
  MAX_NATIONAL_LENGTH,
  MIN_NATIONAL_LENGTH,
  NON_FIXED_LINE_TYPES,
  numberingPlan,
  type NumberingPlan,
} from './metadata.js';

/**
 * libphonenumber-js's answer for an E.164 string (`parsePhoneNumberFromString(e164)` then
 * `isValid()` and `country`), computed by the same steps over the same metadata, with each
 * pattern compiled once. libphonenumber-js builds a new RegExp from its (often kilobytes long)
 * pattern text for every test of every number, which made parsing the costliest step of a check
 * (≈ 30 µs per number); this walk costs a few µs. The steps follow libphonenumber-js 1.x
 * (`parse.js`, `extractCountryCallingCode`, `extractNationalNumber`, `getCountryByCallingCode`,
 * `getNumberType`, `isValid`) for input that is `+` and digits only, line by line; the unit test
 * `test/e164.test.ts` compares both over many generated numbers of every calling code.
 */
export interface E164Info {
  readonly valid: boolean;
  /** ISO region; empty when libphonenumber names none. */
  readonly region: string;
  /** National significant number (libphonenumber's `nationalNumber`). */
  readonly nationalNumber: string;
}

interface TypeTest {
  readonly pattern: RegExp;
  readonly lengths: readonly number[] | undefined;
}

/** One numbering plan (a country's, or a calling code's main country's), patterns compiled. */
interface Plan {
  readonly callingCode: string;
  /** `^(?:nationalNumberPattern)$` */
  readonly national: RegExp;
  readonly possibleLengths: readonly number[] | undefined;
  /** `^(?:nationalPrefixForParsing)` */
  readonly nationalPrefix: RegExp | undefined;
  readonly transformRule: string | undefined;
  /** `leadingDigits`, unanchored (String.prototype.search). */
  readonly leadingDigits: RegExp | undefined;
  readonly hasTypes: boolean;
  /** FIXED_LINE's test; undefined when absent or with an empty pattern. */
  readonly fixedLine: TypeTest | undefined;
  /** getNumberType: a FIXED_LINE match is FIXED_LINE_OR_MOBILE or FIXED_LINE; either is a type. */
  readonly others: readonly TypeTest[];
}

const regexps = new Map<string, RegExp>();

function compiled(source: string): RegExp {
  let re = regexps.get(source);
  if (!re) {
    re = new RegExp(source);
    regexps.set(source, re);
  }
  return re;
}

function typeTest(plan: NumberingPlan, name: string): TypeTest | undefined {
  const type = plan.type(name);
  const pattern = type?.pattern();
  // isNumberTypeEqualTo: no definition or an empty pattern never matches.
  if (!type || !pattern) return undefined;
  return { pattern: compiled(`^(?:${pattern})$`), lengths: type.possibleLengths() };
}

const plans = new Map<string, Plan>();

/** The plan `selectNumberingPlan(key)` selects (a country code, or a calling code: its main country). */
function planOf(key: string): Plan {
  let plan = plans.get(key);
  if (plan) return plan;
  const p = numberingPlan(key);
  const prefix = p.nationalPrefixForParsing();
  const leading = p.leadingDigits();
  plan = {
    callingCode: p.callingCode(),
    national: compiled(`^(?:${p.nationalNumberPattern()})$`),
    possibleLengths: p.possibleLengths(),
    nationalPrefix: prefix ? compiled(`^(?:${prefix})`) : undefined,
    transformRule: p.nationalPrefixTransformRule(),
    leadingDigits: leading ? compiled(leading) : undefined,
    hasTypes: p.hasTypes(),
    fixedLine: typeTest(p, 'FIXED_LINE'),
    others: NON_FIXED_LINE_TYPES.map((name) => typeTest(p, name)).filter((t) => t !== undefined),
  };
  plans.set(key, plan);
  return plan;
}

const callingCodes = new Map<string, { readonly known: boolean; readonly countries: readonly string[] | undefined }>();

function callingCode(code: string): { readonly known: boolean; readonly countries: readonly string[] | undefined } {
  let entry = callingCodes.get(code);
  if (!entry) {
    entry = { known: isCallingCode(code), countries: countriesOfCallingCode(code) };
    callingCodes.set(code, entry);
  }
  return entry;
}

function isType(nationalNumber: string, test: TypeTest | undefined): boolean {
  if (!test) return false;
  if (test.lengths && test.lengths.indexOf(nationalNumber.length) < 0) return false;
  return test.pattern.test(nationalNumber);
}

/** getNumberType(...) !== undefined */
function hasNumberType(nationalNumber: string, plan: Plan): boolean {
  if (!plan.national.test(nationalNumber)) return false;
  if (isType(nationalNumber, plan.fixedLine)) return true;
  for (const test of plan.others) if (isType(nationalNumber, test)) return true;
  return false;
}

/** getCountryByCallingCode */
function countryOf(code: string, nationalNumber: string): string | undefined {
  const countries = callingCode(code).countries;
  if (!countries) return undefined;
  if (countries.length === 1) return countries[0];
  for (const country of countries) {
    const plan = planOf(country);
    if (plan.leadingDigits) {
      if (nationalNumber && nationalNumber.search(plan.leadingDigits) === 0) return country;
    } else if (hasNumberType(nationalNumber, plan)) {
      return country;
    }
  }
  return undefined;
}

/** checkNumberLength(...) is neither TOO_SHORT nor INVALID_LENGTH */
function isPossibleIncomplete(nationalNumber: string, lengths: readonly number[] | undefined): boolean {
  if (!lengths) return true;
  const length = nationalNumber.length;
  const min = lengths[0]!;
  if (min === length) return true;
  if (min > length) return false;
  if (lengths[lengths.length - 1]! < length) return true;
  return lengths.indexOf(length, 1) >= 0;
}

/** extractNationalNumber(number, undefined, metadata) with `plan` selected. */
function nationalNumberOf(number: string, plan: Plan): string {
  // extractNationalNumberFromPossiblyIncompleteNumber
  let national = number;
  if (number && plan.nationalPrefix) {
    const match = plan.nationalPrefix.exec(number);
    if (match) {
      const groups = match.length - 1;
      const captured = groups > 0 && match[groups];
      national =
        plan.transformRule && captured
          ? number.replace(plan.nationalPrefix, plan.transformRule)
          : number.slice(match[0].length);
    }
  }
  if (national === number) return national;
  // shouldHaveExtractedNationalPrefix
  if (plan.national.test(number) && !plan.national.test(national)) return number;
  if (plan.possibleLengths) {
    const country = countryOf(plan.callingCode, national);
    const lengths = country ? planOf(country).possibleLengths : plan.possibleLengths;
    if (!isPossibleIncomplete(national, lengths)) return number;
  }
  return national;
}

const INVALID: E164Info = Object.freeze({ valid: false, region: '', nationalNumber: '' });
const PLUS_DIGITS = /^\+[1-9]\d*$/;

/** `parsePhoneNumberFromString(e164)`: validity, country and national number, for `+` and digits. */
export function describeE164(e164: string): E164Info {
  if (!PLUS_DIGITS.test(e164) || e164.length > 250) return INVALID;
  // extractCountryCallingCode
  let code: string | undefined;
  let rest = '';
  for (let i = 2; i - 1 <= MAX_CALLING_CODE_LENGTH && i <= e164.length; i++) {
    const candidate = e164.slice(1, i);
    if (callingCode(candidate).known) {
      code = candidate;
      rest = e164.slice(i);
      break;
    }
  }
  if (code === undefined || rest === '') return INVALID;
  const nationalNumber = nationalNumberOf(rest, planOf(code));
  const country = countryOf(code, nationalNumber);
  if (nationalNumber.length < MIN_NATIONAL_LENGTH || nationalNumber.length > MAX_NATIONAL_LENGTH) return INVALID;
  // isValid(): the plan of the country, else of the calling code.
  const plan = planOf(country ?? code);
  const valid = plan.hasTypes ? hasNumberType(nationalNumber, plan) : plan.national.test(nationalNumber);
  return { valid, region: country ?? '', nationalNumber };
}
