import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { ComplianceServiceClient, type DialCheck } from '@outbound/proto/outbound/v1/compliance';
import { Metadata, createClient, unary } from '@outbound/rpc';
import { createPool } from '@outbound/store';
import { testUrls, uniqueName } from '@outbound/testkit';
import { middayZone } from './harness.js';

const pool = createPool({ url: testUrls.database, applicationName: 'compliance-drain-test' });
after(() => pool.end());

/** The real service process (its main.js), in a schema of its own; resolves once it is ready. */
async function startMain(name: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [new URL('../../src/main.js', import.meta.url).pathname], {
    env: {
      ...process.env,
      GRPC_ADDRESS: '127.0.0.1:0',
      LOG_LEVEL: 'info',
      COMPLIANCE_DB_SCHEMA: name,
      COMPLIANCE_REDIS_PREFIX: name,
      COMPLIANCE_DURABLE_PREFIX: name,
      COMPLIANCE_BLIND_INDEX_SECRET: 'test-secret-0123456789',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  for await (const line of createInterface({ input: child.stdout })) {
    const entry = JSON.parse(line) as { msg?: string; port?: number };
    if (entry.msg === 'compliance ready') return { child, port: entry.port! };
  }
  throw new Error('compliance exited before it was ready');
}

test('main: every decision answered is already stored, even when the process is killed (SIGKILL) right after', async () => {
  const name = uniqueName('kill').toLowerCase();
  const { child, port } = await startMain(name);
  const client = createClient(ComplianceServiceClient, `127.0.0.1:${port}`);
  const campaignId = uniqueName('c');
  const checks: DialCheck[] = Array.from({ length: 250 }, (_, i) => ({
    campaignId,
    leadId: `l${i}`,
    phone: `+44207946${String(1000 + i)}`,
    callerId: `+44207947${String(1000 + i)}`,
    at: undefined,
    timeZoneOverride: middayZone(),
  }));
  let answered = 0;
  for (let i = 0; i < checks.length; i += 50) {
    answered += (await unary(client.checkDialBatch, client, { checks: checks.slice(i, i + 50) }, new Metadata()))
      .decisions.length;
  }
  client.close();
  // No drain, no flush: only what was stored before each answer can be there.
  child.kill('SIGKILL');
  const [, signal] = await once(child, 'exit');
  assert.equal(signal, 'SIGKILL');
  const { rows } = await pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM "${name}".decisions WHERE campaign_id = $1`,
    [campaignId],
  );
  assert.equal(Number(rows[0]!.n), answered);
  assert.equal(answered, 250);
});

test('main: SIGTERM stops the service cleanly (exit 0)', async () => {
  const { child } = await startMain(uniqueName('term').toLowerCase());
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0);
});
