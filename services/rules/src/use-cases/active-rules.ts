// The compiled rule set a campaign evaluates now. Versions never change once saved, so a compiled
// version is cached for good; which version is active is read again after `ttlMs` (a publish on
// another replica takes effect within it; on this one at once).

import type { Pool } from '@outbound/store';
import { compileRuleSet, type CompiledRuleSet } from '../domain/compile.js';
import * as repo from '../adapters/sql/rule-sets-repo.js';

interface Cached<T> {
  value: T;
  atMs: number;
}

const MAX_COMPILED = 500;

export class ActiveRules {
  private readonly compiledVersions = new Map<string, CompiledRuleSet>();
  private readonly byCampaign = new Map<string, Cached<repo.ActiveVersion | undefined>>();
  private readonly byList = new Map<string, Cached<repo.ActiveVersion[]>>();

  constructor(
    private readonly pool: Pool,
    private readonly ttlMs: number,
  ) {}

  invalidate(): void {
    this.byCampaign.clear();
    this.byList.clear();
  }

  async forCampaign(campaignId: string): Promise<CompiledRuleSet | undefined> {
    const now = Date.now();
    let cached = this.byCampaign.get(campaignId);
    if (!cached || now - cached.atMs > this.ttlMs) {
      cached = { value: await repo.activeForCampaign(this.pool, campaignId), atMs: now };
      this.byCampaign.set(campaignId, cached);
    }
    return cached.value ? this.compiled(cached.value.ruleSetId, cached.value.version) : undefined;
  }

  async campaignsForList(listId: string): Promise<string[]> {
    const now = Date.now();
    let cached = this.byList.get(listId);
    if (!cached || now - cached.atMs > this.ttlMs) {
      cached = { value: await repo.activeForList(this.pool, listId), atMs: now };
      this.byList.set(listId, cached);
    }
    return cached.value.map((v) => v.campaignId);
  }

  async compiled(ruleSetId: string, version: number): Promise<CompiledRuleSet | undefined> {
    const key = `${ruleSetId}@${version}`;
    const hit = this.compiledVersions.get(key);
    if (hit) return hit;
    const row = await repo.getVersion(this.pool, ruleSetId, version);
    if (!row) return undefined;
    // Stored content was validated on save; compiling again cannot fail unless the code changed.
    const result = compileRuleSet(ruleSetId, version, row.content);
    if (!result.ok) throw new Error(`stored version ${key} no longer compiles: ${result.errors[0]?.message ?? ''}`);
    if (this.compiledVersions.size >= MAX_COMPILED) {
      const oldest = this.compiledVersions.keys().next().value;
      if (oldest !== undefined) this.compiledVersions.delete(oldest);
    }
    this.compiledVersions.set(key, result.ruleSet);
    return result.ruleSet;
  }
}
