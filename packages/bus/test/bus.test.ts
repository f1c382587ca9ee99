import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { headers as natsHeaders } from 'nats';
import { tracing } from '@opentelemetry/sdk-node';
import { createLogger, startTelemetry } from '@outbound/telemetry';
import { testUrls, uniqueName, waitFor } from '@outbound/testkit';
import { Bus, PoisonMessageError, events, type Delivery, type PayloadOf } from '../src/index.js';

// Real NATS JetStream (scripts/dev-up). Each test owns a campaign id, so its subjects are its own.
const spans = new tracing.InMemorySpanExporter();
const telemetry = startTelemetry({ serviceName: 'bus-test', spanProcessors: [new tracing.SimpleSpanProcessor(spans)] });
const logger = createLogger({
  service: 'bus-test',
  level: 'silent',
  destination: new Writable({ write: (_c, _e, cb) => cb() }),
});
let bus: Bus;

before(async () => {
  bus = await Bus.connect({ url: testUrls.nats, name: 'bus-test', logger });
  await bus.ensureStreams();
});
after(async () => {
  await bus.close();
  await telemetry.shutdown();
});

type Answered = PayloadOf<typeof events.callAnswered>;
const answered = (campaignId: string, n = 1): Answered => ({
  campaignId,
  leadId: `L${n}`,
  attemptId: `A${n}`,
  callId: `c${n}`,
  node: 'fs1',
});

async function collect(
  campaignId: string,
  handler?: (d: Delivery<Answered>) => Promise<void>,
  extra: { maxDeliver?: number; concurrency?: number } = {},
) {
  const seen: Array<Delivery<Answered>> = [];
  const durable = uniqueName('d');
  const handle = await bus.consume({
    event: events.callAnswered,
    durable,
    filterSubject: `calls.answered.${campaignId}`,
    nakDelayMs: () => 10,
    ...extra,
    handler: async (delivery) => {
      seen.push(delivery);
      await handler?.(delivery);
    },
  });
  return { seen, handle, durable };
}

test('a publish repeated with the same event id is stored and delivered once', async () => {
  const campaign = uniqueName('c');
  const first = await bus.publish(events.callAnswered, answered(campaign), { id: `${campaign}-e1` });
  const second = await bus.publish(events.callAnswered, answered(campaign), { id: `${campaign}-e1` });
  assert.equal(first.duplicate, false);
  assert.equal(second.duplicate, true);
  assert.equal(second.seq, first.seq);
  await bus.publish(events.callAnswered, answered(campaign, 2), { id: `${campaign}-e2` });
  const { seen, handle } = await collect(campaign);
  await waitFor(() => seen.length >= 2, { what: 'two deliveries' });
  await handle.stop();
  assert.deepEqual(
    seen.map((d) => d.event.id),
    [`${campaign}-e1`, `${campaign}-e2`],
  );
  assert.equal(seen[0]?.event.type, 'calls.answered');
  assert.equal(seen[0]?.event.data.attemptId, 'A1');
});

test('a payload that fails its schema is refused before it reaches the bus', async () => {
  const bad = { ...answered('x'), campaignId: 'has spaces' };
  await assert.rejects(bus.publish(events.callAnswered, bad), PoisonMessageError);
});

test('a failing handler gets exactly maxDeliver deliveries', async () => {
  const campaign = uniqueName('c');
  const { seen, handle } = await collect(
    campaign,
    async () => {
      throw new Error('downstream unavailable for 13800138000');
    },
    { maxDeliver: 3 },
  );
  await bus.publish(events.callAnswered, answered(campaign));
  await waitFor(() => seen.length >= 3, { what: 'three deliveries' });
  await handle.stop();
  assert.deepEqual(
    seen.map((d) => d.deliveryCount),
    [1, 2, 3],
  );
});

test('dead letters keep the original subject, reason (masked) and count', async () => {
  const campaign = uniqueName('c');
  const durable = uniqueName('dl');
  let calls = 0;
  const handle = await bus.consume({
    event: events.callAnswered,
    durable,
    filterSubject: `calls.answered.${campaign}`,
    maxDeliver: 2,
    nakDelayMs: () => 10,
    handler: async () => {
      calls++;
      throw new Error('cannot reach 13800138000');
    },
  });
  await bus.publish(events.callAnswered, answered(campaign));
  const dead = await waitFor(
    async () => {
      try {
        return await bus.manager.streams.getMessage('DEAD_LETTERS', { last_by_subj: `dlq.CALLS.${durable}` });
      } catch {
        return undefined;
      }
    },
    { what: 'dead letter' },
  );
  await handle.stop();
  assert.equal(calls, 2);
  assert.equal(dead.header.get('Outbound-Original-Subject'), `calls.answered.${campaign}`);
  assert.equal(dead.header.get('Outbound-Delivery-Count'), '2');
  assert.equal(dead.header.get('Outbound-Dead-Letter-Reason'), 'cannot reach 138****8000');
  assert.equal(JSON.parse(Buffer.from(dead.data).toString()).data.campaignId, campaign);
});

