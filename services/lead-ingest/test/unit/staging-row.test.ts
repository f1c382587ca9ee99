import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { PiiCipher } from '../../src/adapters/pii-cipher.js';
import { ChunkSealer } from '../../src/adapters/sql/protect.js';
import { CopyChunk, STAGING_COLUMNS, TAG_SEPARATOR } from '../../src/adapters/sql/lead-staging.js';
import type { CleanLead } from '../../src/domain/clean.js';

/** The rows of a binary COPY chunk read back (what PostgreSQL does), each field by its column name. */
function readRows(data: Buffer): Array<Record<string, Buffer | null>> {
  const rows: Array<Record<string, Buffer | null>> = [];
  let at = 19; // signature, flags, header extension length
  for (;;) {
    const fields = data.readInt16BE(at);
    at += 2;
    if (fields === -1) break;
    assert.equal(fields, STAGING_COLUMNS.length, 'one field per staging column');
    const row: Record<string, Buffer | null> = {};
    for (const [name] of STAGING_COLUMNS) {
      const length = data.readInt32BE(at);
      at += 4;
      row[name] = length === -1 ? null : data.subarray(at, (at += length));
    }
    rows.push(row);
  }
  assert.equal(at, data.length);
  return rows;
}

const lead = (line: number, externalId: string): CleanLead => ({
  line,
  externalId,
  e164: '+8613800138000',
  extension: '',
  name: '张三',
  numberType: 'mobile',
  country: 'CN',
  region: 'CN',
  timeZone: 'Asia/Shanghai',
  intent: undefined,
  orderValue: 12.5,
  tier: 'A',
  tags: ['vip', 'new'],
  custom: { source: 'fair' },
  notes: undefined,
});

test('staging rows: rows written while the chunk grows come out whole (a field reserved before the buffer is read)', () => {
  const cipher = new PiiCipher([{ id: 'k1', key: randomBytes(32) }], 'k1', randomBytes(32));
  for (let nameLength = 1; nameLength <= 40; nameLength++) {
    const chunk = new CopyChunk(256);
    const sealer = new ChunkSealer(cipher, { dedupByExternalId: true }, chunk);
    const leads = Array.from({ length: 50 }, (_, i) => ({
      ...lead(i + 2, `e${i}`),
      e164: `+86138${String(10_000_000 + i)}`,
      name: 'x'.repeat(nameLength),
    }));
    for (const l of leads) sealer.add(l);
    readRows(chunk.finish()).forEach((row, i) => {
      const l = leads[i]!;
      assert.deepEqual(row['phone_index'], cipher.blindIndex(l.e164));
      assert.deepEqual(row['dedup_key'], cipher.blindIndex(l.e164, l.externalId));
      assert.deepEqual(cipher.open(Buffer.from(row['pii']!)), { e164: l.e164, extension: '', name: l.name });
    });
  }
});

test('staging rows: every column of the layout written in its order, read back by name; markBarred rewrites the status', () => {
  const cipher = new PiiCipher([{ id: 'k1', key: randomBytes(32) }], 'k1', randomBytes(32));
  const chunk = new CopyChunk(64);
  const sealer = new ChunkSealer(cipher, { dedupByExternalId: true }, chunk);
  sealer.add(lead(2, 'e1'));
  sealer.add(lead(3, ''));
  sealer.markBarred(new Set([1]));
  const [first, second] = readRows(chunk.finish());
  assert.equal(first!['line']!.readInt32BE(0), 2);
  assert.equal(first!['lead_id']!.length, 16);
  assert.equal(first!['external_id']!.toString(), 'e1');
  assert.deepEqual(first!['dedup_key'], cipher.blindIndex('+8613800138000', 'e1'));
  assert.equal(second!['dedup_key'], null, 'no external id: the dedup key is the phone index');
  assert.deepEqual(first!['phone_index'], cipher.blindIndex('+8613800138000'));
  assert.deepEqual(cipher.open(Buffer.from(first!['pii']!)), { e164: '+8613800138000', extension: '', name: '张三' });
  assert.equal(first!['number_type']!.readInt16BE(0), 1);
  assert.deepEqual(
    ['country', 'region', 'time_zone', 'order_value', 'tier', 'tags', 'custom'].map((c) => first![c]!.toString()),
    ['CN', 'CN', 'Asia/Shanghai', '12.5', 'A', `vip${TAG_SEPARATOR}new`, '{"source":"fair"}'],
  );
  assert.equal(first!['intent'], null);
  assert.deepEqual([first!['status']!.readInt16BE(0), second!['status']!.readInt16BE(0)], [1, 2]);
});

test('staging rows: a number with an extension is its own lead (dedup key of number and extension) and is sealed with it', () => {
  const cipher = new PiiCipher([{ id: 'k1', key: randomBytes(32) }], 'k1', randomBytes(32));
  const chunk = new CopyChunk(256);
  const sealer = new ChunkSealer(cipher, { dedupByExternalId: false }, chunk);
  sealer.add({ ...lead(2, ''), e164: '+861065529988', extension: '8001' });
  sealer.add({ ...lead(3, ''), e164: '+861065529988', extension: '' });
  const [withExtension, without] = readRows(chunk.finish());
  assert.deepEqual(withExtension!['dedup_key'], cipher.blindIndex('+861065529988;ext=8001'));
  assert.deepEqual(withExtension!['phone_index'], without!['phone_index'], 'one number for do-not-call');
  assert.equal(without!['dedup_key'], null);
  assert.deepEqual(cipher.open(Buffer.from(withExtension!['pii']!)), {
    e164: '+861065529988',
    extension: '8001',
    name: '张三',
  });
});
