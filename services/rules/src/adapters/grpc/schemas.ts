// Request validation at the gRPC edge, and proto ↔ domain mapping of rules.

import { z } from 'zod';
import { Channel, RuleKind, type Rule, type Script } from '@outbound/proto/outbound/v1/rules';
import type { RuleDef, RuleKind as DomainKind, RuleSetContentInput, ScriptDef } from '../../domain/rules.js';

export const token = z
  .string()
  .min(1, 'is required')
  .max(128)
  .regex(/^[A-Za-z0-9_-]+$/, 'must be letters, digits, _ or -');

export const ruleSetRef = z
  .object({ ruleSetId: z.string().max(64), campaignId: z.string().max(128) })
  .refine((r) => r.ruleSetId || r.campaignId, { message: 'give rule_set_id or campaign_id', path: ['ruleSetId'] })
  .refine((r) => !r.campaignId || /^[A-Za-z0-9_-]+$/.test(r.campaignId), {
    message: 'must be letters, digits, _ or -',
    path: ['campaignId'],
  });

export const ruleSetIdSchema = z.object({ ruleSetId: z.string().min(1, 'is required').max(64) });
export const version = z.number().int().min(0, 'must be 0 or more');

const KINDS: Record<number, DomainKind | undefined> = {
  [RuleKind.RULE_KIND_TRIGGER]: 'trigger',
  [RuleKind.RULE_KIND_FREQUENCY]: 'frequency',
  [RuleKind.RULE_KIND_PRIORITY]: 'priority',
  [RuleKind.RULE_KIND_MATCHING]: 'matching',
  [RuleKind.RULE_KIND_RETRY]: 'retry',
};

export function kindToProto(kind: DomainKind): RuleKind {
  switch (kind) {
    case 'trigger':
      return RuleKind.RULE_KIND_TRIGGER;
    case 'frequency':
      return RuleKind.RULE_KIND_FREQUENCY;
    case 'priority':
      return RuleKind.RULE_KIND_PRIORITY;
    case 'matching':
      return RuleKind.RULE_KIND_MATCHING;
    case 'retry':
      return RuleKind.RULE_KIND_RETRY;
  }
}

export function channelToProto(channel: 'call' | 'sms'): Channel {
  return channel === 'sms' ? Channel.CHANNEL_SMS : Channel.CHANNEL_CALL;
}

/** Proto rules to the domain's input shape (validated by the domain's schema next). */
export function contentFromProto(rules: Rule[], scripts: Script[], listIds: string[]): RuleSetContentInput {
  return {
    rules: rules.map((r) => ({
      id: r.ruleId,
      // An unknown kind is left for the schema to refuse with the field's name.
      kind: (KINDS[r.kind] ?? `unknown(${r.kind})`) as DomainKind,
      description: r.description,
      when: r.when,
      disabled: r.disabled,
      on: r.on,
      afterMinutes: r.afterMinutes,
      channel: r.channel === Channel.CHANNEL_SMS ? 'sms' : 'call',
      smsTemplate: r.smsTemplate,
      maxAttempts: r.maxAttempts,
      priority: r.priority,
      script: r.script,
      scriptTags: r.scriptTags,
      lineClass: r.lineClass as RuleDef['lineClass'],
      maxPerDay: r.maxPerDay,
      minGapMinutes: r.minGapMinutes,
      quietAfterRefusalMinutes: r.quietAfterRefusalMinutes,
      outcomes: r.outcomes as RuleDef['outcomes'],
      delayMinutes: r.delayMinutes,
    })),
    scripts: scripts.map((s) => ({ id: s.scriptId, tags: s.tags })),
    listIds,
  };
}

export function ruleToProto(r: RuleDef): Rule {
  return {
    ruleId: r.id,
    kind: kindToProto(r.kind),
    description: r.description,
    when: r.when,
    disabled: r.disabled,
    on: r.on,
    afterMinutes: r.afterMinutes,
    channel: channelToProto(r.channel),
    smsTemplate: r.smsTemplate,
    maxAttempts: r.maxAttempts,
    priority: r.priority,
    script: r.script,
    scriptTags: r.scriptTags,
    lineClass: r.lineClass,
    maxPerDay: r.maxPerDay,
    minGapMinutes: r.minGapMinutes,
    quietAfterRefusalMinutes: r.quietAfterRefusalMinutes,
    outcomes: [...r.outcomes],
    delayMinutes: r.delayMinutes,
  };
}

export function scriptToProto(s: ScriptDef): Script {
  return { scriptId: s.id, tags: s.tags };
}

const primitive = z.union([z.string().max(256), z.number(), z.boolean()]);

/** A lead given inline to a dry run (the `lead` variable's fields, plus history for retries). */
export const dryRunLeadSchema = z.object({
  leadId: z.string().max(128).default('dry-run'),
  listId: z.string().max(128).default(''),
  tier: z.string().max(64).default(''),
  intent: z.string().max(64).default(''),
  orderValue: z.number().default(0),
  tags: z.array(z.string().max(256)).max(64).default([]),
  custom: z.record(z.string().max(64), z.string().max(256)).default({}),
  region: z.string().max(64).default(''),
  country: z.string().max(8).default(''),
  timeZone: z.string().max(64).default(''),
  status: z.string().max(32).default('CALLABLE'),
  attempts: z.number().int().min(0).max(1000).default(0),
  lastOutcome: z.string().max(64).default(''),
  tasksToday: z.number().int().min(0).max(1000).default(0),
});

export const dryRunEventSchema = z.object({
  type: z
    .string()
    .min(1, 'is required')
    .max(128)
    .regex(/^[a-z_]+\.[A-Za-z0-9_.-]+$/, 'must be an event kind such as leads.ingested or webhook.cart_abandoned'),
  fields: z.record(z.string().max(64), primitive).default({}),
});
