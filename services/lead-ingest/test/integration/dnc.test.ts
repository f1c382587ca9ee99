import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { ServiceError } from '@grpc/grpc-js';
import {
  DoNotCallKind,
  ComplianceServiceService,
  type ComplianceServiceServer,
  type FilterDoNotCallRequest,
  type RecordAuditRequest,
} from '@outbound/proto/outbound/v1/compliance';
import {
  ImportJobState,
  type ListLeadsRequest,
  type ListLeadsResponse,
  type UpsertLeadsRequest,
  type UpsertLeadsResponse,
} from '@outbound/proto/outbound/v1/lead';
import { Status, bindService, startGrpcServer, type GrpcServer } from '@outbound/rpc';
import { createLogger } from '@outbound/telemetry';
import { uniqueName } from '@outbound/testkit';
import { ComplianceDoNotCallList } from '../../src/adapters/grpc/compliance-dnc.js';
import {
  Metadata,
  REVEAL_PRINCIPAL,
  header,
  importFile,
  revealMetadata,
  startHarness,
  unary,
  type Harness,
} from './harness.js';

const logger = createLogger({ service: 'compliance-fake', level: 'silent' });
const BARRED = new Set(['+8613800138001', '+8613800138003']);
const requests: FilterDoNotCallRequest[] = [];
const audits: RecordAuditRequest[] = [];
// Short back-off so the unreachable case gives up quickly (the count of attempts is what matters).
const fastRetry = {
  deadlineMs: 2_000,
  retryPolicy: { initialDelayMs: 10, maxDelayMs: 20, multiplier: 2, maxAttempts: 3 },
};

let compliance: GrpcServer;
let h: Harness;
let down: Harness;
before(async () => {
  // A real gRPC server answering FilterDoNotCall the way compliance does: barred numbers only, by index.
  const binding = bindService<Pick<ComplianceServiceServer, 'filterDoNotCall' | 'recordAudit'>>(
    'outbound.v1.ComplianceService',
    { filterDoNotCall: ComplianceServiceService.filterDoNotCall, recordAudit: ComplianceServiceService.recordAudit },
    {
      recordAudit: async (request) => {
        audits.push(request);
        return { entry: undefined };
      },
      filterDoNotCall: async (request) => {
        requests.push(request);
        return {
          matches: request.phones.flatMap((phone, index) =>
            BARRED.has(phone)
              ? [{ index, kinds: [DoNotCallKind.DO_NOT_CALL_KIND_INTERNAL], lockedUntil: undefined }]
              : [],
          ),
        };
      },
    },
    logger,
  );
  compliance = await startGrpcServer({ address: '127.0.0.1:0', services: [binding], logger });
  h = await startHarness({ complianceAddress: `127.0.0.1:${compliance.port}`, complianceOptions: fastRetry });
  down = await startHarness({ complianceAddress: `127.0.0.1:${await closedPort()}`, complianceOptions: fastRetry });
});
after(async () => {
  await down.stop();
  await h.stop();
  await compliance.shutdown(1_000);
});

