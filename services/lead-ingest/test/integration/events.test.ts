import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Bus, events, type PayloadOf } from '@outbound/bus';
import { createLogger } from '@outbound/telemetry';
import { testUrls, uniqueName, waitFor } from '@outbound/testkit';
import type {
  GetLeadRequest,
  GetLeadResponse,
  UpsertLeadsRequest,
  UpsertLeadsResponse,
} from '@outbound/proto/outbound/v1/lead';
import { randomUUID } from 'node:crypto';
import { BlindIndexer } from '@outbound/blind-index';
import { BarNumber } from '../../src/use-cases/bar-number.js';
import {
  Metadata,
  deadNumbersCampaign,
  header,
  importFile,
  keys,
  revealMetadata,
  startHarness,
  unary,
  type Harness,
} from './harness.js';

let h: Harness;
let bus: Bus;
const dncInbox = uniqueName('dncadded');
before(async () => {
  h = await startHarness({ dncAddedDurable: dncInbox });
  bus = await Bus.connect({
    url: testUrls.nats,
    name: 'lead-ingest-events-test',
    logger: createLogger({ service: 'test', level: 'silent' }),
  });
});
after(async () => {
  await bus.close();
  await h.stop();
});

test('an import publishes leads.ingested with the new ids; a dead number invalidates its leads in every list', async () => {
  const listId = uniqueName('l');
  const ingested: Array<PayloadOf<typeof events.leadIngested>> = [];
  const consumer = await bus.consume({
    event: events.leadIngested,
    durable: uniqueName('ing'),
    filterSubject: events.leadIngested.subjectForKey(listId),
    handler: async ({ event }) => void ingested.push(event.data),
  });
  const { job } = await importFile(h.client, header(listId), Buffer.from('phone,name\n13800138000,a\n13900139000,b\n'));
  await waitFor(() => ingested.length > 0, { what: 'leads.ingested' });
  await consumer.stop();
  assert.deepEqual([ingested[0]!.importJobId, ingested[0]!.leadIds.length], [job!.jobId, 2]);

  const leadId = ingested[0]!.leadIds[0]!;
  const phone = (await unary<GetLeadRequest, GetLeadResponse>(h.client.getLead, h.client, { leadId }, revealMetadata()))
    .lead!.phone;
  // The same number in another list, deduplicated by number + external id (its dedup key is not its blind index).
  const upsert: UpsertLeadsRequest = {
    listId: uniqueName('l'),
    defaultRegion: '',
    leads: [
      { externalId: 'crm-1', phone, name: 'n', region: '', tags: [], customFields: {}, intent: '', orderValue: '' },
    ],
  };
  const otherLeadId = (
    await unary<UpsertLeadsRequest, UpsertLeadsResponse>(h.client.upsertLeads, h.client, upsert, new Metadata())
  ).results[0]!.leadId;
  const invalidated: string[] = [];
  const watcher = await bus.consume({
    event: events.leadInvalidated,
    durable: uniqueName('inv'),
    filterSubject: events.leadInvalidated.subjectForKey(listId),
    handler: async ({ event }) => void invalidated.push(event.data.leadId),
  });
  await bus.publish(events.callHangup, {
    campaignId: deadNumbersCampaign,
    leadId,
    attemptId: uniqueName('a'),
    callId: 'x',
    node: 'n',
    cause: 'UNALLOCATED_NUMBER',
    billsec: 0,
    answered: false,
  });
  await waitFor(() => invalidated.includes(leadId), { what: 'leads.invalidated' });
  await watcher.stop();
  for (const id of [leadId, otherLeadId]) {
    const { lead } = await unary<GetLeadRequest, GetLeadResponse>(
      h.client.getLead,
      h.client,
      { leadId: id },
      new Metadata(),
    );
    assert.equal(lead!.status, 3);
  }
});

test('an opt-out (spoken 退订) makes every lead of that number do-not-call, in every list, with leads.updated', async () => {
  const listId = uniqueName('l');
  const { job } = await importFile(h.client, header(listId), Buffer.from('phone,name\n13800138031,a\n13800138032,b\n'));
  const imported = await h.app.pool.query<{ lead_id: string; status: number }>(
    'SELECT lead_id, status FROM leads WHERE import_job_id = $1 ORDER BY lead_id',
    [job!.jobId],
  );
  const [optedOut, other] = imported.rows.map((r) => r.lead_id);
  const phone = (
    await unary<GetLeadRequest, GetLeadResponse>(h.client.getLead, h.client, { leadId: optedOut! }, revealMetadata())
  ).lead!.phone;
  const elsewhere: UpsertLeadsRequest = {
    listId: uniqueName('l'),
    defaultRegion: '',
    leads: [
      { externalId: 'crm-9', phone, name: 'n', region: '', tags: [], customFields: {}, intent: '', orderValue: '' },
    ],
  };
  const sameNumber = (
    await unary<UpsertLeadsRequest, UpsertLeadsResponse>(h.client.upsertLeads, h.client, elsewhere, new Metadata())
  ).results[0]!.leadId;
  const updated: string[] = [];
  const watcher = await bus.consume({
    event: events.leadUpdated,
    durable: uniqueName('upd'),
    filterSubject: events.leadUpdated.subjectForKey(listId),
    handler: async ({ event }) => void updated.push(...event.data.leadIds),
  });
  await bus.publish(events.complianceOptOut, { campaignId: deadNumbersCampaign, leadId: optedOut!, channel: 'speech' });
  await waitFor(() => updated.includes(optedOut!), { what: 'leads.updated for the opted-out lead' });
  await watcher.stop();
  const status = async (leadId: string) =>
    (await unary<GetLeadRequest, GetLeadResponse>(h.client.getLead, h.client, { leadId }, new Metadata())).lead!.status;
  assert.deepEqual(
    [await status(optedOut!), await status(sameNumber), await status(other!)],
    [2, 2, 1],
    'both leads of the number barred, the other lead untouched',
  );
});

