/**
 * Masking of a phone number for logs, errors, evidence and screens without the right to see it.
 * Its own module (exported as `@outbound/phone/mask`) so that telemetry can mask without loading
 * the numbering metadata.
 */

const E164 = /^\+\d{8,15}$/;

/** `13800138000` → `138****8000`; `+8613800138000` → `+86138****8000`. Short inputs are fully starred. */
export function maskPhone(phone: string): string {
  // E.164, the common case on hot paths (every decision's evidence): no clean-up needed.
  if (E164.test(phone)) return `${phone.slice(0, phone.length - 8)}****${phone.slice(-4)}`;
  const digits = phone.replace(/[^\d+]/g, '');
  if (digits.replace(/\D/g, '').length < 7) return '*'.repeat(digits.length || 4);
  const head = digits.startsWith('+') ? digits.slice(0, digits.length - 8) : digits.slice(0, 3);
  const tail = digits.slice(-4);
  return `${head}${'*'.repeat(Math.max(4, digits.length - head.length - tail.length))}${tail}`;
}