test('a message that is not a valid envelope is dead-lettered at once, without calling the handler', async () => {
  const campaign = uniqueName('c');
  const durable = uniqueName('poison');
  let calls = 0;
  const handle = await bus.consume({
    event: events.callAnswered,
    durable,
    filterSubject: `calls.answered.${campaign}`,
    handler: async () => {
      calls++;
    },
  });
  const js = bus.connection.jetstream();
  await js.publish(`calls.answered.${campaign}`, Buffer.from('{"not":"an envelope"'), { headers: natsHeaders() });
  const dead = await waitFor(
    async () => {
      try {
        return await bus.manager.streams.getMessage('DEAD_LETTERS', { last_by_subj: `dlq.CALLS.${durable}` });
      } catch {
        return undefined;
      }
    },
    { what: 'poison dead letter' },
  );
  await handle.stop();
  assert.equal(calls, 0);
  assert.equal(dead.header.get('Outbound-Delivery-Count'), '1');
  assert.equal(dead.header.get('Outbound-Dead-Letter-Reason'), 'message is not JSON');
});

test('a transient failure is redelivered and then processed', async () => {
  const campaign = uniqueName('c');
  let failures = 1;
  const { seen, handle } = await collect(campaign, async () => {
    if (failures-- > 0) throw new Error('transient');
  });
  await bus.publish(events.callAnswered, answered(campaign));
  await waitFor(() => seen.length >= 2, { what: 'redelivery' });
  await handle.stop();
  assert.deepEqual(
    seen.map((d) => d.deliveryCount),
    [1, 2],
  );
});

test('the consumer span continues the publisher trace through message headers', async () => {
  const campaign = uniqueName('c');
  spans.reset();
  const { seen, handle } = await collect(campaign);
  const published = await bus.publish(events.callAnswered, answered(campaign));
  await waitFor(() => seen.length >= 1);
  await handle.stop();
  const finished = spans.getFinishedSpans();
  const producer = finished.find(
    (s) => s.name === 'publish calls.answered' && s.attributes['event.id'] === published.id,
  );
  const consumer = await waitFor(() =>
    spans
      .getFinishedSpans()
      .find((s) => s.name === 'process calls.answered' && s.attributes['event.id'] === published.id),
  );
  assert.ok(producer, 'producer span');
  assert.equal(consumer.spanContext().traceId, producer.spanContext().traceId);
  assert.equal(consumer.parentSpanContext?.spanId, producer.spanContext().spanId);
});

test('a new consumer can start after the retained history', async () => {
  const campaign = uniqueName('c');
  await bus.publish(events.callAnswered, answered(campaign, 1));
  const seen: string[] = [];
  const handle = await bus.consume({
    event: events.callAnswered,
    durable: uniqueName('fresh'),
    filterSubject: `calls.answered.${campaign}`,
    deliverFrom: 'new',
    handler: async ({ event }) => {
      seen.push(event.data.attemptId);
    },
  });
  await bus.publish(events.callAnswered, answered(campaign, 2));
  await waitFor(() => seen.length >= 1, { what: 'the new event' });
  await handle.stop();
  assert.deepEqual(seen, ['A2']);
});

test('with concurrency, a slow message does not hold up the ones behind it; each is acknowledged once done', async () => {
  const campaign = uniqueName('c');
  let releaseFirst!: () => void;
  const firstHeld = new Promise<void>((resolve) => (releaseFirst = resolve));
  const finished: string[] = [];
  const { handle, durable } = await collect(
    campaign,
    async (d) => {
      if (d.event.data.attemptId === 'A1') await firstHeld;
      finished.push(d.event.data.attemptId);
      if (finished.length === 3) releaseFirst();
    },
    { concurrency: 4 },
  );
  for (let n = 1; n <= 4; n++) await bus.publish(events.callAnswered, answered(campaign, n));
  await waitFor(() => finished.length === 4, { what: 'all four handled' });
  assert.deepEqual(finished.slice(0, 3).sort(), ['A2', 'A3', 'A4'], 'the three behind the slow one went first');
  assert.equal(finished[3], 'A1');
  // Every message acknowledged: nothing pending on the durable.
  await handle.stop();
  const jsm = await bus.connection.jetstream().jetstreamManager();
  const info = await jsm.consumers.info('CALLS', durable);
  assert.equal(info.num_ack_pending, 0);
  assert.equal(info.num_pending, 0);
});

test('listen hears one key’s events as they are published, ignores what is not a valid event, and stops', async () => {
  const campaign = uniqueName('c');
  const other = uniqueName('c');
  const heard: Answered[] = [];
  const stop = bus.listen(events.callAnswered, campaign, (event) => void heard.push(event.data));
  await bus.connection.flush();
  // Not an event, not this type, another campaign's: none reaches the listener.
  bus.connection.publish(`calls.answered.${campaign}`, new TextEncoder().encode('not json'));
  bus.connection.publish(`calls.answered.${campaign}`, new TextEncoder().encode('{"id":"x","type":"calls.answered"}'));
  await bus.publish(events.callAnswered, answered(other, 9));
  await bus.publish(events.callAnswered, answered(campaign, 1));
  await bus.publish(events.callAnswered, answered(campaign, 2));
  await waitFor(() => heard.length === 2, { what: 'two events heard' });
  assert.deepEqual(
    heard.map((e) => e.attemptId),
    ['A1', 'A2'],
  );
  stop();
  await bus.connection.flush();
  await bus.publish(events.callAnswered, answered(campaign, 3));
  // The stream keeps it for the durable consumers; the stopped listener hears nothing more.
  const { seen, handle } = await collect(campaign);
  await waitFor(() => seen.length === 3, { what: 'the durable consumer has all three' });
  await handle.stop();
  assert.equal(heard.length, 2);
});
