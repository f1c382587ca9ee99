import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { createPool, loadMigrations, migrate } from '@outbound/store';
import { uniqueName, testUrls } from '@outbound/testkit';
import { EvidenceStore, type DecisionRecord } from '../../src/adapters/sql/evidence.js';
import { defaultPolicy } from '../../src/domain/types.js';

const pool = createPool({ url: testUrls.database, applicationName: 'compliance-retention-test' });
after(() => pool.end());
const migrations = fileURLToPath(new URL('../../../migrations/', import.meta.url));
const DAY = 86_400_000;

function record(checkId: string, decidedAt: number): DecisionRecord {
  return {
    checkId,
    decidedAt,
    dialAt: decidedAt,
    campaignId: 'c1',
    leadId: 'l1',
    phoneKey: '0123456789abcdef0123456789abcdef',
    maskedPhone: '+86138****8000',
    callerId: '+8610010000',
    allowed: true,
    denials: [],
    rulePacks: ['BASE@2026-01'],
    timeZones: ['Asia/Shanghai'],
    inputs: {
      policy: defaultPolicy('c1'),
      policyVersion: 0,
      region: 'CN',
      areaCode: null,
      uncertainty: null,
      timeZoneOverride: null,
      facts: { internalDnc: false, optedOut: false },
      caps: { leadCount: 0, callerCount: 0 },
      onRegistry: false,
    },
  };
}

test('evidence retention: decisions older than the cutoff go, in bounded batches; newer ones stay; an aborted purge stops', async () => {
  const schema = uniqueName('retain').toLowerCase();
  await migrate(pool, { schema, migrations: await loadMigrations(migrations) });
  const store = new EvidenceStore(pool, schema);
  const now = Date.parse('2030-06-01T00:00:00Z');
  const old = Array.from({ length: 5 }, (_, i) =>
    record(`00000000-0000-4000-8000-00000000000${i}`, now - (1500 + i) * DAY),
  );
  const kept = [
    record('00000000-0000-4000-8000-000000000010', now - 10 * DAY),
    record('00000000-0000-4000-8000-000000000011', now),
  ];
  await store.store([...old, ...kept]);

  const stopped = new AbortController();
  stopped.abort();
  assert.equal(await store.purgeOlderThan(now - 1461 * DAY, stopped.signal, 2), 0);
  assert.equal(await store.purgeOlderThan(now - 1461 * DAY, undefined, 2), 5);
  const { rows } = await pool.query<{ check_id: string }>(
    `SELECT check_id FROM "${schema}".decisions ORDER BY check_id`,
  );
  assert.deepEqual(
    rows.map((r) => r.check_id),
    kept.map((r) => r.checkId),
  );
});
