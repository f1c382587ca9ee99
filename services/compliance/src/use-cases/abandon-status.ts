import { abandonStatus, worstAction, type AbandonAction, type AbandonWindowStatus } from '../domain/abandon.js';
import type { PackCatalogue } from '../domain/packs/index.js';
import type { AbandonCounts } from '../adapters/redis/abandon-counts.js';
import type { PolicyStore } from '../adapters/sql/policies.js';

/** A campaign's abandon rate in each window its packs measure, and what the dialer must do about it. */
export class AbandonStatus {
  constructor(
    private readonly deps: {
      readonly catalogue: PackCatalogue;
      readonly policies: PolicyStore;
      readonly abandon: AbandonCounts;
      readonly now: () => number;
    },
  ) {}

  async of(campaignId: string): Promise<{ action: AbandonAction; windows: readonly AbandonWindowStatus[] }> {
    const { catalogue, policies, abandon } = this.deps;
    const at = this.deps.now();
    const policy = await policies.get(campaignId);
    const names = policy.rulePacks.length ? policy.rulePacks : catalogue.names();
    const packs = names.map((name) => catalogue.at(name, at)).filter((p) => p !== undefined);
    // The counts the gate decides on (at most COMPLIANCE_ABANDON_CACHE_MS old): every running
    // campaign asks every second, and a fresh read is a month of days from Redis.
    const windows = abandonStatus(packs, await abandon.cached(campaignId), at);
    return { action: worstAction(windows), windows };
  }
}
