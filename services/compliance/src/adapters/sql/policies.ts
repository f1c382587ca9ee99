import type { Pool } from '@outbound/store';
import { defaultPolicy, type CampaignPolicy } from '../../domain/types.js';

/**
 * Campaign policies: PostgreSQL is the record, each replica caches for `ttlMs` so the hot path
 * rarely touches the database; a change made on another replica applies within that time.
 */
export class PolicyStore {
  private readonly cache = new Map<string, { policy: CampaignPolicy; loadedAt: number }>();
  private readonly refreshing = new Map<string, Promise<unknown>>();

  constructor(
    private readonly pool: Pool,
    private readonly schema: string,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async get(campaignId: string): Promise<CampaignPolicy> {
    const hit = this.cache.get(campaignId);
    if (hit && this.now() - hit.loadedAt < this.ttlMs) return hit.policy;
    return this.load(campaignId);
  }

  /**
   * For the hot path, without waiting: the cached policy while it is younger than `ttlMs`; once
   * older, still the cached one while one background read refreshes it, but never one older than
   * twice `ttlMs` (then undefined: the caller waits for `get`). So the hot path does not stall
   * on PostgreSQL every `ttlMs`, and a change made elsewhere still applies within 2 × `ttlMs`.
   */
  cached(campaignId: string): CampaignPolicy | undefined {
    const hit = this.cache.get(campaignId);
    if (!hit) return undefined;
    const age = this.now() - hit.loadedAt;
    if (age < this.ttlMs) return hit.policy;
    if (!this.refreshing.has(campaignId)) {
      const refresh = this.load(campaignId)
        .catch(() => undefined)
        .finally(() => this.refreshing.delete(campaignId));
      this.refreshing.set(campaignId, refresh);
    }
    return age < 2 * this.ttlMs ? hit.policy : undefined;
  }

  private async load(campaignId: string): Promise<CampaignPolicy> {
    const started = this.now();
    const { rows } = await this.pool.query<{ policy: CampaignPolicy }>(`SELECT policy FROM "${this.schema}".campaign_policies WHERE campaign_id = $1`, [campaignId]);
    const policy = rows[0]?.policy ?? defaultPolicy(campaignId);
    // A `set` on this replica while the read ran is newer than what the read saw.
    const current = this.cache.get(campaignId);
    if (!current || current.loadedAt <= started) this.cache.set(campaignId, { policy, loadedAt: this.now() });
    return policy;
  }

  async set(policy: CampaignPolicy): Promise<void> {
    await this.pool.query(
      `INSERT INTO "${this.schema}".campaign_policies (campaign_id, policy) VALUES ($1, $2)
       ON CONFLICT (campaign_id) DO UPDATE SET policy = EXCLUDED.policy, updated_at = now()`,
      [policy.campaignId, JSON.stringify(policy)],
    );
    this.cache.set(policy.campaignId, { policy, loadedAt: this.now() });
  }
}
