import { compileRuleSet, type CompiledRuleSet } from '../../src/domain/compile.js';
import type { RuleInput } from '../../src/domain/rules.js';
import { EMPTY_HISTORY, type EventFacts, type LeadFacts, type LeadHistory } from '../../src/domain/variables.js';

export function compiled(rules: RuleInput[], scripts: Array<{ id: string; tags: string[] }> = []): CompiledRuleSet {
  const result = compileRuleSet('rs1', 1, { rules, scripts, listIds: ['l1'] });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.ruleSet;
}

export function lead(overrides: Partial<LeadFacts> = {}): LeadFacts {
  return {
    leadId: 'lead1',
    listId: 'l1',
    tier: 'B',
    intent: 'medium',
    orderValue: 100,
    tags: [],
    custom: {},
    region: 'Beijing',
    country: 'CN',
    timeZone: 'Asia/Shanghai',
    status: 'CALLABLE',
    ...overrides,
  };
}

export function history(overrides: Partial<LeadHistory> = {}): LeadHistory {
  return { ...EMPTY_HISTORY, ...overrides };
}

export function event(type: string, fields: EventFacts['fields'] = {}, occurredAtMs = NOW): EventFacts {
  return { type, name: type.startsWith('webhook.') ? type.slice(8) : '', fields, occurredAtMs };
}

/** 2026-12-03 10:00 in Shanghai. */
export const NOW = Date.parse('2026-12-03T02:00:00Z');
