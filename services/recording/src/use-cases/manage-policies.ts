import { InvalidArgumentError } from '@outbound/errors';
import type { Actor } from '../domain/access.js';
import { defaultPolicy, policyProblems, type PolicyDefaults, type RecordingPolicy } from '../domain/policy.js';
import type { AuditLog, Policies } from './ports.js';

/** Per-campaign recording policy: read (the default when none is set), and set (validated, audited). */
export class ManagePolicies {
  constructor(
    private readonly deps: { readonly policies: Policies; readonly audit: AuditLog; readonly defaults: PolicyDefaults },
  ) {}

  async get(campaignId: string): Promise<RecordingPolicy> {
    return (await this.deps.policies.get(campaignId)) ?? defaultPolicy(campaignId, this.deps.defaults);
  }

  async set(policy: Omit<RecordingPolicy, 'version' | 'updatedAt'>, actor: Actor): Promise<RecordingPolicy> {
    const problems = policyProblems(policy);
    if (problems.length > 0)
      throw new InvalidArgumentError(problems.map((p) => ({ ...p, field: `policy.${p.field}` })));
    if (actor.role === 'agent')
      throw new InvalidArgumentError([
        { field: 'actor.role', description: 'agents may not change recording policies' },
      ]);
    // The retention of recordings is compliance evidence: the change is audited before it applies.
    await this.deps.audit.record({
      actor: actor.id,
      action: 'changed_recording_policy',
      target: `campaign:${policy.campaignId}`,
      details: {
        mode: policy.mode,
        retentionDays: String(policy.retentionDays),
        industry: policy.industry,
        keywords: String(policy.keywords.length),
      },
    });
    return this.deps.policies.put(policy, actor.id);
  }
}
