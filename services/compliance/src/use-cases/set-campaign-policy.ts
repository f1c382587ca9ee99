import { UnavailableError } from '@outbound/errors';
import { effectiveCaps } from '../domain/caps.js';
import type { PackCatalogue } from '../domain/packs/index.js';
import type { CallerIdCaps, CampaignPolicy } from '../domain/types.js';
import type { AuditLog } from '../adapters/sql/audit.js';
import type { PolicyStore } from '../adapters/sql/policies.js';

/**
 * Change a campaign's policy: store the next version, audit it, then announce it so every
 * replica's next check plans under it.
 */
export class SetCampaignPolicy {
  constructor(
    private readonly deps: {
      readonly policies: PolicyStore;
      readonly audit: AuditLog;
      readonly catalogue: PackCatalogue;
      readonly now: () => number;
    },
  ) {}

  /**
   * The strictest caller-ID caps among the packs the campaign may dial under (BASE and its packs,
   * or every pack when it names none), whatever the callee's region: what a dialer rotating its
   * caller IDs must stay within. Undefined when no pack caps caller IDs.
   */
  callerIdCaps(policy: Pick<CampaignPolicy, 'rulePacks'>): CallerIdCaps | undefined {
    const { catalogue, now } = this.deps;
    const names =
      policy.rulePacks.length === 0 ? catalogue.names() : ['BASE', ...policy.rulePacks.filter((n) => n !== 'BASE')];
    const packs = names.map((name) => catalogue.at(name, now())).filter((p) => p !== undefined);
    const caps = effectiveCaps(packs).callerId;
    return caps && { maxPer24h: caps.maxPer24h, minGapSeconds: caps.minGapSeconds };
  }

  async set(policy: CampaignPolicy, actor: string): Promise<number> {
    const { policies, audit } = this.deps;
    const version = await policies.set(policy);
    // Recorded once stored, before it is announced: a failed announcement (UNAVAILABLE, the
    // caller retries) must not leave a stored change without its audit entry.
    await audit.append({
      actor,
      action: 'changed_policy',
      target: `campaign:${policy.campaignId}`,
      service: 'compliance',
      details: { policy: JSON.stringify(policy), version: String(version) },
    });
    await policies.announce(policy.campaignId, version).catch((error: unknown) => {
      throw new UnavailableError(
        `policy version ${version} is stored but could not be announced to the other replicas (they apply it within their cache time); retry`,
        { reason: 'POLICY_NOT_ANNOUNCED', cause: error },
      );
    });
    return version;
  }
}
