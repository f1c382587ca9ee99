import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Keyspace, createRedis } from '@outbound/redis';
import { testUrls, uniqueName } from '@outbound/testkit';
import { DialStateStore } from '../../src/adapters/redis/dial-state.js';
import { capDenials } from '../../src/domain/caps.js';
import { planDial } from '../../src/domain/engine.js';
import { PackCatalogue } from '../../src/domain/packs/index.js';
import { defaultPolicy } from '../../src/domain/types.js';

const redis = createRedis({ url: testUrls.redis, name: 'lua-agreement-test' });
after(() => redis.disconnect());
const catalogue = new PackCatalogue();
const MINUTE = 60_000;

// The Redis script enforces the caps; the pure engine explains them. For any sequence of dials to
// one number over varied caller IDs and gaps, both must agree on every dial, and the reserved
// history must respect the caps (BASE: 2 per 24 h, 6 h apart; caller ID 50 per 24 h, 30 s apart).
test('property: the Redis script reserves exactly when the pure cap rules allow', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.record({
          gapMinutes: fc.integer({ min: 0, max: 600 }),
          callerId: fc.constantFrom('+442079460001', '+442079460002'),
        }),
        { minLength: 1, maxLength: 12 },
      ),
      async (dials) => {
        const store = new DialStateStore(redis, new Keyspace('compliance', uniqueName('agree')));
        let at = Date.parse('2026-06-01T08:00:00Z');
        const reserved: number[] = [];
        for (const [i, dial] of dials.entries()) {
          at += dial.gapMinutes * MINUTE + 1;
          const plan = planDial(
            {
              campaignId: 'c',
              leadId: `l${i}`,
              phone: '+442079460123',
              callerId: dial.callerId,
              at,
              timeZoneOverride: 'UTC',
            },
            defaultPolicy('c'),
            catalogue,
          );
          const [seen] = await store.checkAndReserve([
            { plan, numberKey: 'n', checkId: `k${i}`, reserve: true, policyVersion: 0 },
          ]);
          const pureAllows = capDenials(seen!.caps, plan.caps, at).length === 0;
          assert.equal(seen!.reserved, pureAllows, `dial ${i}`);
          if (seen!.reserved) reserved.push(at);
        }
        for (let i = 1; i < reserved.length; i++) assert.ok(reserved[i]! - reserved[i - 1]! >= 360 * MINUTE);
      },
    ),
    { numRuns: 60 },
  );
});

// The script builds each dial's keys from the prefixes and parts: they must be Keyspace's keys.
// List entries come back as flags whatever was stored; a stored time that is not digits is an
// error, never a decision.
test('the script touches the Keyspace keys; odd list values are flags, malformed times refuse to decide', async () => {
  const keys = new Keyspace('compliance', uniqueName('keys'));
  const store = new DialStateStore(redis, keys);
  const at = Date.parse('2026-06-01T10:00:00Z');
  const policy = { ...defaultPolicy('camp-1'), requireConsent: true };
  const plan = planDial(
    {
      campaignId: 'camp-1',
      leadId: 'lead_1',
      phone: '+442079460123',
      callerId: '+442079460001',
      at,
      timeZoneOverride: 'UTC',
    },
    policy,
    catalogue,
  );
  await redis.set(keys.key('consent', 'camp-1', '0a1b'), String(at - 1000));
  await redis.hset(keys.key('num', '0a1b'), 'refusedAt:camp-1', String(at - 5 * 365 * 86_400_000));
  await redis.hset(keys.key('lead', 'lead_1'), 'abandonedAt', String(at - 100 * 3_600_000));
  const [first] = await store.checkAndReserve([
    { plan, numberKey: '0a1b', checkId: 'k1', reserve: true, policyVersion: 0 },
  ]);
  assert.equal(first!.reserved, true);
  assert.deepEqual(first!.facts, {
    internalDnc: false,
    optedOut: false,
    refusedAt: at - 5 * 365 * 86_400_000,
    lastAbandonedAt: at - 100 * 3_600_000,
    consentGivenAt: at - 1000,
  });
  assert.deepEqual(first!.caps, { leadCount: 0, callerCount: 0 });
  assert.deepEqual(await redis.zrange(keys.key('attempts', '0a1b'), 0, -1), ['k1']);
  assert.deepEqual(await redis.zrange(keys.key('cid', '442079460001'), 0, -1), ['k1']);
  assert.equal(await redis.hget(keys.key('lead', 'lead_1'), 'num'), '0a1b');

  const later = { ...plan, request: { ...plan.request, at: at + 7 * 3_600_000 } };
  const clean = await store.checkAndReserve([
    { plan: later, numberKey: '0a1b', checkId: 'k2', reserve: false, policyVersion: 0 },
  ]);
  assert.deepEqual(clean[0]!.caps, { leadCount: 1, callerCount: 1, leadLastAt: at, callerLastAt: at });
  await redis.hset(keys.key('num', '0a1b'), 'dnc', 'a,b;c');
  const listed = await store.checkAndReserve([
    { plan: later, numberKey: '0a1b', checkId: 'k3', reserve: false, policyVersion: 0 },
  ]);
  assert.deepEqual(listed, [{ ...clean[0]!, facts: { ...clean[0]!.facts, internalDnc: true } }]);
  assert.equal(Object.keys(listed[0]!.facts).join(), Object.keys(clean[0]!.facts).join());
  await redis.hset(keys.key('lead', 'lead_1'), 'abandonedAt', '1,5');
  await assert.rejects(
    store.checkAndReserve([{ plan: later, numberKey: '0a1b', checkId: 'k4', reserve: true, policyVersion: 0 }]),
    /malformed time in the dial state of number 0a1b/,
  );
  assert.deepEqual(await redis.zrange(keys.key('attempts', '0a1b'), 0, -1), ['k1'], 'nothing reserved');
  // An id outside the key alphabet never reaches the script.
  const badLead = { ...later, request: { ...later.request, leadId: 'bad:id' } };
  await assert.rejects(
    store.checkAndReserve([{ plan: badLead, numberKey: '0a1b', checkId: 'k5', reserve: true, policyVersion: 0 }]),
    /invalid key part/,
  );
});