/** A port nothing listens on: bound once, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  return port;
}

async function list(harness: Harness, listId: string, status = 0): Promise<ListLeadsResponse> {
  const request: ListLeadsRequest = {
    listId,
    tier: '',
    tags: [],
    region: '',
    status,
    intent: '',
    customFields: {},
    page: { pageSize: 100, pageToken: '' },
  };
  return unary<ListLeadsRequest, ListLeadsResponse>(
    harness.client.listLeads,
    harness.client,
    request,
    revealMetadata(),
  );
}

test('numbers compliance bars are stored as DO_NOT_CALL and are not callable', async () => {
  const listId = uniqueName('l');
  const campaignId = uniqueName('c');
  const file = Buffer.from('name,phone\na,13800138001\nb,13800138002\nc,13800138003\nd,13800138004\n');
  const { job } = await importFile(h.client, header(listId, { campaignId }), file);
  assert.equal(job!.state, ImportJobState.IMPORT_JOB_STATE_SUCCEEDED);
  assert.equal(job!.rowsAccepted, 4);
  assert.deepEqual((await list(h, listId, 2)).leads.map((l) => l.phone).sort(), ['+8613800138001', '+8613800138003']);
  assert.deepEqual((await list(h, listId, 1)).leads.map((l) => l.phone).sort(), ['+8613800138002', '+8613800138004']);
  const asked = requests.find((r) => r.phones.includes('+8613800138002'));
  assert.equal(asked?.campaignId, campaignId);
});

test('UpsertLeads asks compliance too, once per call for all its numbers', async () => {
  const listId = uniqueName('l');
  const leads = ['13800138003', '13800138004'].map((phone, i) => ({
    externalId: `crm-${i}`,
    phone,
    name: 'n',
    region: '',
    tags: [],
    customFields: {},
    intent: '',
    orderValue: '',
  }));
  const asked = requests.length;
  await unary<UpsertLeadsRequest, UpsertLeadsResponse>(
    h.client.upsertLeads,
    h.client,
    { listId, defaultRegion: '', leads },
    new Metadata(),
  );
  assert.deepEqual(
    requests.slice(asked).map((r) => r.phones.length),
    [2],
  );
  assert.deepEqual((await list(h, listId)).leads.map((l) => [l.externalId, l.status]).sort(), [
    ['crm-0', 2],
    ['crm-1', 1],
  ]);
});

test('lookups go in chunks of at most 10,000 numbers and indexes map back to the whole batch', async () => {
  const dnc = new ComplianceDoNotCallList(`127.0.0.1:${compliance.port}`, fastRetry);
  try {
    const phones = Array.from({ length: 10_003 }, (_, i) => `+86139${String(i).padStart(8, '0')}`);
    phones[2] = '+8613800138001';
    phones[10_001] = '+8613800138003';
    const before = requests.length;
    assert.deepEqual([...(await dnc.barred(phones, ''))], [2, 10_001]);
    assert.deepEqual(
      requests.slice(before).map((r) => r.phones.length),
      [10_000, 3],
    );
  } finally {
    dnc.close();
  }
});

test('unreachable compliance fails the import with a clear reason and stores nothing', async () => {
  const listId = uniqueName('l');
  const { job } = await importFile(
    down.client,
    header(listId),
    Buffer.from('name,phone\na,13800138001\nb,13800138002\n'),
  );
  assert.equal(job!.state, ImportJobState.IMPORT_JOB_STATE_FAILED);
  assert.match(
    job!.failureReason,
    /compliance could not check the numbers against the do-not-call list \(FilterDoNotCall: UNAVAILABLE after 3 attempts\); nothing was stored/,
  );
  assert.ok(!/138/.test(job!.failureReason), 'no number in the reason');
  assert.equal((await list(down, listId)).leads.length, 0);

  const leads = [
    {
      externalId: 'crm-1',
      phone: '13800138002',
      name: 'n',
      region: '',
      tags: [],
      customFields: {},
      intent: '',
      orderValue: '',
    },
  ];
  const error = await unary<UpsertLeadsRequest, UpsertLeadsResponse>(
    down.client.upsertLeads,
    down.client,
    { listId, defaultRegion: '', leads },
    new Metadata(),
  ).then(
    () => assert.fail('expected UNAVAILABLE'),
    (e: ServiceError) => e,
  );
  assert.equal(error.code, Status.UNAVAILABLE);
  assert.equal((await list(down, listId)).leads.length, 0);
});

test("clear numbers only for a granted token, and only once compliance's audit log has recorded who saw what", async () => {
  const listId = uniqueName('l');
  await importFile(h.client, header(listId), Buffer.from('name,phone\n张三,13800138002\n'));
  const request: ListLeadsRequest = {
    listId,
    tier: '',
    tags: [],
    region: '',
    status: 0,
    intent: '',
    customFields: {},
    page: { pageSize: 100, pageToken: '' },
  };
  const listWith = (harness: Harness, md: Metadata) =>
    unary<ListLeadsRequest, ListLeadsResponse>(harness.client.listLeads, harness.client, request, md);

  const masked = await listWith(h, new Metadata());
  assert.deepEqual([masked.leads[0]!.phone, masked.leads[0]!.name], ['+86138****8002', '张*']);
  const before = audits.length;
  for (const md of [revealMetadata(null), revealMetadata('not-the-token')]) {
    const denied = await listWith(h, md).then(
      () => assert.fail('expected PERMISSION_DENIED'),
      (e: ServiceError) => e,
    );
    assert.equal(denied.code, Status.PERMISSION_DENIED);
  }
  assert.equal(audits.length, before, 'a refused ask records nothing and shows nothing');

  const clear = await listWith(h, revealMetadata());
  assert.deepEqual([clear.leads[0]!.phone, clear.leads[0]!.name], ['+8613800138002', '张三']);
  assert.deepEqual(audits.slice(before), [
    {
      actor: REVEAL_PRINCIPAL,
      action: 'viewed',
      target: `list:${listId}`,
      details: { fields: 'phone,name', leads: '1' },
      service: 'lead-ingest',
    },
  ]);

  // The same leads, served by a replica that cannot reach compliance: nothing clear is shown.
  const cutOff = await startHarness({
    schema: h.schema,
    complianceAddress: `127.0.0.1:${await closedPort()}`,
    complianceOptions: fastRetry,
  });
  try {
    const leadId = clear.leads[0]!.leadId;
    const unaudited = await unary(cutOff.client.getLead, cutOff.client, { leadId }, revealMetadata()).then(
      () => assert.fail('expected UNAVAILABLE'),
      (e: ServiceError) => e,
    );
    assert.equal(unaudited.code, Status.UNAVAILABLE);
    assert.ok(!unaudited.details.includes('138'), 'no number in the error');
    const still = await unary(cutOff.client.getLead, cutOff.client, { leadId }, new Metadata());
    assert.equal(still.lead!.phone, '+86138****8002');
  } finally {
    await cutOff.stop();
  }
});
