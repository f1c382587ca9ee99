import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Bus } from '@outbound/bus';
import { createLogger } from '@outbound/telemetry';
import { testUrls, uniqueName, waitFor } from '@outbound/testkit';
import { NatsCampaignLeases } from '../../src/adapters/nats/campaign-leases.js';
import { NatsFactRelay } from '../../src/adapters/nats/fact-relay.js';
import type { CallFact } from '../../src/use-cases/engine.js';

const logger = createLogger({ service: 'dialer-ownership-test', level: 'silent' });
const bus = await Bus.connect({ url: testUrls.nats, name: 'dialer-ownership-test', logger });
after(() => bus.close());

const open = (bucket: string, holder: string, ttlMs = 1_000) => NatsCampaignLeases.open(bus, { bucket, ttlMs, holder });

test('leases: one holder at a time; renewal keeps it; an expired lease goes to another with a larger fence', async () => {
  const bucket = uniqueName('owners').replace(/[^A-Za-z0-9_-]/g, '_');
  const a = await open(bucket, 'replica-a');
  const b = await open(bucket, 'replica-b');
  const fenceA = await a.acquire('c1');
  assert.ok(fenceA !== undefined);
  assert.equal(await b.acquire('c1'), undefined, 'held by a');
  assert.equal(await a.renew('c1'), true);
  assert.equal(await b.renew('c1'), false, 'b never held it');
  assert.deepEqual([...(await a.holdings())], [['replica-a', 1]]);
  // A replica that says it is alive counts for spreading while it holds nothing; not after it leaves.
  await b.present();
  assert.deepEqual(
    new Map(await a.holdings()),
    new Map([
      ['replica-a', 1],
      ['replica-b', 0],
    ]),
  );
  await b.leave();
  assert.deepEqual([...(await a.holdings())], [['replica-a', 1]]);
  // a stops renewing (a dead replica): after the TTL the campaign is free for b, with a newer fence.
  let fenceB: number | undefined;
  await waitFor(async () => (fenceB = await b.acquire('c1')) !== undefined, { what: 'b takes c1', timeoutMs: 5_000 });
  assert.ok(fenceB! > fenceA, `fence ${fenceB} after ${fenceA}`);
  assert.equal(await a.renew('c1'), false, 'a lost it');
  // A released lease is free at once, not after the TTL.
  await b.release('c1');
  assert.ok((await a.acquire('c1'))! > fenceB!);
});

test('fact relay: the owner serving a campaign handles forwarded facts; with no owner the sender is told', async () => {
  const relay = new NatsFactRelay(bus.connection, uniqueName('relay').replace(/[^A-Za-z0-9_-]/g, '_'), 1_000);
  const fact: CallFact = {
    campaignId: 'c9',
    leadId: 'l1',
    attemptId: 'a1',
    callId: 'call-1',
    node: 'fs1',
    at: new Date('2026-12-03T08:00:00.000Z'),
    kind: 'answered',
  };
  assert.equal(await relay.forward(fact), 'no-owner');
  const seen: CallFact[] = [];
  const stop = relay.serve('c9', async (received) => {
    seen.push(received);
  });
  assert.equal(await relay.forward(fact), 'handled');
  assert.deepEqual(seen, [fact], 'the fact arrives whole, its time a Date again');
  stop();
  const failing = relay.serve('c9', async () => {
    throw new Error('owner busy');
  });
  await assert.rejects(relay.forward(fact), /owner busy/);
  failing();
});
