import { BlindIndex } from '../domain/blind.js';
import { dncMatch, type DncMatch } from '../domain/dnc.js';
import { refusalLockMs } from '../domain/engine.js';
import type { PackCatalogue } from '../domain/packs/index.js';
import type { DialStateStore } from '../adapters/redis/dial-state.js';
import type { PolicyStore } from '../adapters/sql/policies.js';
import type { Registry } from '../domain/registry.js';

export interface DncFilterDeps {
  readonly catalogue: PackCatalogue;
  readonly policies: PolicyStore;
  readonly registry: Registry;
  readonly blind: BlindIndex;
  readonly state: DialStateStore;
  readonly now: () => number;
}

/**
 * Which numbers are barred now, for lead import. The same lists a check reads (the in-memory
 * registries, the Redis list entries), read only: nothing is reserved and no evidence stored,
 * since no dial follows from it.
 */
export class DncFilter {
  constructor(private readonly deps: DncFilterDeps) {}

  /** Matches in request order, by index; `campaignId` '' means entries for every campaign only. */
  async filter(phones: readonly string[], campaignId: string): Promise<Array<DncMatch & { index: number }>> {
    const { catalogue, policies, registry, blind, state } = this.deps;
    const keys = phones.map((phone) => blind.hex(phone));
    const listings = await state.listings(keys, campaignId);
    const at = this.deps.now();
    // A refusal's lock depends on the packs covering the number under the campaign's policy
    // (as for AddDoNotCall); only numbers with a refusal need the plan.
    const policy = listings.some((l) => l.refusedAt !== undefined)
      ? await policies.get(campaignId || 'default')
      : undefined;
    const out: Array<DncMatch & { index: number }> = [];
    for (let index = 0; index < phones.length; index++) {
      const listing = { ...listings[index]!, onRegistry: registry.has(BlindIndex.key64FromHex(keys[index]!)) };
      const lockMs =
        listing.refusedAt !== undefined && policy ? refusalLockMs(phones[index]!, policy, catalogue, at) : undefined;
      const match = dncMatch(listing, lockMs, at);
      if (match) out.push({ index, ...match });
    }
    return out;
  }
}
