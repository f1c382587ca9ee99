import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Bus, events, type PayloadOf } from '@outbound/bus';
import type { ListLeadsRequest, ListLeadsResponse } from '@outbound/proto/outbound/v1/lead';
import { createLogger } from '@outbound/telemetry';
import { testUrls, uniqueName, waitFor } from '@outbound/testkit';
import { Metadata, startHarness, unary, upsertToken, type Harness } from './harness.js';

let h: Harness;
let bus: Bus;
before(async () => {
  h = await startHarness();
  bus = await Bus.connect({
    url: testUrls.nats,
    name: 'lead-ingest-http-test',
    logger: createLogger({ service: 'test', level: 'silent' }),
  });
});
after(async () => {
  await bus.close();
  await h.stop();
});

interface Reply {
  status: number;
  body: {
    results?: Array<{ externalId: string; leadId: string; created: boolean; rejectionReason: string }>;
    error?: { code: string; message: string; violations?: Array<{ field: string; description: string }> };
  };
  text: string;
}

async function post(
  body: string | Buffer,
  headers: Record<string, string> = {},
  path = '/v1/leads:upsert',
  method = 'POST',
): Promise<Reply> {
  const response = await fetch(`${h.httpBase}${path}`, {
    method,
    headers: { authorization: `Bearer ${upsertToken}`, 'content-type': 'application/json', ...headers },
    ...(method === 'GET' ? {} : { body }),
  });
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) as Reply['body'], text };
}

async function listed(listId: string): Promise<ListLeadsResponse> {
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
  return unary<ListLeadsRequest, ListLeadsResponse>(h.client.listLeads, h.client, request, new Metadata());
}

test('HTTP upsert: JSON in, results out, idempotent by external id, events published, no number in the reply', async () => {
  const listId = uniqueName('l');
  const ingested: Array<PayloadOf<typeof events.leadIngested>> = [];
  const updated: Array<PayloadOf<typeof events.leadUpdated>> = [];
  const consumers = [
    await bus.consume({
      event: events.leadIngested,
      durable: uniqueName('ing'),
      filterSubject: events.leadIngested.subjectForKey(listId),
      handler: async ({ event }) => void ingested.push(event.data),
    }),
    await bus.consume({
      event: events.leadUpdated,
      durable: uniqueName('upd'),
      filterSubject: events.leadUpdated.subjectForKey(listId),
      handler: async ({ event }) => void updated.push(event.data),
    }),
  ];
  // Optional fields may be left out, as a webhook would.
  const first = await post(
    JSON.stringify({
      listId,
      leads: [
        { externalId: 'order-1', phone: '13800138011', name: '周八', customFields: { sku: 'A1' } },
        { externalId: 'order-2', phone: '12' },
      ],
    }),
  );
  assert.equal(first.status, 200, first.text);
  assert.deepEqual(
    first.body.results!.map((r) => [r.externalId, r.created, r.rejectionReason]),
    [
      ['order-1', true, ''],
      ['order-2', false, 'TOO_SHORT'],
    ],
  );
  assert.ok(!first.text.includes('13800138011') && !first.text.includes('周八'), 'no personal data in the reply');

  const again = await post(
    JSON.stringify({
      listId,
      defaultRegion: 'CN',
      leads: [{ externalId: 'order-1', phone: '+86 138 0013 8011', intent: 'high' }],
    }),
    { 'content-type': 'application/json; charset=utf-8' },
  );
  assert.equal(again.status, 200, again.text);
  assert.deepEqual(
    again.body.results!.map((r) => [r.leadId, r.created]),
    [[first.body.results![0]!.leadId, false]],
  );
  const { leads } = await listed(listId);
  assert.deepEqual(
    leads.map((l) => [l.externalId, l.intent, l.phone]),
    [['order-1', 'high', '+86138****8011']],
  );

  await waitFor(() => ingested.length > 0 && updated.length > 0, { what: 'leads.ingested and leads.updated' });
  for (const consumer of consumers) await consumer.stop();
  assert.deepEqual(
    ingested.map((e) => e.leadIds),
    [[first.body.results![0]!.leadId]],
  );
  assert.deepEqual(
    updated.map((e) => e.leadIds),
    [[first.body.results![0]!.leadId]],
  );
  const { rows } = await h.app.pool.query('SELECT 1 FROM upsert_events');
  assert.equal(rows.length, 0, 'published events leave nothing pending');
});

