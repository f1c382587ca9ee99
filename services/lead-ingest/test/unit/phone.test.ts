import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CountryCode } from 'libphonenumber-js/max';
import { knownNumber } from '@outbound/phone';
import { cleanNumber, parseNumber } from '../../src/domain/phone.js';

// The prefix shortcut itself is compared with libphonenumber in @outbound/phone; this checks that
// cleanNumber, which takes the shortcut where it can, answers as libphonenumber alone would.
test('cleaning a national number gives exactly libphonenumber’s answer, shortcut or not', () => {
  let state = 20_261_203;
  const random = () => (state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0) / 2 ** 32;
  const digits = (n: number) => Array.from({ length: n }, () => String(Math.floor(random() * 10))).join('');
  const numbers: Array<[string, CountryCode]> = [];
  for (const region of ['CN', 'HK', 'TW', 'MO', 'SG', 'DE', 'GB', 'US'] as CountryCode[])
    for (let start = 0; start < 100; start++)
      for (const length of [7, 8, 10, 11])
        numbers.push([`${String(start).padStart(2, '0')}${digits(length - 2)}`, region]);
  for (let start = 130; start < 200; start++) for (let i = 0; i < 20; i++) numbers.push([`${start}${digits(8)}`, 'CN']);

  let shortcut = 0;
  for (const [number, region] of numbers) {
    if (knownNumber(number, region)) shortcut++;
    // cleanNumber reads a leading 00 as "+" before asking libphonenumber; so does the reference.
    const national = parseNumber(number.replace(/^00/, '+'), region);
    const cleaned = cleanNumber(number, region);
    if (typeof cleaned !== 'string' && cleaned.repair === 'ADDED_PLUS_TO_COUNTRY_CODE') {
      // Only digits invalid in the region are tried as international, and then as libphonenumber reads them.
      assert.equal(typeof national, 'string', `${region} ${number}`);
      const { repair: _repair, ...international } = cleaned;
      assert.deepEqual(international, parseNumber(`+${number}`, region), `${region} ${number}`);
    } else assert.deepEqual(cleaned, national, `${region} ${number}`);
  }
  assert.ok(shortcut > numbers.length / 10, `shortcut answered ${shortcut} of ${numbers.length}`);
});
