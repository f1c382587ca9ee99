import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DncSet } from '../../src/domain/dnc-set.js';
import { BlindIndex } from '../../src/domain/blind.js';

const u64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });

test('dnc set: membership equals a reference Set, including the extremes of the 64-bit range', () => {
  fc.assert(
    fc.property(fc.array(u64, { maxLength: 300 }), fc.array(u64, { maxLength: 100 }), (loaded, probes) => {
      const set = DncSet.fromKeys(BigUint64Array.from([...loaded, 0n, 2n ** 64n - 1n]));
      const reference = new Set([...loaded, 0n, 2n ** 64n - 1n]);
      for (const key of [...loaded, ...probes, 1n, 2n ** 64n - 2n]) assert.equal(set.has(key), reference.has(key));
    }),
  );
  assert.equal(DncSet.empty().has(0n), false);
});

test('blind index: stable, keyed, never the number itself; masking keeps the last 4 digits', () => {
  const a = new BlindIndex('0123456789abcdef');
  const b = new BlindIndex('fedcba9876543210');
  assert.equal(a.hex('+8613800138000'), a.hex('+8613800138000'));
  assert.notEqual(a.hex('+8613800138000'), b.hex('+8613800138000'));
  assert.doesNotMatch(a.hex('+8613800138000'), /13800138000/);
  assert.throws(() => new BlindIndex('short'));
});
