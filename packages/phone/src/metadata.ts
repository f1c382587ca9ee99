import { Metadata } from 'libphonenumber-js/max';

/**
 * The one place that reads libphonenumber-js's numbering plans beyond its typed API. Its typings
 * list only a few of the methods a plan has at run time; the fast paths in this package (e164.ts,
 * national.ts) need the patterns themselves, so the methods are declared here, once, and the
 * comparison tests in test/ check every fast path against libphonenumber-js's own answers: an
 * upgrade that changes these internals fails there, not in production.
 */
export interface NumberTypeMetadata {
  pattern(): string;
  possibleLengths(): number[] | undefined;
}

export interface NumberingPlan {
  callingCode(): string;
  IDDPrefix(): string;
  nationalNumberPattern(): string;
  possibleLengths(): number[] | undefined;
  nationalPrefixForParsing(): string | undefined;
  nationalPrefixTransformRule(): string | undefined;
  leadingDigits(): string | undefined;
  hasTypes(): boolean;
  type(type: string): NumberTypeMetadata | undefined;
}

interface MetadataInternals {
  selectNumberingPlan(countryOrCallingCode: string): void;
  numberingPlan: NumberingPlan;
  hasCallingCode(callingCode: string): boolean | undefined;
  getCountryCodesForCallingCode(callingCode: string): string[] | undefined;
}

const metadata = new Metadata() as unknown as MetadataInternals;

/**
 * The plan of a country (`CN`), or of a calling code (`86`: its main country's). Each call
 * returns a new plan object (libphonenumber-js builds one per selection), so it may be kept.
 */
export function numberingPlan(countryOrCallingCode: string): NumberingPlan {
  metadata.selectNumberingPlan(countryOrCallingCode);
  return metadata.numberingPlan;
}

export function isCallingCode(code: string): boolean {
  return Boolean(metadata.hasCallingCode(code));
}

/** The countries sharing a calling code, main country first; undefined for an unknown code. */
export function countriesOfCallingCode(code: string): readonly string[] | undefined {
  return metadata.getCountryCodesForCallingCode(code);
}

// libphonenumber-js/es6/constants.js: parse()'s bounds on a national number and a calling code.
export const MIN_NATIONAL_LENGTH = 2;
export const MAX_NATIONAL_LENGTH = 17;
export const MAX_CALLING_CODE_LENGTH = 3;

/** getNumberType's order after FIXED_LINE (libphonenumber-js/es6/helpers/getNumberType.js). */
export const NON_FIXED_LINE_TYPES = [
  'MOBILE',
  'PREMIUM_RATE',
  'TOLL_FREE',
  'SHARED_COST',
  'VOIP',
  'PERSONAL_NUMBER',
  'PAGER',
  'UAN',
  'VOICEMAIL',
] as const;
