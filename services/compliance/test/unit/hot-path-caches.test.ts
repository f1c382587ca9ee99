import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pool } from '@outbound/store';
import { PolicyStore } from '../../src/adapters/sql/policies.js';
import { abandonStatus } from '../../src/domain/abandon.js';
import { cachedAbandonStatus, localDenials, planDial } from '../../src/domain/engine.js';
import { PackCatalogue, allPackVersions } from '../../src/domain/packs/index.js';
import { defaultPolicy, type AbandonDay, type CampaignPolicy, type RulePackVersion } from '../../src/domain/types.js';
import { numbers, policy, request } from './helpers.js';

const uk = allPackVersions.find((p) => p.pack === 'UK-OFCOM')!;
/** A later UK version with a stricter limit: changing a pack is a new version. */
const ukStricter: RulePackVersion = {
  ...uk,
  version: '2026-07',
  effectiveFrom: '2026-07-01T00:00:00Z',
  abandon: { ...uk.abandon!, maxRate: 0.01 },
};
const catalogue = new PackCatalogue([...allPackVersions, ukStricter]);

function ukCodes(at: string, days: readonly AbandonDay[]): string[] {
  const plan = planDial(
    request(numbers.london, at, { callerId: '+442079460000' }),
    policy({ rulePacks: ['UK-OFCOM'] }),
    catalogue,
  );
  return localDenials(plan, { onRegistry: false, abandonDays: days })
    .filter((d) => d.reason === 'ABANDON_RATE')
    .map((d) => `${d.code}:${d.rulePack}`);
}

test('abandon status cache: a new pack version in effect is a miss, not the old verdict', () => {
  // 2 % over a day: under 2026-01 (3 %), over 2026-07 (1 %). Same counts array on both sides of the change.
  const days: AbandonDay[] = [
    { day: '2026-06-30', answered: 1000, abandoned: 20, machine: 0 },
    { day: '2026-07-01', answered: 1000, abandoned: 20, machine: 0 },
  ];
  assert.deepEqual(ukCodes('2026-06-30T23:59:00Z', days), []);
  assert.deepEqual(ukCodes('2026-07-01T10:00:00Z', days), ['ABANDON_RATE_LIMIT:UK-OFCOM@2026-07']);
  // And back to an instant under the old version: still the old verdict.
  assert.deepEqual(ukCodes('2026-06-30T23:59:30Z', days), []);
});

test('abandon status cache: another UTC day or a refreshed counts snapshot is a miss', () => {
  const days: AbandonDay[] = [{ day: '2026-06-01', answered: 1000, abandoned: 50, machine: 0 }];
  assert.deepEqual(ukCodes('2026-06-01T12:00:00Z', days), ['ABANDON_RATE_LIMIT:UK-OFCOM@2026-01']);
  // Next UTC day: the one-day window no longer holds yesterday's abandons.
  assert.deepEqual(ukCodes('2026-06-02T00:00:01Z', days), []);
  // The hot path replaces the array on refresh; the new counts apply at once.
  const refreshed: AbandonDay[] = [{ day: '2026-06-01', answered: 1000, abandoned: 5, machine: 0 }];
  assert.deepEqual(ukCodes('2026-06-01T12:00:00Z', refreshed), []);
});

test('abandon status cache agrees with the uncached computation', () => {
  const days: AbandonDay[] = Array.from({ length: 31 }, (_, i) => ({
    day: new Date(Date.parse('2026-06-30T00:00:00Z') - i * 86_400_000).toISOString().slice(0, 10),
    answered: 40 + i,
    abandoned: i % 3,
    machine: i % 5,
  }));
  const packs = allPackVersions.filter((p) => p.abandon);
  for (let t = Date.parse('2026-06-01T00:00:00Z'); t < Date.parse('2026-07-02T00:00:00Z'); t += 5 * 3_600_000) {
    assert.deepEqual(cachedAbandonStatus(packs, days, t), abandonStatus(packs, days, t));
  }
});

function fakePool(policies: Map<string, CampaignPolicy>, log: string[]): Pool {
  let release: (() => void) | undefined;
  return {
    query: async (_sql: string, params: [string]) => {
      log.push(params[0]);
      if (log.length > 1)
        await new Promise<void>((resolve) => (release = resolve)).finally(() => (release = undefined));
      const policy = policies.get(params[0]);
      return { rows: policy ? [{ policy, version: '1' }] : [] };
    },
    release: () => release?.(),
  } as unknown as Pool;
}

test('policy cache: served without waiting while fresh, stale while one refresh runs, never beyond twice the TTL', async () => {
  let clock = 1_000_000;
  const stored = new Map<string, CampaignPolicy>([['c1', { ...defaultPolicy('c1'), requireConsent: false }]]);
  const log: string[] = [];
  const pool = fakePool(stored, log);
  const store = new PolicyStore(
    pool,
    's',
    2_000,
    async () => undefined,
    () => clock,
  );
  assert.equal(store.cached('c1'), undefined, 'nothing cached before the first read');
  assert.equal((await store.get('c1')).requireConsent, false);
  stored.set('c1', { ...defaultPolicy('c1'), requireConsent: true });
  clock += 1_999;
  assert.equal(store.cached('c1')?.policy.requireConsent, false, 'fresh: cached');
  assert.equal(log.length, 1);
  clock += 1;
  assert.equal(store.cached('c1')?.policy.requireConsent, false, 'stale: still served while the refresh runs');
  assert.equal(store.cached('c1')?.policy.requireConsent, false);
  assert.equal(log.length, 2, 'one background refresh, not one per check');
  clock += 2_000;
  assert.equal(store.cached('c1'), undefined, 'older than twice the TTL: the caller must wait for get()');
  (pool as unknown as { release: () => void }).release();
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(store.cached('c1')?.policy.requireConsent, true, 'the refreshed policy applies');
});

test('policy cache: a set() on this replica is not overwritten by a refresh that read before it', async () => {
  let clock = 0;
  const stored = new Map<string, CampaignPolicy>();
  const log: string[] = [];
  const pool = fakePool(stored, log);
  const store = new PolicyStore(
    {
      ...pool,
      query: async (sql: string, params: [string]) =>
        sql.startsWith('INSERT')
          ? { rows: [{ version: '1' }] }
          : (pool.query as unknown as (s: string, p: [string]) => Promise<unknown>)(sql, params),
    } as unknown as Pool,
    's',
    2_000,
    async () => undefined,
    () => clock,
  );
  await store.get('c2');
  clock += 2_500;
  store.cached('c2'); // starts a refresh that will answer "no policy"
  clock += 1;
  await store.set({ ...defaultPolicy('c2'), marketing: false });
  (pool as unknown as { release: () => void }).release();
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(store.cached('c2')?.policy.marketing, false);
});
