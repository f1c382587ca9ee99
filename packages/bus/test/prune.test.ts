import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from '@outbound/telemetry';
import { testUrls, uniqueName, waitFor } from '@outbound/testkit';
import { Bus, events, pruneIdleConsumers } from '../src/index.js';

// Real NATS JetStream (scripts/dev-up). The test's consumers share a prefix of its own, and only
// those are pruned: other tests' consumers on the same server are never touched.
const logger = createLogger({
  service: 'prune-test',
  level: 'silent',
  destination: new Writable({ write: (_c, _e, cb) => cb() }),
});
let bus: Bus;

before(async () => {
  bus = await Bus.connect({ url: testUrls.nats, name: 'prune-test', logger });
  await bus.ensureStreams();
});
after(async () => {
  await bus.close();
});

const consumerNames = async (prefix: string) => {
  const names: string[] = [];
  for await (const c of bus.manager.consumers.list('CALLS')) if (c.name.startsWith(prefix)) names.push(c.name);
  return names.sort();
};

test('a consumer nobody pulls from is deleted once idle long enough; one being pulled from is kept', async () => {
  const prefix = uniqueName('prune').replace(/[^A-Za-z0-9_-]/g, '_');
  const handler = async () => undefined;
  // Abandoned: created by a consumer that stopped (its client gone, the durable left behind).
  const left = await bus.consume({ event: events.callAnswered, durable: `${prefix}_left`, handler });
  await left.stop();
  const active = await bus.consume({ event: events.callAnswered, durable: `${prefix}_active`, handler });
  try {
    // Pulling: its request has reached the server.
    await waitFor(async () => (await bus.manager.consumers.info('CALLS', `${prefix}_active`)).num_waiting > 0, {
      what: 'a pull request waiting',
      timeoutMs: 10_000,
    });
    assert.deepEqual(await consumerNames(prefix), [`${prefix}_active`, `${prefix}_left`]);

    const tooSoon = await pruneIdleConsumers(bus.manager, {
      idleMs: 60 * 60_000,
      streams: ['CALLS'],
      namePrefix: prefix,
    });
    assert.deepEqual(tooSoon.deleted, {}, 'idle for less than the limit: kept');
    assert.deepEqual(tooSoon.kept, { CALLS: 2 });

    const dry = await pruneIdleConsumers(bus.manager, {
      idleMs: 0,
      streams: ['CALLS'],
      namePrefix: prefix,
      dryRun: true,
      confirmMs: 100,
    });
    assert.deepEqual(dry.deleted, { CALLS: 1 });
    assert.equal((await consumerNames(prefix)).length, 2, 'a dry run deletes nothing');

    const pruned = await pruneIdleConsumers(bus.manager, {
      idleMs: 0,
      streams: ['CALLS'],
      namePrefix: prefix,
      confirmMs: 100,
    });
    assert.deepEqual(pruned.deleted, { CALLS: 1 });
    assert.deepEqual(pruned.kept, { CALLS: 1 });
    assert.deepEqual(await consumerNames(prefix), [`${prefix}_active`], 'the one being pulled from stays');
  } finally {
    await active.stop();
    await bus.manager.consumers.delete('CALLS', `${prefix}_active`);
  }
});
