import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GENESIS_HASH, auditHash, firstBrokenRow, type AuditFields } from '../../src/domain/audit-chain.js';

function chain(rows: AuditFields[]) {
  let prev = GENESIS_HASH;
  return rows.map((row) => {
    const hash = auditHash(prev, row);
    const linked = { ...row, prevHash: prev, hash };
    prev = hash;
    return linked;
  });
}

const rows: AuditFields[] = [1, 2, 3].map((seq) => ({
  seq,
  at: `2026-06-01T00:00:0${seq}Z`,
  actor: 'alice',
  action: 'exported',
  target: 'campaign:c1',
  service: 'console',
  details: { b: '2', a: '1' },
}));

test('audit chain: an intact chain verifies; detail key order does not matter', () => {
  const linked = chain(rows);
  assert.equal(firstBrokenRow(linked, GENESIS_HASH), -1);
  assert.equal(auditHash(GENESIS_HASH, { ...rows[0]!, details: { a: '1', b: '2' } }), linked[0]!.hash);
});

test('audit chain: editing, deleting or reordering a row breaks verification', () => {
  const linked = chain(rows);
  assert.equal(firstBrokenRow([linked[0]!, { ...linked[1]!, actor: 'mallory' }, linked[2]!], GENESIS_HASH), 1);
  assert.equal(firstBrokenRow([linked[0]!, linked[2]!], GENESIS_HASH), 1);
  assert.equal(firstBrokenRow([linked[1]!, linked[0]!, linked[2]!], GENESIS_HASH), 0);
  // The rows before the first bad one still hold; a run verifies from any intact row's hash.
  assert.equal(firstBrokenRow(linked.slice(1), linked[0]!.hash), -1);
});
