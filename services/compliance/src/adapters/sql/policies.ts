import type { Pool } from '@outbound/store';
import { defaultPolicy, type CampaignPolicy } from '../../domain/types.js';

/**
 * Campaign policies: PostgreSQL is the record, each replica caches for `ttlMs` so the hot path
 * rarely touches the database; a change made on another replica applies within that time.
 */
export class PolicyStore {
  private readonly cache = new Map<string, { policy: CampaignPolicy; loadedAt: number }>();

  constructor(
    private readonly pool: Pool,
    private readonly schema: string,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async get(campaignId: string): Promise<CampaignPolicy> {
    const hit = this.cache.get(campaignId);
    if (hit && this.now() - hit.loadedAt < this.ttlMs) return hit.policy;
    const { rows } = await this.pool.query<{ policy: CampaignPolicy }>(`SELECT policy FROM "${this.schema}".campaign_policies WHERE campaign_id = $1`, [campaignId]);
    const policy = rows[0]?.policy ?? defaultPolicy(campaignId);
    this.cache.set(campaignId, { policy, loadedAt: this.now() });
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
