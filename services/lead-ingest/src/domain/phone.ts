import {
  isSupportedCountry,
  parsePhoneNumberWithError,
  validatePhoneNumberLength,
  type CountryCode,
  type NumberType as LibNumberType,
} from 'libphonenumber-js/max';
import { knownNumber, singleZoneOf } from '@outbound/phone';

export type NumberType = 'mobile' | 'fixed_line' | 'toll_free' | 'voip' | 'other';

export interface CleanNumber {
  e164: string;
  /** Digits to send after answer (DTMF), when the number was written with an extension. */
  extension?: string;
  /** What was repaired to read the number (kept; the row's report says so). */
  repair?: NumberRepair;
  type: NumberType;
  /** ISO 3166 country of the number. */
  country: string;
  /** IANA zone when the country has one; empty when it spans several. */
  timeZone: string;
}

export type PhoneReject =
  | 'MISSING_PHONE'
  | 'INVALID_CHARACTERS'
  | 'TOO_SHORT'
  | 'TOO_LONG'
  | 'INVALID_COUNTRY'
  | 'INVALID_NUMBER'
  | 'DIGITS_LOST_IN_SCIENTIFIC_NOTATION';

/**
 * A number read after a repair a person should know about: a spreadsheet wrote it in scientific
 * notation (all digits still there), or a country code was written without its `+`.
 */
export type NumberRepair = 'EXPANDED_SCIENTIFIC_NOTATION' | 'ADDED_PLUS_TO_COUNTRY_CODE';