test('HTTP upsert reads proto3 JSON: JSON names and proto field names at every level, null as unset', async () => {
  const listId = uniqueName('l');
  const reply = await post(
    JSON.stringify({
      list_id: listId,
      default_region: null,
      leads: [
        { external_id: 'p-1', phone: '13800138016', custom_fields: { sku: 'B2' }, order_value: '1200', intent: 'low' },
        { externalId: 'p-2', phone: '13800138017', customFields: { sku: 'C3' }, orderValue: '80', tags: null },
      ],
    }),
  );
  assert.equal(reply.status, 200, reply.text);
  assert.deepEqual(
    reply.body.results!.map((r) => [r.externalId, r.created, r.rejectionReason]),
    [
      ['p-1', true, ''],
      ['p-2', true, ''],
    ],
  );
  const { leads } = await listed(listId);
  assert.deepEqual(leads.map((l) => [l.externalId, l.customFields['sku'], l.intent]).sort(), [
    ['p-1', 'B2', 'low'],
    ['p-2', 'C3', ''],
  ]);
});

test('HTTP upsert refuses unknown fields (and one field given twice) with a 400 naming each, storing nothing', async () => {
  const listId = uniqueName('l');
  const unknown = await post(
    JSON.stringify({
      listId,
      source: 'crm',
      leads: [
        { externalId: 'u-1', phone: '13800138018', phoneType: 'mobile' },
        { external_id: 'u-2', phone: '13800138019', custom_fields: { any_key: 'is fine' }, extra_field: 1 },
      ],
    }),
  );
  assert.equal(unknown.status, 400, unknown.text);
  assert.equal(unknown.body.error?.code, 'INVALID_ARGUMENT');
  assert.deepEqual(unknown.body.error?.violations?.map((v) => [v.field, v.description]).sort(), [
    ['leads[0].phoneType', 'is not a field of outbound.v1.LeadInput'],
    ['leads[1].extra_field', 'is not a field of outbound.v1.LeadInput'],
    ['source', 'is not a field of outbound.v1.UpsertLeadsRequest'],
  ]);
  const twice = await post(
    JSON.stringify({ listId, list_id: listId, leads: [{ externalId: 'u-3', phone: '1380013' }] }),
  );
  assert.equal(twice.status, 400, twice.text);
  assert.deepEqual(twice.body.error?.violations, [
    { field: 'list_id', description: 'is given twice (as listId and list_id)' },
  ]);
  assert.equal((await listed(listId)).leads.length, 0);
});

test('HTTP upsert refuses callers without a granted token and stores nothing', async () => {
  const listId = uniqueName('l');
  const body = JSON.stringify({ listId, leads: [{ externalId: 'x-1', phone: '13800138012' }] });
  const none = await post(body, { authorization: '' });
  const wrong = await post(body, { authorization: 'Bearer not-granted' });
  assert.deepEqual([none.status, none.body.error?.code], [401, 'UNAUTHENTICATED']);
  assert.deepEqual([wrong.status, wrong.body.error?.code], [403, 'UPSERT_DENIED']);
  assert.equal((await listed(listId)).leads.length, 0);
});

