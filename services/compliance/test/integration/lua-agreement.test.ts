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
    fc.asyncProperty(fc.array(fc.record({ gapMinutes: fc.integer({ min: 0, max: 600 }), callerId: fc.constantFrom('+442079460001', '+442079460002') }), { minLength: 1, maxLength: 12 }), async (dials) => {
      const store = new DialStateStore(redis, new Keyspace('compliance', uniqueName('agree')));
      let at = Date.parse('2026-06-01T08:00:00Z');
      const reserved: number[] = [];
      for (const [i, dial] of dials.entries()) {
        at += dial.gapMinutes * MINUTE + 1;
        const plan = planDial({ campaignId: 'c', leadId: `l${i}`, phone: '+442079460123', callerId: dial.callerId, at, timeZoneOverride: 'UTC' }, defaultPolicy('c'), catalogue);
        const [seen] = await store.checkAndReserve([{ plan, numberKey: 'n', checkId: `k${i}`, reserve: true }]);
        const pureAllows = capDenials(seen!.caps, plan.caps, at).length === 0;
        assert.equal(seen!.reserved, pureAllows, `dial ${i}`);
        if (seen!.reserved) reserved.push(at);
      }
      for (let i = 1; i < reserved.length; i++) assert.ok(reserved[i]! - reserved[i - 1]! >= 360 * MINUTE);
    }),
    { numRuns: 60 },
  );
});