test('a number compliance adds to do-not-call after its import (compliance.dnc_added, by blind index) bars its leads in every list, once', async () => {
  const listId = uniqueName('l');
  const { job } = await importFile(h.client, header(listId), Buffer.from('phone,name\n13800138041,a\n13800138042,b\n'));
  const imported = await h.app.pool.query<{ lead_id: string }>(
    'SELECT lead_id FROM leads WHERE import_job_id = $1 ORDER BY lead_id',
    [job!.jobId],
  );
  const status = async (leadId: string) =>
    (await unary<GetLeadRequest, GetLeadResponse>(h.client.getLead, h.client, { leadId }, new Metadata())).lead!.status;
  const phoneOf = async (leadId: string) =>
    (await unary<GetLeadRequest, GetLeadResponse>(h.client.getLead, h.client, { leadId }, revealMetadata())).lead!
      .phone;
  const [barredLead, other] = imported.rows.map((r) => r.lead_id) as [string, string];
  const phone = await phoneOf(barredLead);
  // The same number in another list, deduplicated by number and external id (found through the other index).
  const elsewhereList = uniqueName('l');
  const elsewhere = (
    await unary<UpsertLeadsRequest, UpsertLeadsResponse>(
      h.client.upsertLeads,
      h.client,
      {
        listId: elsewhereList,
        defaultRegion: '',
        leads: [
          {
            externalId: 'crm-41',
            phone,
            name: 'n',
            region: '',
            tags: [],
            customFields: {},
            intent: '',
            orderValue: '',
          },
        ],
      },
      new Metadata(),
    )
  ).results[0]!.leadId;
  const updated: string[] = [];
  const watchers = await Promise.all(
    [listId, elsewhereList].map((list) =>
      bus.consume({
        event: events.leadUpdated,
        durable: uniqueName('upd'),
        filterSubject: events.leadUpdated.subjectForKey(list),
        handler: async ({ event }) => void updated.push(...event.data.leadIds),
      }),
    ),
  );
  const indexer = new BlindIndexer(keys.blind);
  const blindIndex = indexer.hex(phone);
  // An entry for one campaign only changes no list (compliance bars it at that campaign's checks).
  await bus.publish(events.complianceDncAdded, {
    blindIndex: indexer.hex(await phoneOf(other)),
    kind: 'internal',
    campaignId: 'c-only',
  });
  const added = await bus.publish(events.complianceDncAdded, { blindIndex, kind: 'internal' });
  await waitFor(() => updated.includes(barredLead) && updated.includes(elsewhere), {
    what: 'leads.updated for both leads of the number',
  });
  await Promise.all(watchers.map((w) => w.stop()));
  assert.deepEqual(
    [await status(barredLead), await status(elsewhere), await status(other)],
    [2, 2, 1],
    'both leads of the number barred, the other lead untouched',
  );
  // The same event again (a redelivery) changes nothing and stores no events.
  const again = new BarNumber({
    pool: h.app.pool,
    schema: h.schema,
    inbox: dncInbox,
    publishPendingEvents: async () => undefined,
    logger: createLogger({ service: 'test', level: 'silent' }),
  });
  assert.equal(await again.bar(added.id, Buffer.from(blindIndex, 'hex')), 0);
  const pending = await h.app.pool.query('SELECT 1 FROM upsert_events');
  assert.equal(pending.rowCount, 0, 'every stored event went out');
});

test('a committed job whose events did not go out is published at the next start, then its pages are dropped', async () => {
  const listId = uniqueName('l');
  const jobId = uniqueName('job');
  const ids = [randomUUID(), randomUUID(), randomUUID()];
  // What a process that died between commit and publish leaves behind.
  await h.app.pool.query(
    `INSERT INTO import_jobs (job_id, list_id, state, rows_read, rows_accepted) VALUES ($1, $2, 'succeeded', 3, 3)`,
    [jobId, listId],
  );
  await h.app.pool.query(
    `INSERT INTO import_event_pages (job_id, chunk, page, lead_ids) VALUES ($1, 0, 0, $2), ($1, 1, 0, $3)`,
    [jobId, ids.slice(0, 2), ids.slice(2)],
  );
  const ingested: Array<PayloadOf<typeof events.leadIngested>> = [];
  const consumer = await bus.consume({
    event: events.leadIngested,
    durable: uniqueName('ing'),
    filterSubject: events.leadIngested.subjectForKey(listId),
    handler: async ({ event }) => void ingested.push(event.data),
  });
  const restarted = await startHarness({ schema: h.schema });
  try {
    await waitFor(() => ingested.length >= 2, { what: 'leads.ingested from the stored pages' });
    await consumer.stop();
    assert.deepEqual(ingested.flatMap((e) => e.leadIds).sort(), [...ids].sort());
    assert.ok(ingested.every((e) => e.importJobId === jobId));
    const { rows } = await h.app.pool.query<{ events_published: boolean; pages: number }>(
      'SELECT events_published, (SELECT count(*)::int FROM import_event_pages WHERE job_id = $1) AS pages FROM import_jobs WHERE job_id = $1',
      [jobId],
    );
    assert.deepEqual(rows[0], { events_published: true, pages: 0 });
  } finally {
    await restarted.stop();
  }
});
