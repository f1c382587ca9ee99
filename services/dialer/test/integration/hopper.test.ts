import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Keyspace, createRedis } from '@outbound/redis';
import { testUrls, uniqueName } from '@outbound/testkit';
import { Hopper, hopperScore, type HopperEntry } from '../../src/adapters/redis/hopper.js';
import { StaleOwnerError } from '../../src/use-cases/ports.js';

const redis = createRedis({ url: testUrls.redis, name: 'dialer-hopper-test' });
after(() => redis.quit());

function setup(leaseMs = 60_000) {
  const keys = new Keyspace('dialer', uniqueName('t'));
  return { hopper: new Hopper(redis, keys, { leaseMs }), keys, campaignId: uniqueName('c') };
}

const at = (iso: string) => new Date(iso);

test('hopper: the score orders by priority (higher first), then due time, exactly', () => {
  const early = at('2026-12-02T08:00:00Z');
  const late = at('2026-12-02T09:00:00Z');
  assert.ok(hopperScore(5, late) < hopperScore(0, early), 'higher priority first, whatever its time');
  assert.ok(hopperScore(0, early) < hopperScore(0, late));
  assert.ok(hopperScore(-1, early) > hopperScore(0, late));
  // Clamped priorities stay ordered and the score stays an exact integer.
  assert.ok(hopperScore(5_000, late) < hopperScore(999, early));
  assert.ok(Number.isSafeInteger(hopperScore(-5_000, at('2099-01-01T00:00:00Z'))));
});

test('hopper: pops give leads by priority then due time, each once', async () => {
  const { hopper, campaignId } = setup();
  const entries: HopperEntry[] = [
    { leadId: 'l-low-early', priority: 0, dueAt: at('2026-12-02T08:00:00Z') },
    { leadId: 'l-high-late', priority: 10, dueAt: at('2026-12-02T09:00:00Z') },
    { leadId: 'l-low-late', priority: 0, dueAt: at('2026-12-02T09:30:00Z') },
    { leadId: 'l-high-early', priority: 10, dueAt: at('2026-12-02T07:00:00Z') },
    { leadId: 'l-negative', priority: -3, dueAt: at('2026-12-01T07:00:00Z') },
  ];
  assert.equal(await hopper.add(campaignId, entries), 5);
  assert.equal(await hopper.size(campaignId), 5);
  const first = await hopper.pop(campaignId, 3);
  assert.deepEqual(
    first.map((l) => l.leadId),
    ['l-high-early', 'l-high-late', 'l-low-early'],
  );
  const rest = await hopper.pop(campaignId, 10);
  assert.deepEqual(
    rest.map((l) => l.leadId),
    ['l-low-late', 'l-negative'],
  );
  assert.deepEqual(await hopper.pop(campaignId, 1), []);
  assert.equal(await hopper.size(campaignId), 0);
});

test('hopper: concurrent pops never return the same lead, and a leased lead is not added back', async () => {
  const { hopper, keys, campaignId } = setup();
  const entries = Array.from({ length: 300 }, (_, i) => ({
    leadId: `lead-${i}`,
    priority: i % 4,
    dueAt: new Date(Date.UTC(2026, 11, 2, 8, 0, i % 60)),
  }));
  await hopper.add(campaignId, entries);
  // A second client: pops from separate connections interleave on the server.
  const other = redis.duplicate();
  try {
    const otherHopper = new Hopper(other, keys);
    const pops = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? hopper : otherHopper).pop(campaignId, 9)),
    );
    const ids = pops.flat().map((l) => l.leadId);
    assert.equal(ids.length, 300, 'every lead given out');
    assert.equal(new Set(ids).size, 300, 'no lead given twice');
  } finally {
    other.disconnect();
  }
  // A refill racing the calls: the leased leads stay out.
  assert.equal(await hopper.add(campaignId, entries), 0);
  assert.equal(await hopper.size(campaignId), 0);
});

