import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { ComplianceServiceClient, type DialCheck } from '@outbound/proto/outbound/v1/compliance';
import { Metadata, createClient, unary } from '@outbound/rpc';
import { createPool } from '@outbound/store';
import { testUrls, uniqueName } from '@outbound/testkit';
import { middayZone } from './harness.js';

const pool = createPool({ url: testUrls.database, applicationName: 'compliance-drain-test' });
after(() => pool.end());

test('main: SIGTERM drains — every decision answered before the signal is stored', async () => {
  const name = uniqueName('drain').toLowerCase();
  const child = spawn(process.execPath, [new URL('../../src/main.js', import.meta.url).pathname], {
    env: { ...process.env, GRPC_ADDRESS: '127.0.0.1:0', LOG_LEVEL: 'info', COMPLIANCE_DB_SCHEMA: name, COMPLIANCE_REDIS_PREFIX: name, COMPLIANCE_DURABLE_PREFIX: name, COMPLIANCE_BLIND_INDEX_SECRET: 'test-secret-0123456789', COMPLIANCE_EVIDENCE_FLUSH_MS: '10s' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let port = 0;
  for await (const line of createInterface({ input: child.stdout })) {
    const entry = JSON.parse(line) as { msg?: string; port?: number };
    if (entry.msg === 'compliance ready') {
      port = entry.port!;
      break;
    }
  }
  const client = createClient(ComplianceServiceClient, `127.0.0.1:${port}`);
  const campaignId = uniqueName('c');
  const checks: DialCheck[] = Array.from({ length: 250 }, (_, i) => ({ campaignId, leadId: `l${i}`, phone: `+44207946${String(1000 + i)}`, callerId: `+44207947${String(1000 + i)}`, at: undefined, timeZoneOverride: middayZone() }));
  let answered = 0;
  for (let i = 0; i < checks.length; i += 50) {
    answered += (await unary(client.checkDialBatch, client, { checks: checks.slice(i, i + 50) }, new Metadata())).decisions.length;
  }
  client.close();
  // The flush interval (10 s) is far longer than the test: only the drain can have written them.
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0);
  const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM "${name}".decisions WHERE campaign_id = $1`, [campaignId]);
  assert.equal(Number(rows[0]!.n), answered);
  assert.equal(answered, 250);
});
