import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Metadata, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/mobile/examples';
import { describeE164, describeNumber } from '../src/index.js';

/** libphonenumber-js itself: the reference the fast walk must equal. */
function reference(e164: string): { valid: boolean; region: string; nationalNumber: string } {
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed || !parsed.isValid()) return { valid: false, region: '', nationalNumber: '' };
  return { valid: true, region: parsed.country ?? '', nationalNumber: parsed.nationalNumber };
}

function fast(e164: string): { valid: boolean; region: string; nationalNumber: string } {
  const info = describeE164(e164);
  return info.valid
    ? { valid: true, region: info.region, nationalNumber: info.nationalNumber }
    : { valid: false, region: '', nationalNumber: '' };
}

// Seeded, so a failure names a number that fails again.
let state = 20_261_123;
const random = () => (state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0) / 2 ** 32;
const digits = (n: number) => Array.from({ length: n }, () => String(Math.floor(random() * 10))).join('');

const json = (
  new Metadata() as unknown as {
    metadata: { country_calling_codes: Record<string, string[]>; nonGeographic?: Record<string, unknown> };
  }
).metadata;
const callingCodes = [
  ...new Set([...Object.keys(json.country_calling_codes), ...Object.keys(json.nonGeographic ?? {})]),
];

test('the E.164 walk gives exactly libphonenumber’s validity, region and national number', () => {
  const numbers: string[] = [];
  for (const code of callingCodes) {
    // Every two-digit start at every length E.164 allows, plus random digits.
    for (let start = 0; start < 100; start++) {
      for (let length = 4; code.length + length <= 15; length++)
        numbers.push(`+${code}${String(start).padStart(2, '0')}${digits(length - 2)}`);
    }
    for (let i = 0; i < 100; i++) numbers.push(`+${code}${digits(1 + Math.floor(random() * (15 - code.length)))}`);
  }
  // Valid numbers: every region's example mobile with its tail (and sometimes its head) changed.
  // With a national prefix (or digits that look like one) after the calling code, at lengths
  // around the valid one: libphonenumber strips it only when what remains is possible.
  for (const [region, national] of Object.entries(examples as Record<string, string>)) {
    const parsed = parsePhoneNumberFromString(national, region as never);
    if (!parsed) continue;
    const e164 = parsed.number;
    for (let i = 0; i < 60; i++) {
      const keep = Math.max(2, e164.length - 1 - Math.floor(random() * 6));
      numbers.push(`${e164.slice(0, keep)}${digits(e164.length - keep)}`);
    }
    const nsn = parsed.nationalNumber;
    for (const prefix of ['0', '1', '8', '9', '00', '01', '10', '044', '80']) {
      for (let length = Math.max(1, nsn.length - 3); length <= nsn.length + 1; length++) {
        numbers.push(
          `+${parsed.countryCallingCode}${prefix}${nsn.slice(0, length)}${digits(Math.max(0, length - nsn.length))}`,
        );
        numbers.push(
          `+${parsed.countryCallingCode}${prefix}${nsn.slice(0, Math.max(0, length - 3))}${digits(Math.min(3, length))}`,
        );
      }
    }
  }
  // Shared calling codes, where the region comes from the number: NANP area codes and exchanges,
  // +44 (GB, GG, IM, JE), +7 (RU, KZ), and London and Chinese mobile ranges.
  for (let area = 200; area < 1000; area++) for (let i = 0; i < 20; i++) numbers.push(`+1${area}${digits(7)}`);
  for (let start = 0; start < 1000; start++)
    for (let i = 0; i < 10; i++)
      numbers.push(
        `+44${String(start).padStart(3, '0')}${digits(7)}`,
        `+7${String(start).padStart(3, '0')}${digits(7)}`,
        `+86${String(start).padStart(3, '0')}${digits(8)}`,
      );
  for (let i = 0; i < 1000; i++) numbers.push(`+4420794${digits(5)}`, `+86138${digits(8)}`, `+86${digits(11)}`);
  // Malformed and edge input.
  numbers.push(
    '+',
    '+1',
    '+12',
    '+0123456789',
    '+44',
    '+4420',
    '+999123456789',
    '+80012345678',
    '+8001234567890123',
    '12125550123',
    '+1212555012a',
  );

  let valid = 0;
  for (const e164 of numbers) {
    const expected = reference(e164);
    if (expected.valid) valid++;
    assert.deepEqual(fast(e164), expected, e164);
  }
  // The comparison means something only with plenty of valid numbers and regions among them.
  assert.ok(valid > 20_000, `only ${valid} of ${numbers.length} generated numbers are valid`);
});

test('describeNumber gives region, area code and zones, and says why zones are uncertain', () => {
  assert.deepEqual(describeNumber('+12125550123'), {
    valid: true,
    region: 'US',
    areaCode: '212',
    zones: ['America/New_York'],
  });
  assert.equal(describeNumber('+442079460123').region, 'GB');
  assert.equal(describeNumber('+8613800138000').region, 'CN');
  assert.equal(describeNumber('+1212555012').valid, false);
  assert.deepEqual(describeNumber('+14155550123').zones, ['America/Los_Angeles']);
  assert.equal(describeNumber('+19995550123').valid, false);
  assert.equal(describeNumber('+12705550123').uncertainty, 'spans-zones');
  assert.equal(describeNumber('+61212345678').uncertainty, 'spans-zones');
  assert.deepEqual(describeNumber('+12125550123', 'America/Chicago').zones, ['America/Chicago']);
  assert.equal(describeNumber('+12125550123', 'America/Chicago').uncertainty, undefined);
});
