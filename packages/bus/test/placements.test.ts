import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '@outbound/telemetry';
import { testUrls, uniqueName } from '@outbound/testkit';
import { Bus, CallPlacements } from '../src/index.js';

// Real NATS JetStream (scripts/dev-up), a bucket of the test's own.
const bus = await Bus.connect({
  url: testUrls.nats,
  name: 'placements-test',
  logger: createLogger({ service: 'placements-test', level: 'silent' }),
});
after(() => bus.close());
const bucket = uniqueName('placements').replace(/[^A-Za-z0-9_-]/g, '_');

test('placements: media claims an attempt once; a dialer voids an unplaced one, and media may not place it then', async () => {
  const media = await CallPlacements.open(bus, { bucket, ttlMs: 60_000 });
  const dialer = await CallPlacements.open(bus, { bucket, ttlMs: 60_000 });
  const placed = { callId: 'call-1', node: 'fs1' };
  assert.equal(await media.claim('att-1', placed), 'claimed');
  assert.deepEqual(await dialer.void('att-1'), placed, 'placed: the dialer learns where');
  assert.deepEqual(await media.claim('att-1', { callId: 'call-2', node: 'fs2' }), placed, 'never placed twice');
  assert.equal(await dialer.void('att-2'), 'voided');
  assert.equal(await dialer.void('att-2'), 'voided', 'voiding again says the same');
  assert.equal(
    await media.claim('att-2', { callId: 'call-3', node: 'fs1' }),
    'voided',
    'a voided attempt is not placed',
  );
});

test('placements: of a claim and a void racing for one attempt, exactly one wins', async () => {
  const media = await CallPlacements.open(bus, { bucket, ttlMs: 60_000 });
  const dialer = await CallPlacements.open(bus, { bucket, ttlMs: 60_000 });
  for (let i = 0; i < 20; i++) {
    const attemptId = `race-${String(i)}`;
    const [claimed, voided] = await Promise.all([
      media.claim(attemptId, { callId: `call-${String(i)}`, node: 'fs1' }),
      dialer.void(attemptId),
    ]);
    if (claimed === 'claimed') assert.deepEqual(voided, { callId: `call-${String(i)}`, node: 'fs1' });
    else assert.deepEqual([claimed, voided], ['voided', 'voided']);
  }
});

test('placements: a claim media releases (its node refused the call) reads as void; another call’s claim is kept', async () => {
  const media = await CallPlacements.open(bus, { bucket, ttlMs: 60_000 });
  const dialer = await CallPlacements.open(bus, { bucket, ttlMs: 60_000 });
  assert.equal(await media.claim('att-refused', { callId: 'call-r', node: 'fs1' }), 'claimed');
  await media.release('att-refused', 'call-other');
  assert.deepEqual(await dialer.void('att-refused'), { callId: 'call-r', node: 'fs1' }, 'not its call: kept');
  await media.release('att-refused', 'call-r');
  assert.equal(await dialer.void('att-refused'), 'voided');
  assert.equal(await media.claim('att-refused', { callId: 'call-r2', node: 'fs1' }), 'voided', 'and never placed now');
});
