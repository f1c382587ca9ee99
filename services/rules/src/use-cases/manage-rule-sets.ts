// Rule sets as versioned data: create, save a new version (validated and compiled first: nothing
// is stored when one expression is wrong), publish, roll back, archive, read and list.

import { randomUUID } from 'node:crypto';
import { InvalidArgumentError, NotFoundError } from '@outbound/errors';
import type { Pool } from '@outbound/store';
import { compileRuleSet } from '../domain/compile.js';
import type { RuleError, RuleSetContent } from '../domain/rules.js';
import * as repo from '../adapters/sql/rule-sets-repo.js';
import type { ActiveRules } from './active-rules.js';

export interface RuleSetView {
  set: repo.RuleSetRow;
  version: number;
  content: RuleSetContent;
}

export function refuse(errors: RuleError[]): InvalidArgumentError {
  return new InvalidArgumentError(
    errors.map((e) => ({ field: e.field, description: e.message, reason: e.reason })),
    { reason: 'INVALID_RULES' },
  );
}

export class RuleSetCatalog {
  constructor(
    private readonly pool: Pool,
    private readonly active: ActiveRules,
  ) {}

  /** Every problem of a rule set's content (empty: valid). */
  validate(input: unknown): RuleError[] {
    const result = compileRuleSet('validate', 1, input);
    return result.ok ? [] : result.errors;
  }

  private checked(input: unknown): RuleSetContent {
    const result = compileRuleSet('validate', 1, input);
    if (!result.ok) throw refuse(result.errors);
    return result.ruleSet.content;
  }

  async create(campaignId: string, input: unknown, publish: boolean): Promise<RuleSetView> {
    const content = this.checked(input);
    const set = await repo.createRuleSet(this.pool, { ruleSetId: randomUUID(), campaignId, content, publish });
    this.active.invalidate();
    return { set, version: 1, content };
  }

  async resolve(ref: { ruleSetId?: string; campaignId?: string }): Promise<repo.RuleSetRow> {
    const set = ref.ruleSetId
      ? await repo.getRuleSet(this.pool, ref.ruleSetId)
      : ref.campaignId
        ? await repo.getRuleSetByCampaign(this.pool, ref.campaignId)
        : undefined;
    if (!set) throw new NotFoundError('rule set', ref.ruleSetId || `campaign:${ref.campaignId ?? ''}`);
    return set;
  }

  /** A version (0: the active one, or the newest when none is published). */
  async get(ref: { ruleSetId?: string; campaignId?: string }, version: number): Promise<RuleSetView> {
    const set = await this.resolve(ref);
    const wanted = version || set.activeVersion || set.latestVersion;
    const row = await repo.getVersion(this.pool, set.ruleSetId, wanted);
    if (!row) throw new NotFoundError('rule set version', `${set.ruleSetId}@${wanted}`);
    return { set, version: wanted, content: row.content };
  }

  async list(includeArchived: boolean): Promise<RuleSetView[]> {
    const sets = await repo.listRuleSets(this.pool, includeArchived);
    return Promise.all(sets.map((s) => this.get({ ruleSetId: s.ruleSetId }, 0)));
  }

  async save(ruleSetId: string, input: unknown, baseVersion: number): Promise<RuleSetView> {
    const content = this.checked(input);
    const set = await repo.saveVersion(this.pool, ruleSetId, content, baseVersion);
    return { set, version: set.latestVersion, content };
  }

  async publish(ruleSetId: string, version: number): Promise<RuleSetView> {
    const set = await repo.publishVersion(this.pool, ruleSetId, version);
    this.active.invalidate();
    return this.get({ ruleSetId: set.ruleSetId }, version);
  }

  async rollback(ruleSetId: string, toVersion: number): Promise<RuleSetView> {
    const set = await repo.rollback(this.pool, ruleSetId, toVersion);
    this.active.invalidate();
    return this.get({ ruleSetId: set.ruleSetId }, set.activeVersion ?? 0);
  }

  async archive(ruleSetId: string): Promise<void> {
    await this.resolve({ ruleSetId });
    await repo.archive(this.pool, ruleSetId);
    this.active.invalidate();
  }

  async history(ruleSetId: string): Promise<repo.HistoryRow[]> {
    await this.resolve({ ruleSetId });
    return repo.history(this.pool, ruleSetId);
  }
}
