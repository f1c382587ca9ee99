import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { BLIND_INDEX_BYTES, BlindIndexer, blindIndexFromHex, parseBlindIndexKey } from '../src/index.js';

const key = Buffer.alloc(32, 7);

test('the index is HMAC-SHA256(key, E.164) cut to 16 bytes: the algorithm lead-ingest has always stored', () => {
  const indexer = new BlindIndexer(key);
  for (const e164 of ['+8613800138000', '+14155550100', '+442079460000']) {
    const expected = createHmac('sha256', key).update(e164).digest().subarray(0, BLIND_INDEX_BYTES);
    assert.deepEqual(indexer.of(e164), expected);
    assert.equal(indexer.hex(e164), expected.toString('hex'));
    const out = Buffer.alloc(40, 0xee);
    indexer.into(e164, out, 3);
    assert.deepEqual(out.subarray(3, 3 + BLIND_INDEX_BYTES), expected);
    assert.equal(out[2], 0xee);
    assert.equal(out[3 + BLIND_INDEX_BYTES], 0xee);
  }
});

test('a qualified index differs from the number’s own and from other qualifiers; another key gives other indexes', () => {
  const indexer = new BlindIndexer(key);
  const plain = indexer.hex('+8613800138000');
  const qualified = indexer.of('+8613800138000', 'e1').toString('hex');
  assert.notEqual(qualified, plain);
  assert.notEqual(indexer.of('+8613800138000', 'e2').toString('hex'), qualified);
  assert.equal(
    qualified,
    createHmac('sha256', key).update('+8613800138000').update('\u0000e1').digest().subarray(0, 16).toString('hex'),
  );
  assert.notEqual(new BlindIndexer(Buffer.alloc(32, 8)).hex('+8613800138000'), plain);
});

test('keys: 32 bytes in base64 only; hex indexes: 32 lower-case hex digits only', () => {
  assert.deepEqual(parseBlindIndexKey(key.toString('base64')), key);
  for (const bad of ['', 'short', Buffer.alloc(31).toString('base64'), Buffer.alloc(33).toString('base64')])
    assert.equal(parseBlindIndexKey(bad), undefined);
  assert.throws(() => new BlindIndexer(Buffer.alloc(16)), RangeError);
  assert.deepEqual(blindIndexFromHex('00'.repeat(16)), Buffer.alloc(16));
  for (const bad of ['00'.repeat(15), 'AB'.repeat(16), `${'00'.repeat(15)}zz`])
    assert.equal(blindIndexFromHex(bad), undefined);
});
