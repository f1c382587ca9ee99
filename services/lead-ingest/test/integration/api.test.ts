import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { uniqueName, waitFor } from '@outbound/testkit';
import {
  ImportJobState,
  type CancelImportJobRequest,
  type CancelImportJobResponse,
  type ImportRequest,
  type LeadInput,
  type ListLeadsRequest,
  type ListLeadsResponse,
  type UpsertLeadsRequest,
  type UpsertLeadsResponse,
} from '@outbound/proto/outbound/v1/lead';
import {
  Metadata,
  clientStream,
  header,
  importFile,
  revealMetadata,
  startHarness,
  unary,
  type Harness,
} from './harness.js';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h.stop();
});

function input(externalId: string, phone: string, extra: Partial<LeadInput> = {}): LeadInput {
  return {
    externalId,
    phone,
    name: '周八',
    region: '',
    tags: [],
    customFields: {},
    intent: '',
    orderValue: '',
    ...extra,
  };
}

async function upsert(listId: string, leads: LeadInput[]): Promise<UpsertLeadsResponse> {
  return unary<UpsertLeadsRequest, UpsertLeadsResponse>(
    h.client.upsertLeads,
    h.client,
    { listId, defaultRegion: '', leads },
    new Metadata(),
  );
}

async function page(listId: string, pageSize: number, pageToken = ''): Promise<ListLeadsResponse> {
  const request: ListLeadsRequest = {
    listId,
    tier: '',
    tags: [],
    region: '',
    status: 0,
    intent: '',
    customFields: {},
    page: { pageSize, pageToken },
  };
  return unary<ListLeadsRequest, ListLeadsResponse>(h.client.listLeads, h.client, request, new Metadata());
}

test('UpsertLeads is idempotent by external id: a repeat updates the same lead', async () => {
  const listId = uniqueName('l');
  const first = await upsert(listId, [input('crm-1', '13800138001', { intent: 'low' }), input('crm-2', '13800138002')]);
  assert.deepEqual(
    first.results.map((r) => [r.externalId, r.created, r.rejectionReason]),
    [
      ['crm-1', true, ''],
      ['crm-2', true, ''],
    ],
  );

  const again = await upsert(listId, [
    input('crm-1', '13800138001', { intent: 'high', orderValue: '2000' }),
    input('crm-3', '13800138002'),
    input('crm-4', '12'),
  ]);
  // Upserts dedup by number + external id, so another customer sharing a number is a new lead.
  assert.deepEqual(
    again.results.map((r) => [r.externalId, r.created, r.rejectionReason]),
    [
      ['crm-1', false, ''],
      ['crm-3', true, ''],
      ['crm-4', false, 'TOO_SHORT'],
    ],
  );
  assert.equal(again.results[0]!.leadId, first.results[0]!.leadId);

  const { leads } = await page(listId, 10);
  assert.deepEqual(
    leads.map((l) => [l.externalId, l.intent, l.tier]),
    [
      ['crm-1', 'high', 'A'],
      ['crm-2', '', 'D'],
      ['crm-3', '', 'D'],
    ],
  );
});

test('ListLeads pages with a cursor: every lead once, in id order, then an empty token', async () => {
  const listId = uniqueName('l');
  const lines = ['name,phone'];
  for (let i = 0; i < 7; i++) lines.push(`n${i},1370000${String(i).padStart(4, '0')}`);
  await importFile(h.client, header(listId), Buffer.from(lines.join('\n')));
  const seen: string[] = [];
  let token = '';
  let pages = 0;
  do {
    const res = await page(listId, 3, token);
    seen.push(...res.leads.map((l) => l.leadId));
    token = res.page!.nextPageToken;
    pages++;
  } while (token !== '');
  assert.equal(pages, 3);
  assert.equal(seen.length, 7);
  assert.deepEqual(seen, [...seen].sort());
  assert.equal(new Set(seen).size, 7);
});

test('CancelImportJob stops a running import, which then stores nothing', async () => {
  const listId = uniqueName('l');
  const jobId = uniqueName('job');
  const lines = ['name,phone'];
  for (let i = 0; i < 3000; i++) lines.push(`n${i},1360000${String(i).padStart(4, '0')}`);
  const file = Buffer.from(`${lines.join('\n')}\n`);
  async function* requests(): AsyncGenerator<ImportRequest> {
    yield { header: header(listId, { jobId }) };
    yield { chunk: file };
    // The stream stays open until the cancel went through, so the job is surely still running.
    await waitFor(() => h.app.runner.inFlight > 0, { what: 'import running' });
    await unary<CancelImportJobRequest, CancelImportJobResponse>(
      h.client.cancelImportJob,
      h.client,
      { jobId },
      new Metadata(),
    );
    yield { chunk: file };
  }
  const { job } = await clientStream(h.client.import, h.client, requests(), new Metadata());
  assert.equal(job!.state, ImportJobState.IMPORT_JOB_STATE_CANCELLED);
  assert.equal((await page(listId, 10)).leads.length, 0);
});

test('cells with tabs, line breaks and backslashes survive the bulk COPY path unchanged', async () => {
  const listId = uniqueName('l');
  const note = 'a\tb\\n c\\\\d\r\ne';
  const file = Buffer.from(`name,phone,备注,标签\n"王\\五",13500135000,"${note}","x\\y,z"\n`);
  const { job } = await importFile(h.client, header(listId), file);
  assert.equal(job!.rowsAccepted, 1);
  const request: ListLeadsRequest = {
    listId,
    tier: '',
    tags: [],
    region: '',
    status: 0,
    intent: '',
    customFields: {},
    page: { pageSize: 10, pageToken: '' },
  };
  const { leads } = await unary<ListLeadsRequest, ListLeadsResponse>(
    h.client.listLeads,
    h.client,
    request,
    revealMetadata(),
  );
  assert.deepEqual([leads[0]!.name, leads[0]!.customFields['备注'], leads[0]!.tags], ['王\\五', note, ['x\\y', 'z']]);
});