test('HTTP upsert: bad requests get a clear 4xx naming the problem, never the value, and store nothing', async () => {
  const listId = uniqueName('l');
  const valid = JSON.stringify({ listId, leads: [{ externalId: 'x-1', phone: '13800138013' }] });

  const notJson = await post(valid, { 'content-type': 'text/csv' });
  assert.deepEqual([notJson.status, notJson.body.error?.code], [415, 'UNSUPPORTED_MEDIA_TYPE']);
  const broken = await post('{"listId": "l", "leads": [', {});
  assert.deepEqual([broken.status, broken.body.error?.code], [400, 'MALFORMED_JSON']);
  const badUtf8 = await post(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]));
  assert.deepEqual([badUtf8.status, badUtf8.body.error?.code], [400, 'MALFORMED_JSON']);
  const huge = await post(Buffer.alloc(5 * 1024 * 1024, 0x20));
  assert.deepEqual([huge.status, huge.body.error?.code], [413, 'BODY_TOO_LARGE']);

  const invalid = await post(
    JSON.stringify({
      listId: 'bad list!',
      leads: [{ phone: 13800138013 }, { externalId: 'x-2', phone: '13800138014', tags: 'vip' }],
    }),
  );
  assert.equal(invalid.status, 400, invalid.text);
  assert.equal(invalid.body.error?.code, 'INVALID_ARGUMENT');
  assert.deepEqual(invalid.body.error?.violations?.map((v) => v.field).sort(), [
    'leads[0].external_id',
    'leads[0].phone',
    'leads[1].tags',
    'list_id',
  ]);
  assert.ok(!invalid.text.includes('13800138013'), 'the offending value is not echoed');

  const tooMany = await post(
    JSON.stringify({
      listId,
      leads: Array.from({ length: 1001 }, (_, i) => ({ externalId: `x-${i}`, phone: '13800138015' })),
    }),
  );
  assert.deepEqual([tooMany.status, tooMany.body.error?.violations?.[0]?.field], [400, 'leads']);

  assert.equal((await post(valid, {}, '/v1/leads', 'POST')).status, 404);
  assert.equal((await post(valid, {}, '/v1/leads:upsert', 'PUT')).status, 405);
  assert.equal((await listed(listId)).leads.length, 0, 'nothing stored by any of them');
});

test('HTTP health answers SERVING', async () => {
  const health = await post('', {}, '/healthz', 'GET');
  assert.deepEqual([health.status, health.body], [200, { status: 'SERVING' }]);
});

test('upsert events stored but not published (a crash after commit) go out at the next start', async () => {
  const listId = uniqueName('l');
  const batchId = randomUUID();
  const leadIds = [randomUUID(), randomUUID()];
  await h.app.pool.query(
    'INSERT INTO upsert_events (batch_id, list_id, created, updated) VALUES ($1, $2, $3::uuid[], $4::uuid[])',
    [batchId, listId, [leadIds[0]], [leadIds[1]]],
  );
  const ingested: string[][] = [];
  const updated: string[][] = [];
  const consumers = [
    await bus.consume({
      event: events.leadIngested,
      durable: uniqueName('ing'),
      filterSubject: events.leadIngested.subjectForKey(listId),
      handler: async ({ event }) => void ingested.push(event.data.leadIds),
    }),
    await bus.consume({
      event: events.leadUpdated,
      durable: uniqueName('upd'),
      filterSubject: events.leadUpdated.subjectForKey(listId),
      handler: async ({ event }) => void updated.push(event.data.leadIds),
    }),
  ];
  // Another replica starting on the same schema publishes what the first left behind.
  const replica = await startHarness({ schema: h.schema });
  try {
    await waitFor(() => ingested.length > 0 && updated.length > 0, { what: 'the pending upsert events' });
    assert.deepEqual([ingested, updated], [[[leadIds[0]]], [[leadIds[1]]]]);
    const { rows } = await h.app.pool.query('SELECT 1 FROM upsert_events WHERE batch_id = $1', [batchId]);
    assert.equal(rows.length, 0);
  } finally {
    for (const consumer of consumers) await consumer.stop();
    await replica.stop();
  }
});
