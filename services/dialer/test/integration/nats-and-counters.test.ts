import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Bus, events } from '@outbound/bus';
import { Keyspace, createRedis } from '@outbound/redis';
import { createLogger } from '@outbound/telemetry';
import { testUrls, uniqueName, waitFor } from '@outbound/testkit';
import { startDialerConsumers } from '../../src/adapters/nats/consumers.js';
import { NatsEnginePublisher } from '../../src/adapters/nats/publisher.js';
import { RedisCampaignCounters } from '../../src/adapters/redis/campaign-counters.js';
import type { Attempt } from '../../src/domain/model.js';
import type { CallFact, CallTask } from '../../src/use-cases/engine.js';

const logger = createLogger({ service: 'dialer-nats-test', level: 'silent' });
const redis = createRedis({ url: testUrls.redis, name: 'dialer-counters-test' });
const bus = await Bus.connect({ url: testUrls.nats, name: 'dialer-nats-test', logger });
await bus.ensureStreams();
after(async () => {
  await bus.close();
  await redis.quit();
});

test('nats: calls.* of every campaign and tasks.call.* reach the engine as facts and tasks', async () => {
  const facts: CallFact[] = [];
  const tasks: CallTask[] = [];
  const campaignA = uniqueName('ca');
  const campaignB = uniqueName('cb');
  const handles = await startDialerConsumers(bus, {
    durablePrefix: uniqueName('dialer'),
    deliverFrom: 'new',
    onCallFact: async (fact) => {
      if (fact.campaignId === campaignA || fact.campaignId === campaignB) facts.push(fact);
    },
    onTask: async (task) => {
      if (task.campaignId === campaignA) tasks.push(task);
    },
  });
  try {
    const call = (campaignId: string) => ({
      campaignId,
      leadId: 'lead-1',
      attemptId: `att-${campaignId}`,
      callId: 'c1',
      node: 'n1',
    });
    await bus.publish(events.callAnswered, call(campaignA));
    await bus.publish(events.callAmd, { ...call(campaignA), verdict: 'machine', detectMs: 900 });
    await bus.publish(events.callHangup, {
      ...call(campaignB),
      cause: 'USER_BUSY',
      sipStatus: 486,
      billsec: 0,
      answered: false,
    });
    await bus.publish(events.callTask, {
      campaignId: campaignA,
      leadId: 'lead-9',
      attemptId: 'task-1',
      priority: 5,
      notBefore: '2026-12-03T09:00:00.000Z',
      script: 'follow-up',
    });
    await waitFor(() => facts.length === 3 && tasks.length === 1, { what: 'facts and task' });
    const byKind = new Map(facts.map((f) => [f.kind, f]));
    assert.equal(byKind.get('answered')?.attemptId, `att-${campaignA}`);
    const amd = byKind.get('amd');
    assert.ok(amd && amd.kind === 'amd');
    assert.equal(amd.verdict, 'machine');
    const hangup = byKind.get('hangup');
    assert.ok(hangup && hangup.kind === 'hangup');
    assert.equal(hangup.campaignId, campaignB);
    assert.equal(hangup.cause, 'USER_BUSY');
    assert.equal(hangup.sipStatus, 486);
    assert.equal(hangup.answered, false);
    assert.ok(hangup.at instanceof Date && !Number.isNaN(hangup.at.getTime()));
    assert.deepEqual(tasks[0], {
      campaignId: campaignA,
      leadId: 'lead-9',
      priority: 5,
      notBefore: new Date('2026-12-03T09:00:00.000Z'),
      script: 'follow-up',
    });
  } finally {
    await Promise.all(handles.map((h) => h.stop()));
  }
});

test('nats: attempts.completed is published once per attempt (same event id) and the attempt marked published', async () => {
  const marked: string[] = [];
  const publisher = new NatsEnginePublisher(bus, { markPublished: async (id) => void marked.push(id) });
  const campaignId = uniqueName('cp');
  const attempt: Attempt = {
    attemptId: uniqueName('att'),
    campaignId,
    leadId: 'lead-1',
    attemptNumber: 2,
    dialMode: 'progressive',
    outcome: 'busy',
    denialReasons: [],
    hangupCause: 'USER_BUSY',
    sipStatus: 486,
    billsec: 0,
    timeline: { queuedAt: new Date(), endedAt: new Date() },
    nextAttemptAt: new Date('2026-12-03T09:00:00.000Z'),
  };
  const received: Array<{ id: string; data: unknown }> = [];
  const consumer = await bus.consume({
    event: events.attemptCompleted,
    durable: uniqueName('completed'),
    filterSubject: events.attemptCompleted.subjectForKey(campaignId),
    handler: async ({ event }) => void received.push({ id: event.id, data: event.data }),
  });
  try {
    await publisher.completed(attempt, {});
    await waitFor(() => received.length === 1, { what: 'attempts.completed' });
    assert.deepEqual(received[0]?.data, {
      campaignId,
      leadId: 'lead-1',
      attemptId: attempt.attemptId,
      attemptNumber: 2,
      outcome: 'busy',
      hangupCause: 'USER_BUSY',
      sipStatus: 486,
      billsec: 0,
      answered: false,
      bridged: false,
      nextAttemptAt: '2026-12-03T09:00:00.000Z',
    });
    assert.deepEqual(marked, [attempt.attemptId]);
    // A republish (after a crash before markPublished) carries the same id: JetStream drops it.
    const again = await bus.publish(events.attemptCompleted, received[0].data as never, { id: received[0].id });
    assert.equal(again.duplicate, true);
    await assert.rejects(publisher.completed({ ...attempt, outcome: undefined }, {}));
  } finally {
    await consumer.stop();
  }
});

test('counters: each fact of an attempt counts once, whatever the redeliveries', async () => {
  const counters = new RedisCampaignCounters(redis, new Keyspace('dialer', uniqueName('k')));
  const campaignId = uniqueName('cc');
  assert.equal(await counters.countOnce(campaignId, 'a1', 'dialed', ['dialed']), true);
  assert.equal(await counters.countOnce(campaignId, 'a1', 'dialed', ['dialed']), false);
  assert.equal(await counters.countOnce(campaignId, 'a2', 'dialed', ['dialed']), true);
  assert.equal(await counters.countOnce(campaignId, 'a2', 'denied', ['denied:DO_NOT_CALL', 'denied:OPTED_OUT']), true);
  assert.equal(await counters.countOnce(campaignId, 'a2', 'denied', ['denied:DO_NOT_CALL']), false);
  assert.deepEqual(await counters.read(campaignId), { dialed: 2, 'denied:DO_NOT_CALL': 1, 'denied:OPTED_OUT': 1 });
  assert.deepEqual(await counters.read(uniqueName('none')), {});
});
