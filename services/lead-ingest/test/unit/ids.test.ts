import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newLeadId } from '../../src/domain/ids.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('lead ids are UUIDv7 and sort in the order they were made, within a millisecond, past 4096 in one, and when the clock steps back', () => {
  const at = Date.parse('2030-01-01T00:00:00Z');
  const ids = [
    ...Array.from({ length: 5000 }, () => newLeadId(at)),
    newLeadId(at - 60_000), // the clock stepped back a minute
    newLeadId(at + 60_000),
  ];
  for (const id of ids) assert.match(id, UUID_V7);
  assert.equal(new Set(ids).size, ids.length);
  assert.deepEqual([...ids].sort(), ids);
  // Past 4096 ids the next millisecond is borrowed; the stepped-back clock did not go backwards.
  assert.equal(ids[4096]!.slice(0, 13), newLeadIdPrefix(at + 1));
  assert.equal(ids[5000]!.slice(0, 13), newLeadIdPrefix(at + 1));
});

function newLeadIdPrefix(ms: number): string {
  const hex = ms.toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8)}`;
}
