import { isSupportedCountry, parsePhoneNumberWithError, validatePhoneNumberLength, type CountryCode, type NumberType as LibNumberType } from 'libphonenumber-js/max';
import { timeZoneOf } from './time-zones.js';

export type NumberType = 'mobile' | 'fixed_line' | 'toll_free' | 'voip' | 'other';

export interface CleanNumber {
  e164: string;
  type: NumberType;
  /** ISO 3166 country of the number. */
  country: string;
  /** IANA zone when the country has one; empty when it spans several. */
  timeZone: string;
}

export type PhoneReject = 'MISSING_PHONE' | 'INVALID_CHARACTERS' | 'TOO_SHORT' | 'TOO_LONG' | 'INVALID_COUNTRY' | 'INVALID_NUMBER';

// What people write around digits: spaces, dashes, dots, brackets, slashes, a leading + or a tel: prefix.
const ALLOWED = /^(?:tel:)?\+?[\d\s().\-/]+$/i;

/**
 * Normalise a number as written in a file to E.164. Numbers without a country code are read in
 * `defaultRegion`; full-width digits (１３８…) are folded first because Chinese input methods
 * produce them.
 */
export function cleanNumber(raw: string, defaultRegion: CountryCode): CleanNumber | PhoneReject {
  const text = raw.normalize('NFKC').trim();
  if (text === '') return 'MISSING_PHONE';
  if (!ALLOWED.test(text)) return 'INVALID_CHARACTERS';
  const input = text.replace(/^tel:/i, '').replace(/^00/, '+');
  const length = validatePhoneNumberLength(input, defaultRegion);
  if (length === 'TOO_SHORT' || length === 'TOO_LONG' || length === 'INVALID_COUNTRY') return length;
  if (length !== undefined) return 'INVALID_NUMBER';
  let parsed;
  try {
    parsed = parsePhoneNumberWithError(input, defaultRegion);
  } catch {
    return 'INVALID_NUMBER';
  }
  if (!parsed.isValid()) return 'INVALID_NUMBER';
  const country = parsed.country ?? '';
  return { e164: parsed.number, type: numberType(parsed.getType()), country, timeZone: timeZoneOf(country) };
}

function numberType(type: LibNumberType): NumberType {
  switch (type) {
    case 'MOBILE':
      return 'mobile';
    case 'FIXED_LINE':
      return 'fixed_line';
    case 'FIXED_LINE_OR_MOBILE':
      // Some plans (US, CA) cannot tell them apart; dialing rules must treat it as mobile.
      return 'mobile';
    case 'TOLL_FREE':
      return 'toll_free';
    case 'VOIP':
      return 'voip';
    default:
      return 'other';
  }
}

export function isCountryCode(value: string): value is CountryCode {
  return isSupportedCountry(value);
}
