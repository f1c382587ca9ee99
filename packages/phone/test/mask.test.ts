import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maskPhone } from '../src/mask.js';

test('a masked number keeps its country code, a few leading digits and the last four', () => {
  const cases: Array<[string, string]> = [
    ['13800138000', '138****8000'],
    ['+8613800138000', '+86138****8000'],
    ['+1 415-555-0100', '+141****0100'],
    ['+442079460123', '+4420****0123'],
    ['12345', '*****'],
    ['', '****'],
  ];
  for (const [input, expected] of cases) assert.equal(maskPhone(input), expected, input);
});

test('E.164 numbers of every length mask as the general rule does', () => {
  for (let length = 8; length <= 15; length++) {
    const e164 = `+${'1234567890123456'.slice(0, length)}`;
    const digits = e164.slice(1);
    const head = e164.slice(0, e164.length - 8);
    const expected = `${head}${'*'.repeat(Math.max(4, e164.length - head.length - 4))}${digits.slice(-4)}`;
    assert.equal(maskPhone(e164), expected, e164);
  }
});
