import assert from 'node:assert/strict';
import { test } from 'node:test';
import { recordAuditRequest } from '../../src/adapters/grpc/schemas.js';

const entry = (target: string) => ({ actor: 'dialer', action: 'viewed', target, details: {}, service: 'lead-ingest' });

test('audit targets named by a UUID are accepted even when its hex holds long digit runs', () => {
  // Time-ordered lead ids: "1234-7000-8123-456789" alone would read as a phone number.
  for (const id of ['0193a8b2-1234-7000-8123-456789abcdef', '01938475-6201-7abc-8def-012345678901'])
    assert.equal(recordAuditRequest.safeParse(entry(`lead:${id}`)).success, true, id);
});

test('a phone number in an audit target is still refused, beside a UUID or alone', () => {
  for (const target of ['+8613800138000', 'lead:0193a8b2-1234-7000-8123-456789abcdef +1 212 555 0100', '138-0013-8000'])
    assert.equal(recordAuditRequest.safeParse(entry(target)).success, false, target);
});

test('ISO dates and times in audit details are dates, not phone numbers; a number beside one is still refused', () => {
  const purge = (retainUntil: string) => ({ ...entry('recording:r1'), action: 'purged', details: { retainUntil } });
  for (const date of ['2025-11-29', '2025-11-29T10:00:00Z', '2025-11-29T10:00:00.123+08:00', '2025-11-29 10:00'])
    assert.equal(recordAuditRequest.safeParse(purge(date)).success, true, date);
  for (const value of ['2025-11-29 +8613800138000', '13800138000'])
    assert.equal(recordAuditRequest.safeParse(purge(value)).success, false, value);
});
