import type { Pool } from '@outbound/store';
import { defaultPolicy, type CampaignPolicy } from '../../domain/types.js';

/** A campaign's policy as of one version (0: never set, the defaults). */
export interface PolicyEntry {
  readonly policy: CampaignPolicy;
  readonly version: number;
}

/**
 * Campaign policies: PostgreSQL is the record, each replica caches for `ttlMs` so the hot path
 * rarely touches the database. Each change gets the next version and is then announced
 * (`announce`, a Redis key the dial script reads), so a dial planned under an older version is caught at
 * once (see DialChecker); the TTL only bounds what other readers (filters, status) may see.
 */
export class PolicyStore {
  private readonly cache = new Map<string, { entry: PolicyEntry; loadedAt: number }>();
  private readonly refreshing = new Map<string, Promise<unknown>>();

  constructor(
    private readonly pool: Pool,
    private readonly schema: string,
    private readonly ttlMs: number,
    private readonly announceVersion: (campaignId: string, version: number) => Promise<void>,
    private readonly now: () => number = Date.now,
  ) {}

  async get(campaignId: string): Promise<CampaignPolicy> {
    return (await this.entry(campaignId)).policy;
  }

  async entry(campaignId: string): Promise<PolicyEntry> {
    const hit = this.cache.get(campaignId);
    if (hit && this.now() - hit.loadedAt < this.ttlMs) return hit.entry;
    return this.load(campaignId);
  }

  /** Read it again now, whatever the cache holds (a check found a newer version announced). */
  reload(campaignId: string): Promise<PolicyEntry> {
    return this.load(campaignId);
  }

  /**
   * For the hot path, without waiting: the cached entry while it is younger than `ttlMs`; once
   * older, still the cached one while one background read refreshes it, but never one older than
   * twice `ttlMs` (then undefined: the caller waits for `entry`). So the hot path does not stall
   * on PostgreSQL every `ttlMs`.
   */
  cached(campaignId: string): PolicyEntry | undefined {
    const hit = this.cache.get(campaignId);
    if (!hit) return undefined;
    const age = this.now() - hit.loadedAt;
    if (age < this.ttlMs) return hit.entry;
    if (!this.refreshing.has(campaignId)) {
      const refresh = this.load(campaignId)
        .catch(() => undefined)
        .finally(() => this.refreshing.delete(campaignId));
      this.refreshing.set(campaignId, refresh);
    }
    return age < 2 * this.ttlMs ? hit.entry : undefined;
  }

  private async load(campaignId: string): Promise<PolicyEntry> {
    const started = this.now();
    const { rows } = await this.pool.query<{ policy: CampaignPolicy; version: string }>(
      `SELECT policy, version FROM "${this.schema}".campaign_policies WHERE campaign_id = $1`,
      [campaignId],
    );
    const row = rows[0];
    const entry: PolicyEntry = row
      ? { policy: row.policy, version: Number(row.version) }
      : { policy: defaultPolicy(campaignId), version: 0 };
    // A `set` on this replica while the read ran is newer than what the read saw.
    const current = this.cache.get(campaignId);
    if (!current || (current.loadedAt <= started && current.entry.version <= entry.version))
      this.cache.set(campaignId, { entry, loadedAt: this.now() });
    return entry;
  }

  /** Store a new version (this replica uses it at once); returns the version, to `announce` next. */
  async set(policy: CampaignPolicy): Promise<number> {
    const { rows } = await this.pool.query<{ version: string }>(
      `INSERT INTO "${this.schema}".campaign_policies (campaign_id, policy) VALUES ($1, $2)
       ON CONFLICT (campaign_id) DO UPDATE SET policy = EXCLUDED.policy, version = campaign_policies.version + 1, updated_at = now()
       RETURNING version`,
      [policy.campaignId, JSON.stringify(policy)],
    );
    const version = Number(rows[0]!.version);
    this.cache.set(policy.campaignId, { entry: { policy, version }, loadedAt: this.now() });
    return version;
  }

  /**
   * Tell every replica's checks that `version` is current (after `set` committed it, so a check
   * that sees the announcement finds the new policy in PostgreSQL).
   */
  announce(campaignId: string, version: number): Promise<void> {
    return this.announceVersion(campaignId, version);
  }
}
