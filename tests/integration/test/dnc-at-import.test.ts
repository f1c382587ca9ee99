import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { ComplianceServiceClient, DoNotCallKind } from '@outbound/proto/outbound/v1/compliance';
import {
  ImportJobState,
  LeadServiceClient,
  LeadStatus,
  type ImportRequest,
  type ImportResponse,
} from '@outbound/proto/outbound/v1/lead';
import { Metadata, clientStream, createClient, unary } from '@outbound/rpc';
import { testUrls, uniqueName, waitFor } from '@outbound/testkit';
import { Processes } from './support/processes.js';

// Two services as real processes: compliance owns the do-not-call list and the audit log;
// lead-ingest asks it during an import (a listed number is stored but never callable) and has it
// record every showing of clear personal data.
const service = (name: string) =>
  fileURLToPath(new URL(`../../../../services/${name}/dist/src/main.js`, import.meta.url));
const processes = new Processes();
const probe = uniqueName('dncimport')
  .toLowerCase()
  .replace(/[^a-z0-9_]/g, '_');
const urls = { NATS_URL: testUrls.nats, REDIS_URL: testUrls.redis, DATABASE_URL: testUrls.database, LOG_LEVEL: 'info' };
const readyAs = (message: string) => (line: Record<string, unknown>) =>
  line['msg'] === message && typeof line['port'] === 'number';

// One platform blind-index key for both, as deployed: compliance names numbers to lead-ingest by it.
const blindIndexKey = randomBytes(32).toString('base64');
const revealToken = randomBytes(16).toString('hex');
const upsertToken = randomBytes(16).toString('hex');
let leadsHttp = '';
let compliance: ComplianceServiceClient;
let leads: LeadServiceClient;

before(async () => {
  const c = await processes.start(
    service('compliance'),
    {
      ...urls,
      GRPC_ADDRESS: '127.0.0.1:0',
      COMPLIANCE_DB_SCHEMA: `${probe}_compliance`,
      COMPLIANCE_REDIS_PREFIX: probe,
      COMPLIANCE_DURABLE_PREFIX: probe,
      COMPLIANCE_BLIND_INDEX_SECRET: randomBytes(24).toString('base64'),
      BLIND_INDEX_KEY: blindIndexKey,
    },
    readyAs('compliance ready'),
  );
  const complianceAddress = `127.0.0.1:${String(c.ready['port'])}`;
  const l = await processes.start(
    service('lead-ingest'),
    {
      ...urls,
      GRPC_ADDRESS: '127.0.0.1:0',
      HTTP_ADDRESS: '127.0.0.1:0',
      LEAD_INGEST_SCHEMA: `${probe}_leads`,
      DEAD_NUMBERS_DURABLE: `${probe}_dead`,
      OPT_OUTS_DURABLE: `${probe}_optout`,
      DNC_ADDED_DURABLE: `${probe}_dncadded`,
      // Only what this file adds: catching up on every addition other tests left on the shared
      // stream held this file's own event back past its wait under a loaded CI run.
      DNC_ADDED_FROM: 'new',
      PII_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      BLIND_INDEX_KEY: blindIndexKey,
      DEFAULT_REGION: 'CN',
      COMPLIANCE_ADDRESS: complianceAddress,
      PII_REVEAL_GRANTS: `${probe}_ops:${createHash('sha256').update(revealToken).digest('hex')}`,
      UPSERT_GRANTS: `${probe}_crm:${createHash('sha256').update(upsertToken).digest('hex')}`,
    },
    readyAs('lead-ingest ready'),
  );
  leadsHttp = `http://127.0.0.1:${String(l.ready['httpPort'])}`;
  compliance = createClient(ComplianceServiceClient, complianceAddress);
  leads = createClient(LeadServiceClient, `127.0.0.1:${String(l.ready['port'])}`);
});

after(() => {
  compliance?.close();
  leads?.close();
  processes.stopAll();
});

function importCsv(listId: string, csv: string): Promise<ImportResponse> {
  const header = {
    listId,
    campaignId: '',
    defaultRegion: 'CN',
    format: 'csv',
    fileName: 'leads.csv',
    columnMapping: {},
    encoding: '',
    sheetName: '',
    jobId: uniqueName('job'),
    delimiter: '',
    dedupByExternalId: false,
  };
  return clientStream<ImportRequest, ImportResponse>(
    leads.import,
    leads,
    [{ header }, { chunk: Buffer.from(csv) }],
    new Metadata(),
  );
}

test("a number on compliance's do-not-call list is imported as DO_NOT_CALL; the others stay callable", async () => {
  await unary(
    compliance.addDoNotCall,
    compliance,
    {
      phone: '+8613800138001',
      source: 'integration-test',
      campaignId: '',
      kind: DoNotCallKind.DO_NOT_CALL_KIND_INTERNAL,
      actor: 'tester',
    },
    new Metadata(),
  );
  const listId = uniqueName('list');
  const reply = await importCsv(
    listId,
    '姓名,手机,编号\n张三,13800138001,e1\n李四,13800138002,e2\n王五,13800138003,e3\n',
  );
  assert.equal(reply.job?.state, ImportJobState.IMPORT_JOB_STATE_SUCCEEDED, reply.job?.failureReason);
  assert.equal(reply.job?.rowsAccepted, 3);

  const listed = await unary(
    leads.listLeads,
    leads,
    { listId, tier: '', tags: [], region: '', status: 0, page: undefined, intent: '', customFields: {} },
    new Metadata(),
  );
  const status = Object.fromEntries(listed.leads.map((lead) => [lead.externalId, lead.status]));
  assert.deepEqual(status, {
    e1: LeadStatus.LEAD_STATUS_DO_NOT_CALL,
    e2: LeadStatus.LEAD_STATUS_CALLABLE,
    e3: LeadStatus.LEAD_STATUS_CALLABLE,
  });
  assert.ok(
    listed.leads.every((lead) => !lead.phone.includes('13800138')),
    'numbers are masked in responses',
  );

  const callable = await unary(
    leads.listLeads,
    leads,
    {
      listId,
      tier: '',
      tags: [],
      region: '',
      status: LeadStatus.LEAD_STATUS_CALLABLE,
      page: undefined,
      intent: '',
      customFields: {},
    },
    new Metadata(),
  );
  assert.deepEqual(callable.leads.map((lead) => lead.externalId).sort(), ['e2', 'e3']);
});

