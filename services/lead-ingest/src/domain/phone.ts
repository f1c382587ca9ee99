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
  type: NumberType;
  /** ISO 3166 country of the number. */
  country: string;
  /** IANA zone when the country has one; empty when it spans several. */
  timeZone: string;
}

export type PhoneReject =
  'MISSING_PHONE' | 'INVALID_CHARACTERS' | 'TOO_SHORT' | 'TOO_LONG' | 'INVALID_COUNTRY' | 'INVALID_NUMBER';

// What people write around digits: spaces, dashes, dots, brackets, slashes, a leading + or a tel: prefix.
const ALLOWED = /^(?:tel:)?\+?[\d\s().\-/]+$/i;
// NFKC leaves ASCII unchanged; skipping it saves an ICU call for almost every number.
const ASCII = /^[\x00-\x7f]*$/;
const DIGITS = /^\d+$/;

/**
 * Normalise a number as written in a file to E.164. Numbers without a country code are read in
 * `defaultRegion`; full-width digits (１３８…) are folded first because Chinese input methods
 * produce them.
 */
export function cleanNumber(raw: string, defaultRegion: CountryCode): CleanNumber | PhoneReject {
  const text = (ASCII.test(raw) ? raw : raw.normalize('NFKC')).trim();
  if (text === '') return 'MISSING_PHONE';
  if (!ALLOWED.test(text)) return 'INVALID_CHARACTERS';
  const input = text.replace(/^tel:/i, '').replace(/^00/, '+');
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
