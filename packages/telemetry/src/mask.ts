import { maskPhone } from '@outbound/phone/mask';

/**
 * Masking of personal data (phone numbers: @outbound/phone). Every log line, span attribute and error message that could carry a
 * phone number or a name goes through these, so nothing identifying leaves the process.
 */

/** `张三丰` → `张**`; `Alice Smith` → `A**** S****`. */
export function maskName(name: string): string {
  return name
    .trim()
    .split(/(\s+)/)
    .map((part) => (/^\s+$/.test(part) ? part : [...part].map((ch, i) => (i === 0 ? ch : '*')).join('')))
    .join('');
}

// Seven or more digits, optionally with a leading + and single spaces or dashes between them.
const PHONE_LIKE = /\+?\d(?:[ -]?\d){6,}/g;

// Channel and job ids are uuids: their digit runs are not personal data and must stay readable.
const UUID = /([0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12})/i;

/**
 * Mask every phone-number-like run of digits inside free text (error messages, SIP URIs, dial
 * strings), leaving uuids intact.
 */
export function redactText(text: string): string {
  // split() with a capturing group puts the uuids at the odd indexes.
  return text
    .split(UUID)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(PHONE_LIKE, (match) => maskPhone(match))))
    .join('');
}