function statuses(listId: string, status = 0): Promise<Record<string, LeadStatus>> {
  return unary(
    leads.listLeads,
    leads,
    { listId, tier: '', tags: [], region: '', status, page: undefined, intent: '', customFields: {} },
    new Metadata(),
  ).then((listed) => Object.fromEntries(listed.leads.map((lead) => [lead.externalId, lead.status])));
}

test('a number put on the do-not-call list after its import stops being callable in every list that holds it', async () => {
  const lists = [uniqueName('list'), uniqueName('list')];
  for (const [i, listId] of lists.entries()) {
    const reply = await importCsv(listId, `姓名,手机,编号\n张三,13800138021,a${i}\n李四,13800138022,b${i}\n`);
    assert.equal(reply.job?.state, ImportJobState.IMPORT_JOB_STATE_SUCCEEDED, reply.job?.failureReason);
  }
  assert.deepEqual(await statuses(lists[0]!), {
    a0: LeadStatus.LEAD_STATUS_CALLABLE,
    b0: LeadStatus.LEAD_STATUS_CALLABLE,
  });

  await unary(
    compliance.addDoNotCall,
    compliance,
    {
      phone: '+8613800138021',
      source: 'integration-test',
      campaignId: '',
      kind: DoNotCallKind.DO_NOT_CALL_KIND_INTERNAL,
      actor: 'tester',
    },
    new Metadata(),
  );
  // compliance.dnc_added carries the number's blind index only; lead-ingest finds its leads by it.
  await waitFor(
    async () =>
      (await Promise.all(lists.map((listId) => statuses(listId)))).every(
        (byId, i) => Object.values(byId).length === 2 && byId[`a${i}`] === LeadStatus.LEAD_STATUS_DO_NOT_CALL,
      ),
    { timeoutMs: 20_000, what: 'the leads of the number DO_NOT_CALL in both lists' },
  );
  for (const [i, listId] of lists.entries()) {
    assert.deepEqual(await statuses(listId), {
      [`a${i}`]: LeadStatus.LEAD_STATUS_DO_NOT_CALL,
      [`b${i}`]: LeadStatus.LEAD_STATUS_CALLABLE,
    });
    assert.deepEqual(Object.keys(await statuses(listId, LeadStatus.LEAD_STATUS_CALLABLE)), [`b${i}`]);
  }
});

test("an order system's HTTP upsert is checked against the same do-not-call list", async () => {
  await unary(
    compliance.addDoNotCall,
    compliance,
    {
      phone: '+8613800138005',
      source: 'integration-test',
      campaignId: '',
      kind: DoNotCallKind.DO_NOT_CALL_KIND_OPT_OUT,
      actor: 'tester',
    },
    new Metadata(),
  );
  const listId = uniqueName('list');
  const response = await fetch(`${leadsHttp}/v1/leads:upsert`, {
    method: 'POST',
    headers: { authorization: `Bearer ${upsertToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      listId,
      leads: [
        { externalId: 'o1', phone: '13800138005' },
        { externalId: 'o2', phone: '13800138004' },
      ],
    }),
  });
  assert.equal(response.status, 200, await response.clone().text());
  const { results } = (await response.json()) as { results: Array<{ externalId: string; created: boolean }> };
  assert.deepEqual(
    results.map((r) => [r.externalId, r.created]),
    [
      ['o1', true],
      ['o2', true],
    ],
  );
  const listed = await unary(
    leads.listLeads,
    leads,
    { listId, tier: '', tags: [], region: '', status: 0, page: undefined, intent: '', customFields: {} },
    new Metadata(),
  );
  assert.deepEqual(Object.fromEntries(listed.leads.map((lead) => [lead.externalId, lead.status])), {
    o1: LeadStatus.LEAD_STATUS_DO_NOT_CALL,
    o2: LeadStatus.LEAD_STATUS_CALLABLE,
  });
});

test("clear numbers are shown to a granted caller only after compliance's audit log recorded it", async () => {
  const listId = uniqueName('list');
  await importCsv(listId, 'name,phone\n赵六,13800138009\n');
  const ask = new Metadata();
  ask.set('x-outbound-pii', 'reveal');
  ask.set('authorization', `Bearer ${revealToken}`);
  const clear = await unary(
    leads.listLeads,
    leads,
    { listId, tier: '', tags: [], region: '', status: 0, page: undefined, intent: '', customFields: {} },
    ask,
  );
  assert.deepEqual([clear.leads[0]?.phone, clear.leads[0]?.name], ['+8613800138009', '赵六']);

  const audit = await unary(
    compliance.listAudit,
    compliance,
    { actor: `${probe}_ops`, target: '', afterSeq: 0, limit: 10 },
    new Metadata(),
  );
  assert.deepEqual(
    audit.entries.map((e) => [e.action, e.target, e.service, e.details['leads']]),
    [['viewed', `list:${listId}`, 'lead-ingest', '1']],
  );
  assert.equal(audit.chainValid, true);
});
