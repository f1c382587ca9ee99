import type { Keyspace, Redis } from '@outbound/redis';
import { utcDay, windowDays } from '../../domain/abandon.js';
import type { AbandonDay } from '../../domain/types.js';

export type AbandonCounter = 'answered' | 'abandoned' | 'machine';

/** The longest abandon window of any pack (US: 30 days), plus a day of slack for expiry. */
const KEEP_DAYS = 31;

/** Per-campaign, per-UTC-day counts of live answers, abandons and machine verdicts. */
export class AbandonCounts {
  private readonly cache = new Map<string, { days: AbandonDay[]; loadedAt: number; refreshing?: Promise<void> }>();

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keyspace,
    private readonly cacheMs: number,
    private readonly now: () => number = Date.now,
    /** A failed background refresh keeps serving the last counts; the failure is reported here. */
    private readonly onRefreshError: (error: unknown) => void = () => undefined,
  ) {}

  private key(campaignId: string, day: string): string {
    return this.keys.campaignKey(campaignId, 'abandon', day);
  }

  /** Counts one event in every given counter at once, so no reader sees an abandon without its answer. */
  async increment(campaignId: string, counters: ReadonlyArray<AbandonCounter>, at: number): Promise<void> {
    const key = this.key(campaignId, utcDay(at));
    const tx = this.redis.multi();
    for (const counter of counters) tx.hincrby(key, counter, 1);
    await tx.pexpire(key, KEEP_DAYS * 86_400_000).exec();
  }

  async read(campaignId: string, at: number): Promise<AbandonDay[]> {
    const days = windowDays(at, KEEP_DAYS - 1);
    const pipeline = this.redis.pipeline();
    for (const day of days) pipeline.hmget(this.key(campaignId, day), 'answered', 'abandoned', 'machine');
    const results = (await pipeline.exec()) ?? [];
    return days.map((day, i) => {
      const [answered, abandoned, machine] = (results[i]?.[1] as Array<string | null> | undefined) ?? [];
      return { day, answered: Number(answered ?? 0), abandoned: Number(abandoned ?? 0), machine: Number(machine ?? 0) };
    });
  }

  /**
   * For the hot path: counts at most `cacheMs` old. A stale entry is served while one refresh runs
   * in the background; only a campaign's first check waits for Redis.
   */
  async cached(campaignId: string): Promise<AbandonDay[]> {
    const entry = this.cache.get(campaignId);
    const now = this.now();
    if (!entry) {
      const days = await this.read(campaignId, now);
      this.cache.set(campaignId, { days, loadedAt: now });
      return days;
    }
    if (now - entry.loadedAt >= this.cacheMs && !entry.refreshing) {
      entry.refreshing = this.read(campaignId, now)
        .then((days) => {
          this.cache.set(campaignId, { days, loadedAt: now });
        })
        .catch((error: unknown) => {
          entry.refreshing = undefined;
          this.onRefreshError(error);
        });
    }
    return entry.days;
  }
}
