import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePhoneNumberWithError, type CountryCode } from 'libphonenumber-js/max';
import { DigitPattern, UnsupportedPattern } from '../src/digit-pattern.js';
import { knownNumber } from '../src/index.js';

test('digit patterns answer for all completions of a prefix', () => {
  const pattern = new DigitPattern('1(?:3\\d|5[0-3])\\d{2}|2\\d{3,4}');
  assert.deepEqual(
    [
      pattern.fullMatch('13', 5),
      pattern.fullMatch('15', 5),
      pattern.fullMatch('4', 5),
      pattern.fullMatch('2', 4),
      pattern.fullMatch('2', 6),
    ],
    ['all', 'some', 'none', 'all', 'none'],
  );
  const prefix = new DigitPattern('(1(?:[12]\\d|79)\\d\\d)|0');
  assert.deepEqual(
    [
      prefix.startMatch('0'),
      prefix.startMatch('13'),
      prefix.startMatch('1'),
      prefix.startMatch('1790'),
      prefix.startMatch('17901'),
    ],
    ['always', 'never', 'unknown', 'unknown', 'always'],
  );
  assert.throws(() => new DigitPattern('([2-9]\\d{6})$|1'), UnsupportedPattern);
});

// Seeded, so a failure names a number that fails again.
let state = 20_260_401;
const random = () => (state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0) / 2 ** 32;
const digits = (n: number) => Array.from({ length: n }, () => String(Math.floor(random() * 10))).join('');

const REGIONS: CountryCode[] = [
  'CN',
  'HK',
  'MO',
  'TW',
  'JP',
  'KR',
  'SG',
  'MY',
  'TH',
  'VN',
  'PH',
  'IN',
  'AE',
  'IE',
  'DE',
  'FR',
  'IT',
  'NL',
  'BE',
  'CH',
  'AT',
  'PL',
  'SE',
  'NO',
  'DK',
  'FI',
  'NZ',
  'GB',
  'US',
  'RU',
  'AU',
];
/** libphonenumber-js itself: E.164 and type when the national digits make a valid number. */
function reference(digits: string, region: CountryCode): { e164: string; type: string } | undefined {
  try {
    const parsed = parsePhoneNumberWithError(digits, region);
    const type = parsed.getType();
    return type === undefined ? undefined : { e164: parsed.number, type };
  } catch {
    return undefined;
  }
}

test('the prefix shortcut answers only where libphonenumber agrees, and answers often', () => {
  const numbers: Array<[string, CountryCode]> = [];
  for (const region of REGIONS) {
    // Every two-digit start at every length a national number can have, plus random strings.
    for (let start = 0; start < 100; start++)
      for (let length = 2; length <= 17; length++)
        numbers.push([`${String(start).padStart(2, '0')}${digits(length - 2)}`.slice(0, length), region]);
    for (let i = 0; i < 500; i++) numbers.push([digits(2 + Math.floor(random() * 16)), region]);
  }
  // Chinese numbers as the files hold them: every three-digit start of an 11-digit mobile, common ranges.
  for (let start = 100; start < 200; start++)
    for (let i = 0; i < 100; i++) numbers.push([`${start}${digits(8)}`, 'CN']);
  for (let i = 0; i < 2000; i++)
    numbers.push([`${['10', '20', '21', '755', '400', '800', '95', '0'][i % 8]}${digits(5 + (i % 6))}`, 'CN']);

  let shortcut = 0;
  for (const [number, region] of numbers) {
    const known = knownNumber(number, region);
    if (!known) continue;
    shortcut++;
    assert.deepEqual(
      { e164: `+${known.callingCode}${number}`, type: known.type },
      reference(number, region),
      `${region} ${number}`,
    );
  }
  // The comparison means something only if the shortcut answered a good share of them.
  assert.ok(shortcut > numbers.length / 10, `shortcut answered ${shortcut} of ${numbers.length}`);
  assert.ok(knownNumber('13800138000', 'CN'));
  assert.equal(knownNumber('2079460958', 'GB'), undefined, '+44 is shared by several regions');
});
