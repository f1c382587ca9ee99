import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { createPool, loadMigrations, migrate } from '@outbound/store';
import { testUrls, uniqueName } from '@outbound/testkit';
import { AuditLog } from '../../src/adapters/sql/audit.js';

const pool = createPool({ url: testUrls.database, applicationName: 'compliance-audit-test' });
after(() => pool.end());
const migrations = fileURLToPath(new URL('../../../migrations/', import.meta.url));

/** A fresh compliance schema holding `count` audit entries; verification pages of 7 rows. */
async function logWith(count: number): Promise<{ schema: string; log: () => AuditLog }> {
  const schema = uniqueName('audit').toLowerCase();
  await migrate(pool, { schema, migrations: await loadMigrations(migrations) });
  const writer = new AuditLog(pool, schema);
  for (let i = 0; i < count; i++)
    await writer.append({
      actor: `ops-${i % 3}`,
      action: 'viewed',
      target: `lead:l${i}`,
      service: 'console',
      details: { page: String(i) },
    });
  return { schema, log: () => new AuditLog(pool, schema, Date.now, 7) };
}

/** What someone with the table owner's rights could do: the trigger switched off around an edit. */
async function tamper(schema: string, statement: string): Promise<void> {
  await pool.query(`ALTER TABLE "${schema}".audit_log DISABLE TRIGGER audit_log_no_change`);
  try {
    await pool.query(statement.replaceAll('$schema', `"${schema}"`));
  } finally {
    await pool.query(`ALTER TABLE "${schema}".audit_log ENABLE TRIGGER audit_log_no_change`);
  }
}

test('audit: the chain verifies in pages; an edited row breaks it from that row on, for ListAudit and the full re-hash', async () => {
  const { schema, log } = await logWith(20);
  const first = log();
  assert.equal(await first.verifyUpTo(20), true);
  assert.equal((await first.list({ afterSeq: 15, limit: 100 })).chainValid, true);

  await tamper(schema, `UPDATE $schema.audit_log SET actor = 'mallory' WHERE seq = 5`);
  // A process that has not verified yet re-hashes from the genesis: valid before row 5, broken from it.
  const fresh = log();
  assert.equal(await fresh.verifyUpTo(4), true);
  assert.equal(await fresh.verifyUpTo(6), false);
  assert.equal((await fresh.list({ afterSeq: 0, limit: 3 })).chainValid, true);
  assert.equal((await fresh.list({ afterSeq: 0, limit: 10 })).chainValid, false);
  // The process that verified before the edit sees it at its next full re-hash, and from then on.
  assert.equal(await first.verifyUpTo(20), true, 'rows verified earlier are not re-hashed on every call');
  assert.equal(await first.verifyAll(), false);
  assert.equal(await first.verifyUpTo(20), false);
  assert.equal(await first.verifyUpTo(4), true);
});

test('audit: an edit to the last verified row shows at once; a deleted row is a break; an aborted full re-hash concludes nothing', async () => {
  const { schema, log } = await logWith(10);
  const verifier = log();
  assert.equal(await verifier.verifyUpTo(10), true);
  await tamper(schema, `UPDATE $schema.audit_log SET target = 'lead:other' WHERE seq = 10`);
  await tamper(schema, `UPDATE $schema.audit_log SET hash = 'x' || hash WHERE seq = 10`);
  assert.equal(await verifier.verifyUpTo(10), false);

  const gap = await logWith(9);
  await tamper(gap.schema, `DELETE FROM $schema.audit_log WHERE seq = 4`);
  assert.equal(await gap.log().verifyAll(), false);
  const stopped = new AbortController();
  stopped.abort();
  assert.equal(await gap.log().verifyAll(stopped.signal), undefined);
});

test('audit: appends asked at once are chained together, in the order asked, and the chain verifies', async () => {
  const { schema, log } = await logWith(3);
  const writer = new AuditLog(pool, schema);
  // Two writers (as two replicas would): each one's concurrent appends go out together, and the
  // advisory lock keeps the two batches from interleaving in the chain.
  const other = new AuditLog(pool, schema);
  const entry = (i: number) => ({
    actor: 'lead-ingest',
    action: 'viewed',
    target: `lead:c${String(i)}`,
    service: 'lead-ingest',
    details: { leads: '1' },
  });
  const records = await Promise.all([
    ...Array.from({ length: 120 }, (_, i) => writer.append(entry(i))),
    ...Array.from({ length: 30 }, (_, i) => other.append(entry(1_000 + i))),
  ]);
  const seqs = records.map((r) => r.seq).sort((a, b) => a - b);
  assert.deepEqual(
    seqs,
    Array.from({ length: 150 }, (_, i) => i + 4),
    'every entry its own place after the first 3',
  );
  const mine = records.slice(0, 120).map((r) => r.seq);
  assert.deepEqual(
    mine,
    [...mine].sort((a, b) => a - b),
    "one writer's entries in the order they were asked",
  );
  const { rows } = await pool.query<{ seq: string; target: string }>(
    `SELECT seq, target FROM "${schema}".audit_log WHERE seq = $1`,
    [records[7]!.seq],
  );
  assert.equal(rows[0]?.target, 'lead:c7', 'the stored row is the one its caller was told');
  assert.equal(await log().verifyAll(), true);
});
