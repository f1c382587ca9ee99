import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Bus, events, type PayloadOf } from '@outbound/bus';
import { createLogger } from '@outbound/telemetry';
import { testUrls, uniqueName, waitFor } from '@outbound/testkit';
import type { GetLeadRequest, GetLeadResponse } from '@outbound/proto/outbound/v1/lead';
import { Metadata, deadNumbersCampaign, header, importFile, startHarness, unary, type Harness } from './harness.js';

let h: Harness;
let bus: Bus;
before(async () => {
  h = await startHarness();
  bus = await Bus.connect({ url: testUrls.nats, name: 'lead-ingest-events-test', logger: createLogger({ service: 'test', level: 'silent' }) });
});
after(async () => {
  await bus.close();
  await h.stop();
});

test('an import publishes leads.ingested with the new ids; a dead number invalidates its leads', async () => {
  const listId = uniqueName('l');
  const ingested: Array<PayloadOf<typeof events.leadIngested>> = [];
  const consumer = await bus.consume({ event: events.leadIngested, durable: uniqueName('ing'), filterSubject: events.leadIngested.subjectForKey(listId), handler: async ({ event }) => void ingested.push(event.data) });
  const { job } = await importFile(h.client, header(listId), Buffer.from('phone,name\n13800138000,a\n13900139000,b\n'));
  await waitFor(() => ingested.length > 0, { what: 'leads.ingested' });
  await consumer.stop();
  assert.deepEqual([ingested[0]!.importJobId, ingested[0]!.leadIds.length], [job!.jobId, 2]);

  const leadId = ingested[0]!.leadIds[0]!;
  const invalidated: string[] = [];
  const watcher = await bus.consume({ event: events.leadInvalidated, durable: uniqueName('inv'), filterSubject: events.leadInvalidated.subjectForKey(listId), handler: async ({ event }) => void invalidated.push(event.data.leadId) });
  await bus.publish(events.callHangup, { campaignId: deadNumbersCampaign, leadId, attemptId: uniqueName('a'), callId: 'x', node: 'n', cause: 'UNALLOCATED_NUMBER', billsec: 0, answered: false });
  await waitFor(() => invalidated.includes(leadId), { what: 'leads.invalidated' });
  await watcher.stop();
  const { lead } = await unary<GetLeadRequest, GetLeadResponse>(h.client.getLead, h.client, { leadId }, new Metadata());
  assert.equal(lead!.status, 3);
});