test('hopper: release with the right token ends the lease and can put the lead back; complete ends it', async () => {
  const { hopper, campaignId } = setup();
  const dueAt = at('2026-12-02T08:00:00Z');
  await hopper.add(campaignId, [
    { leadId: 'a', priority: 0, dueAt },
    { leadId: 'b', priority: 0, dueAt },
  ]);
  const [a, b] = await hopper.pop(campaignId, 2);
  assert.ok(a && b);
  assert.equal(await hopper.isLeased(campaignId, 'a'), true);
  assert.equal(
    await hopper.release(campaignId, { leadId: 'a', token: 'not-the-token' }, { priority: 0, dueAt }),
    false,
  );
  assert.equal(await hopper.isLeased(campaignId, 'a'), true, 'a wrong token changes nothing');
  assert.equal(await hopper.size(campaignId), 0);

  assert.equal(await hopper.release(campaignId, a, { priority: 0, dueAt }), true);
  assert.equal(await hopper.isLeased(campaignId, 'a'), false);
  assert.deepEqual(
    (await hopper.pop(campaignId, 5)).map((l) => l.leadId),
    ['a'],
    'the released lead is given again',
  );

  assert.equal(await hopper.complete(campaignId, 'b', b.token), true);
  assert.equal(await hopper.isLeased(campaignId, 'b'), false);
  assert.equal(await hopper.complete(campaignId, 'b', b.token), false, 'a second complete is a no-op');
  // Without a token (after a restart, the attempt is the record): whoever holds it.
  assert.equal(await hopper.complete(campaignId, 'a'), true);
  assert.equal(await hopper.isLeased(campaignId, 'a'), false);
});

test('hopper: a lease expires by itself (a crashed popper does not hold a lead forever)', async () => {
  const { hopper, campaignId } = setup(50);
  await hopper.add(campaignId, [{ leadId: 'x', priority: 0, dueAt: new Date() }]);
  const [lease] = await hopper.pop(campaignId, 1);
  assert.equal(lease?.leadId, 'x');
  const ttl = await redis.pttl(hopper.leaseKey(campaignId, 'x'));
  assert.ok(ttl > 0 && ttl <= 50, `lease has its TTL (${ttl})`);
});

test('hopper: rebuilt from the store of record after its keys are flushed', async () => {
  const { hopper, campaignId } = setup();
  const entries = Array.from({ length: 1_200 }, (_, i) => ({
    leadId: `r-${i}`,
    priority: i < 600 ? 1 : 0,
    dueAt: new Date(Date.UTC(2026, 11, 2, 8, 0, 0) + i * 1_000),
  }));
  await hopper.add(campaignId, entries);
  const [inFlight] = await hopper.pop(campaignId, 1);
  assert.equal(inFlight?.leadId, 'r-0');
  // Redis loses the hopper (FLUSH of the campaign's set); the lease survives in this case.
  await redis.del(hopper.setKey(campaignId));
  assert.equal(await hopper.size(campaignId), 0);
  assert.equal(await hopper.rebuild(campaignId, entries), 1_199, 'everything but the lead in flight');
  assert.equal((await hopper.pop(campaignId, 1))[0]?.leadId, 'r-1');
  // A full flush of the campaign's keys (leases too): everything comes back.
  await redis.del(hopper.setKey(campaignId), hopper.leaseKey(campaignId, 'r-0'), hopper.leaseKey(campaignId, 'r-1'));
  assert.equal(await hopper.rebuild(campaignId, entries), 1_200);
  assert.equal((await hopper.pop(campaignId, 1))[0]?.leadId, 'r-0');
  // Rebuilding replaces: leads no longer due in the store leave the hopper.
  await hopper.rebuild(campaignId, entries.slice(1_100));
  assert.equal(await hopper.size(campaignId), 100);
});

test('hopper: with a fence, an owner older than the newest seen is refused', async () => {
  const { hopper, campaignId } = setup();
  await hopper.add(campaignId, [{ leadId: 'f', priority: 0, dueAt: new Date() }], 2);
  await assert.rejects(hopper.pop(campaignId, 1, 1), StaleOwnerError);
  assert.equal(await hopper.size(campaignId), 1, 'nothing popped');
  assert.equal((await hopper.pop(campaignId, 1, 3))[0]?.leadId, 'f');
  await assert.rejects(hopper.complete(campaignId, 'f', undefined, 2), StaleOwnerError);
});