// What people write around digits: spaces, dashes, dots, brackets, slashes, a leading + or a tel: prefix.
const ALLOWED = /^(?:tel:)?\+?[\d\s().\-/]+$/i;
// NFKC leaves ASCII unchanged; skipping it saves an ICU call for almost every number.
const ASCII = /^[\x00-\x7f]*$/;
const DIGITS = /^\d+$/;
const MIN_DIGITS_BEFORE_EXTENSION = 6;
// Digits written without "+" are tried as international only when as long as such numbers are.
const MIN_INTERNATIONAL_DIGITS = 10;
const SEPARATORS = /[\s().\-/]/g;
// An extension after the number: `ext. 12`, `x123`, `#8001`, `;ext=5`, `转 8001`, `分机 12`.
const EXTENSION =
  /^(.*?\d[\s().\-/]*)(?:[,;]\s*)?(?:;?ext=|ext(?:ension|n)?\.?|x|#|转|分机号?|内线|內線)\s*[:：]?\s*(\d{1,10})\s*#?$/i;
// How a spreadsheet shows a long number it holds as a float: `1.3812345678E+10`.
const SCIENTIFIC = /^(\d)(?:\.(\d+))?E\+?(\d{1,2})$/i;
// A whole number a spreadsheet exported with a decimal part: `13812345678.0`.
const TRAILING_ZERO_DECIMALS = /^(\d{6,})\.0+$/;

/**
 * Normalise a number as written in a file to E.164. Numbers without a country code are read in
 * `defaultRegion`; full-width digits (１３８…) are folded first because Chinese input methods
 * produce them. Generous with what people and spreadsheets write: an extension is kept apart
 * (`extension`), a float's scientific notation is expanded when it still holds every digit, and
 * digits that are invalid in the region but valid with a `+` in front (`85291234567` in a
 * Chinese list) are read as international; either repair is reported in `repair`.
 */
export function cleanNumber(raw: string, defaultRegion: CountryCode): CleanNumber | PhoneReject {
  let text = (ASCII.test(raw) ? raw : raw.normalize('NFKC')).trim();
  if (text === '') return 'MISSING_PHONE';
  let extension: string | undefined;
  let repair: NumberRepair | undefined;
  const withExtension = EXTENSION.exec(text);
  // A whole number before it (`138x0013800` is a typo, not an extension).
  if (withExtension && withExtension[1]!.replace(/\D/g, '').length >= MIN_DIGITS_BEFORE_EXTENSION) {
    text = withExtension[1]!.trim();
    extension = withExtension[2]!;
  }
  const scientific = SCIENTIFIC.exec(text);
  if (scientific) {
    const digits = `${scientific[1]}${scientific[2] ?? ''}`;
    const length = Number(scientific[3]) + 1;
    // Fewer digits than the number has: the spreadsheet rounded the rest away.
    if (digits.length !== length) return 'DIGITS_LOST_IN_SCIENTIFIC_NOTATION';
    text = digits;
    repair = 'EXPANDED_SCIENTIFIC_NOTATION';
  } else {
    text = text.replace(TRAILING_ZERO_DECIMALS, '$1');
  }
  if (!ALLOWED.test(text)) return 'INVALID_CHARACTERS';
  const input = text.replace(/^tel:/i, '').replace(/^00/, '+');
  let result = readNumber(input, defaultRegion);
  // Not for +1 and +7: a mistyped 11-digit number would too easily make a valid North American
  // or Russian one.
  const bare = input.replace(SEPARATORS, '');
  if (
    typeof result === 'string' &&
    DIGITS.test(bare) &&
    bare.length >= MIN_INTERNATIONAL_DIGITS &&
    !/^[17]/.test(bare)
  ) {
    const international = readNumber(`+${bare}`, defaultRegion);
    if (typeof international !== 'string') {
      result = international;
      repair = 'ADDED_PLUS_TO_COUNTRY_CODE';
    }
  }
  if (typeof result === 'string') return result;
  if (extension !== undefined) result.extension = extension;
  if (repair !== undefined) result.repair = repair;
  return result;
}

function readNumber(input: string, defaultRegion: CountryCode): CleanNumber | PhoneReject {
  const known = DIGITS.test(input) ? knownNumber(input, defaultRegion) : undefined;
  if (known)
    return {
      e164: `+${known.callingCode}${input}`,
      type: numberType(known.type),
      country: defaultRegion,
      timeZone: singleZoneOf(defaultRegion),
    };
  return parseNumber(input, defaultRegion);
}

/** libphonenumber's answer for a number (after the clean-up above); the reference for every shortcut. */
export function parseNumber(input: string, defaultRegion: CountryCode): CleanNumber | PhoneReject {
  // Happy path first: a number that parses and has a type is valid (with full metadata,
  // isValid() is exactly "getType() is defined"), so the type is computed once and the length
  // check only runs to explain a failure.
  let type: LibNumberType | undefined;
  let parsed;
  try {
    parsed = parsePhoneNumberWithError(input, defaultRegion);
    type = parsed.getType();
  } catch {
    parsed = undefined;
  }
  if (!parsed || type === undefined) return rejectionOf(input, defaultRegion);
  const country = parsed.country ?? '';
  return { e164: parsed.number, type: numberType(type), country, timeZone: singleZoneOf(country) };
}

function rejectionOf(input: string, defaultRegion: CountryCode): PhoneReject {
  const length = validatePhoneNumberLength(input, defaultRegion);
  return length === 'TOO_SHORT' || length === 'TOO_LONG' || length === 'INVALID_COUNTRY' ? length : 'INVALID_NUMBER';
}

const NUMBER_TYPES: Readonly<Partial<Record<NonNullable<LibNumberType>, NumberType>>> = {
  MOBILE: 'mobile',
  FIXED_LINE: 'fixed_line',
  // Some plans (US, CA) cannot tell them apart; dialing rules must treat it as mobile.
  FIXED_LINE_OR_MOBILE: 'mobile',
  TOLL_FREE: 'toll_free',
  VOIP: 'voip',
};

function numberType(type: NonNullable<LibNumberType>): NumberType {
  return NUMBER_TYPES[type] ?? 'other';
}

export function isCountryCode(value: string): value is CountryCode {
  return isSupportedCountry(value);
}