// Reads count the last day without trimming; adding an attempt drops the entries older than a day,
// so a number's and a caller ID's sets stay as small as the caps they serve.
test('an attempt added a day later trims the older entries; a denied look trims nothing', async () => {
  const keys = new Keyspace('compliance', uniqueName('trim'));
  const store = new DialStateStore(redis, keys);
  const at = Date.parse('2026-06-01T10:00:00Z');
  const dial = (offsetMs: number, checkId: string, reserve: boolean) => {
    const plan = planDial(
      {
        campaignId: 'c',
        leadId: 'lead_1',
        phone: '+442079460123',
        callerId: '+442079460001',
        at: at + offsetMs,
        timeZoneOverride: 'UTC',
      },
      defaultPolicy('c'),
      catalogue,
    );
    return store.checkAndReserve([{ plan, numberKey: '0a1b', checkId, reserve, policyVersion: 0 }]);
  };
  assert.equal((await dial(0, 'k1', true))[0]!.reserved, true);
  const dayLater = 86_400_000 + 1;
  const [look] = await dial(dayLater, 'k2', false);
  assert.deepEqual(look!.caps, { leadCount: 0, callerCount: 0 }, 'the day-old attempt no longer counts');
  assert.deepEqual(await redis.zrange(keys.key('attempts', '0a1b'), 0, -1), ['k1']);
  assert.equal((await dial(dayLater, 'k3', true))[0]!.reserved, true);
  assert.deepEqual(await redis.zrange(keys.key('attempts', '0a1b'), 0, -1), ['k3']);
  assert.deepEqual(await redis.zrange(keys.key('cid', '442079460001'), 0, -1), ['k3']);
});

// A dial planned under an older policy than the one announced is refused by the script, which
// reads and reserves nothing for it; announcements never move the version back.
test('a dial planned under an older announced policy version is sent back unreserved', async () => {
  const keys = new Keyspace('compliance', uniqueName('ver'));
  const store = new DialStateStore(redis, keys);
  const at = Date.parse('2026-06-01T10:00:00Z');
  const plan = planDial(
    {
      campaignId: 'camp-v',
      leadId: 'lead_v',
      phone: '+442079460123',
      callerId: '+442079460001',
      at,
      timeZoneOverride: 'UTC',
    },
    defaultPolicy('camp-v'),
    catalogue,
  );
  await store.announcePolicyVersion('camp-v', 2);
  await store.announcePolicyVersion('camp-v', 1);
  const [old, other] = await store.checkAndReserve([
    { plan, numberKey: '0a1b', checkId: 'k1', reserve: true, policyVersion: 1 },
    {
      plan: { ...plan, request: { ...plan.request, campaignId: 'camp-w', callerId: '+442079460002' } },
      numberKey: '0a1c',
      checkId: 'k2',
      reserve: true,
      policyVersion: 0,
    },
  ]);
  assert.deepEqual([old!.stalePolicy, old!.reserved, other!.stalePolicy, other!.reserved], [true, false, false, true]);
  assert.deepEqual(await redis.zrange(keys.key('attempts', '0a1b'), 0, -1), [], 'nothing reserved for the stale dial');
  const [current] = await store.checkAndReserve([
    { plan, numberKey: '0a1b', checkId: 'k3', reserve: true, policyVersion: 2 },
  ]);
  assert.deepEqual([current!.stalePolicy, current!.reserved], [false, true]);
});
