// A campaign's live counters (dialed, answered, connected, abandoned, denials by reason, failures
// by cause) in a Redis hash; each fact of an attempt is counted once, whatever the redeliveries
// (redis/counters.lua keeps the counted facts in a set beside the hash).

import { readFileSync } from 'node:fs';
import type { Keyspace, Redis } from '@outbound/redis';
import type { CampaignCounters, CounterName } from '../../use-cases/engine-deps.js';

const script = readFileSync(new URL('../../../../redis/counters.lua', import.meta.url), 'utf8');

/** Counted-fact markers live this long after the campaign's last count (redeliveries come sooner). */
const MARKERS_TTL_MS = 7 * 86_400_000;

export class RedisCampaignCounters implements CampaignCounters {
  private sha: string | undefined;

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
    const call = async (reload: boolean) => {
      if (!this.sha || reload) this.sha = String(await this.redis.script('LOAD', script));
      return this.redis.evalsha(this.sha, keys.length, ...keys, ...args);
    };
    try {
      return Number(await call(false)) === 1;
    } catch (error) {
      if (!(error instanceof Error) || !error.message.includes('NOSCRIPT')) throw error;
      return Number(await call(true)) === 1;
    }
  }

  async read(campaignId: string): Promise<Record<string, number>> {
    const raw = await this.redis.hgetall(this.hashKey(campaignId));
    return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Number(v)]));
  }
}
