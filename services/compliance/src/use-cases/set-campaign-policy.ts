import { UnavailableError } from '@outbound/errors';
import type { CampaignPolicy } from '../domain/types.js';
import type { AuditLog } from '../adapters/sql/audit.js';
import type { PolicyStore } from '../adapters/sql/policies.js';

/**
 * Change a campaign's policy: store the next version, audit it, then announce it so every
 * replica's next check plans under it.
 */
export class SetCampaignPolicy {
  constructor(private readonly deps: { readonly policies: PolicyStore; readonly audit: AuditLog }) {}

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
