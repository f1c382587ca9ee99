// The campaign's hopper in Redis (a cache of campaign_leads: rebuildable from PostgreSQL at any
// time): due leads ordered by priority then due time, popped atomically with a lease per lead so a
// lead in flight is never given out twice at once. One Lua script (redis/hopper.lua) does it all.

import { randomUUID } from 'node:crypto';
import type { Keyspace, Redis } from '@outbound/redis';
import type { HopperEntry, Lease, LeadHopper } from '../../use-cases/engine-deps.js';
import { StaleOwnerError } from '../../use-cases/ports.js';
import { LuaScript } from './lua-script.js';

export type { HopperEntry, Lease } from '../../use-cases/engine-deps.js';

const script = new LuaScript('hopper.lua');

/** Priorities are clamped to ±PRIORITY_SPAN; higher first. */
export const PRIORITY_SPAN = 1_000;
const SECOND_BITS = 2 ** 33;

/**
 * One double ordering leads by priority (higher first), then due time (earlier first), to the
 * second: (PRIORITY_SPAN − priority) × 2^33 + epoch seconds. At most 2001 × 2^33 < 2^45, well
 * inside a double's 53-bit exact integers.
 */
export function hopperScore(priority: number, dueAt: Date): number {
  const bucket = PRIORITY_SPAN - Math.max(-PRIORITY_SPAN, Math.min(PRIORITY_SPAN, Math.round(priority)));
  const seconds = Math.max(0, Math.min(SECOND_BITS - 1, Math.floor(dueAt.getTime() / 1000)));
  return bucket * SECOND_BITS + seconds;
}

export interface HopperOptions {
  /** How long a popped lead stays leased unless completed or released (covers the call). */
  leaseMs: number;
}

const ENTRIES_PER_CALL = 500;

export class Hopper implements LeadHopper {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keyspace,
    private readonly options: HopperOptions = { leaseMs: 15 * 60_000 },
  ) {}

  /** The campaign's sorted set of due leads. */
  setKey(campaignId: string): string {
    return this.keys.campaignKey(campaignId, 'hopper');
  }

  private fenceKey(campaignId: string): string {
    return this.keys.campaignKey(campaignId, 'hopper-fence');
  }

  private leasePrefix(campaignId: string): string {
    return `${this.keys.campaignKey(campaignId, 'lease')}:`;
  }

  leaseKey(campaignId: string, leadId: string): string {
    return this.keys.campaignKey(campaignId, 'lease', leadId);
  }

  private async run(
    campaignId: string,
    op: string,
    args: readonly (string | number)[],
    fence?: number,
  ): Promise<unknown> {
    const keys = [this.setKey(campaignId), this.fenceKey(campaignId)];
    const argv = [op, fence === undefined ? '' : String(fence), this.leasePrefix(campaignId), ...args.map(String)];
    try {
      return await script.run(this.redis, keys, argv);
    } catch (error) {
      if (error instanceof Error && error.message.includes('STALE_FENCE')) throw new StaleOwnerError(campaignId);
      throw error;
    }
  }

  private static pairs(entries: readonly HopperEntry[]): string[] {
    const out: string[] = [];
    for (const entry of entries) out.push(String(hopperScore(entry.priority, entry.dueAt)), entry.leadId);
    return out;
  }

  /** Adds (or re-scores) due leads; leads currently leased are left out. Returns how many were new. */
  async add(campaignId: string, entries: readonly HopperEntry[], fence?: number): Promise<number> {
    let added = 0;
    for (let from = 0; from < entries.length; from += ENTRIES_PER_CALL) {
      const chunk = Hopper.pairs(entries.slice(from, from + ENTRIES_PER_CALL));
      added += Number(await this.run(campaignId, 'add', chunk, fence));
    }
    return added;
  }

  /** Replaces the hopper's content with `entries` (PostgreSQL's due leads), e.g. after a Redis flush. */
  async rebuild(campaignId: string, entries: readonly HopperEntry[], fence?: number): Promise<number> {
    let added = Number(await this.run(campaignId, 'rebuild', Hopper.pairs(entries.slice(0, ENTRIES_PER_CALL)), fence));
    if (entries.length > ENTRIES_PER_CALL) added += await this.add(campaignId, entries.slice(ENTRIES_PER_CALL), fence);
    return added;
  }

  /** Takes up to `count` leads, best first, each leased under one fresh token. */
  async pop(campaignId: string, count: number, fence?: number): Promise<Lease[]> {
    if (count <= 0) return [];
    const token = randomUUID();
    const ids = (await this.run(
      campaignId,
      'pop',
      [Math.floor(count), this.options.leaseMs, token],
      fence,
    )) as string[];
    return ids.map((leadId) => ({ leadId, token }));
  }

  /** Gives the lead back (skipped, not dialed): the lease ends and, with `back`, the lead is due again. */
  async release(
    campaignId: string,
    lease: Lease,
    back?: Omit<HopperEntry, 'leadId'>,
    fence?: number,
  ): Promise<boolean> {
    const score = back ? String(hopperScore(back.priority, back.dueAt)) : '';
    return Number(await this.run(campaignId, 'release', [lease.leadId, lease.token, score], fence)) === 1;
  }

  /** The lead's call is over (its attempt is stored): the lease ends. Without a token, whoever holds it. */
  async complete(campaignId: string, leadId: string, token?: string, fence?: number): Promise<boolean> {
    return Number(await this.run(campaignId, 'complete', [leadId, token ?? ''], fence)) === 1;
  }

  async size(campaignId: string): Promise<number> {
    return this.redis.zcard(this.setKey(campaignId));
  }

  async isLeased(campaignId: string, leadId: string): Promise<boolean> {
    return (await this.redis.exists(this.leaseKey(campaignId, leadId))) === 1;
  }

  /**
   * Empties the campaign's hopper (a stopped campaign). Leases stay: they belong to calls still in
   * flight, which complete them, and they expire on their own (no keyspace scan on a shared Redis).
   */
  async clear(campaignId: string): Promise<void> {
    await this.redis.del(this.setKey(campaignId));
  }
}
