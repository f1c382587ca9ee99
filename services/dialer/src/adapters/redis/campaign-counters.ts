// A campaign's live counters (dialed, answered, connected, abandoned, denials by reason, failures
// by cause) in a Redis hash; each fact of an attempt is counted once, whatever the redeliveries
// (redis/counters.lua keeps the counted facts in a set beside the hash).

import type { Keyspace, Redis } from '@outbound/redis';
import type { CampaignCounters, CountedFact, CounterName } from '../../use-cases/engine-deps.js';
import { LuaScript } from './lua-script.js';

const script = new LuaScript('counters.lua');

/** Counted-fact markers live this long after the campaign's last count (redeliveries come sooner). */
const MARKERS_TTL_MS = 7 * 86_400_000;

export class RedisCampaignCounters implements CampaignCounters {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keyspace,
  ) {}

  private hashKey(campaignId: string): string {
    return this.keys.campaignKey(campaignId, 'counters');
  }

  async countOnce(
    campaignId: string,
    attemptId: string,
    fact: string,
    counters: readonly CounterName[],
  ): Promise<boolean> {
    const keys = [this.keys.campaignKey(campaignId, 'counted'), this.hashKey(campaignId)];
    const args = [`${attemptId}:${fact}`, String(MARKERS_TTL_MS), ...counters];
    return Number(await script.run(this.redis, keys, args)) === 1;
  }

  async read(campaignId: string): Promise<Record<string, number>> {
    const raw = await this.redis.hgetall(this.hashKey(campaignId));
    return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Number(v)]));
  }

  async restore(campaignId: string, counted: readonly CountedFact[]): Promise<void> {
    const markers = this.keys.campaignKey(campaignId, 'counted');
    const hash = this.hashKey(campaignId);
    const totals = new Map<string, number>();
    for (const { counters } of counted) for (const name of counters) totals.set(name, (totals.get(name) ?? 0) + 1);
    // One transaction: readers see the old counters or the rebuilt ones, never half of them.
    const tx = this.redis.multi().del(markers, hash);
    for (let i = 0; i < counted.length; i += 1_000)
      tx.sadd(markers, ...counted.slice(i, i + 1_000).map((c) => `${c.attemptId}:${c.fact}`));
    if (totals.size > 0) tx.hset(hash, Object.fromEntries(totals));
    tx.pexpire(markers, MARKERS_TTL_MS);
    await tx.exec();
  }
}
