// Rules as data: the shape of a rule set version, and its structural checks (ids, kinds, event
// names, bounds, loops through the rule set's own events). Expressions are checked in compile.ts.

import { z } from 'zod';

export const RULE_KINDS = ['trigger', 'frequency', 'priority', 'matching', 'retry'] as const;
export type RuleKind = (typeof RULE_KINDS)[number];
export const CHANNELS = ['call', 'sms'] as const;
export type Channel = (typeof CHANNELS)[number];
export const LINE_CLASSES = ['premium', 'standard'] as const;

/** Attempt outcomes (the dialer's attempts.completed `outcome`). */
export const OUTCOMES = [
  'connected',
  'abandoned',
  'machine',
  'busy',
  'no_answer',
  'invalid_number',
  'rejected',
  'network_failure',
  'denied',
  'failed',
] as const;

/** Event kinds a trigger may listen to; `webhook.<name>` for activities posted to the webhook. */
export const EVENT_KINDS = [
  'leads.ingested',
  'leads.updated',
  'attempts.completed',
  'calls.answered',
  'calls.hangup',
  'calls.abandoned',
] as const;

/** Events that are results of the campaign's own calls: a call trigger on them loops without a bound. */
const OWN_RESULT_EVENTS = new Set<string>(['attempts.completed', 'calls.answered', 'calls.hangup', 'calls.abandoned']);

export const MAX_RULES = 200;
export const MAX_ATTEMPTS_CAP = 20;
const MAX_MINUTES = 60 * 24 * 30;

const id = z
  .string()
  .min(1, 'is required')
  .max(64, 'must be at most 64 characters')
  .regex(/^[A-Za-z0-9_-]+$/, 'must be letters, digits, _ or -');
const minutes = z.number().int().min(0).max(MAX_MINUTES, `must be at most ${MAX_MINUTES} minutes (30 days)`);
const expression = z.string().max(2000, 'must be at most 2000 characters');

export const ruleSchema = z.object({
  id,
  kind: z.enum(RULE_KINDS, { error: `must be one of ${RULE_KINDS.join(', ')}` }),
  description: z.string().max(500).default(''),
  when: expression.default(''),
  disabled: z.boolean().default(false),
  on: z
    .array(
      z
        .string()
        .refine(
          (v) => (EVENT_KINDS as readonly string[]).includes(v) || /^webhook\.[A-Za-z0-9_-]{1,64}$/.test(v),
          `must be one of ${EVENT_KINDS.join(', ')} or webhook.<name>`,
        ),
    )
    .max(10)
    .default([]),
  afterMinutes: minutes.default(0),
  channel: z.enum(CHANNELS).default('call'),
  smsTemplate: z.string().max(1000).default(''),
  maxAttempts: z.number().int().min(0).max(MAX_ATTEMPTS_CAP, `must be at most ${MAX_ATTEMPTS_CAP}`).default(0),
  priority: expression.default(''),
  script: z.string().max(64).default(''),
  scriptTags: z.array(z.string().min(1).max(64)).max(10).default([]),
  lineClass: z.union([z.enum(LINE_CLASSES), z.literal('')]).default(''),
  maxPerDay: z.number().int().min(0).max(1000).default(0),
  minGapMinutes: minutes.default(0),
  quietAfterRefusalMinutes: minutes.default(0),
  outcomes: z
    .array(z.enum(OUTCOMES, { error: `must be one of ${OUTCOMES.join(', ')}` }))
    .max(10)
    .default([]),
  delayMinutes: minutes.default(0),
});

export type RuleDef = z.output<typeof ruleSchema>;
export type RuleInput = z.input<typeof ruleSchema>;

export const scriptSchema = z.object({ id, tags: z.array(z.string().min(1).max(64)).max(20).default([]) });
export type ScriptDef = z.output<typeof scriptSchema>;

export const ruleSetContentSchema = z.object({
  rules: z.array(ruleSchema).max(MAX_RULES, `at most ${MAX_RULES} rules`),
  scripts: z.array(scriptSchema).max(500).default([]),
  listIds: z.array(id).max(100).default([]),
});
export type RuleSetContent = z.output<typeof ruleSetContentSchema>;
export type RuleSetContentInput = z.input<typeof ruleSetContentSchema>;

export interface RuleError {
  /** e.g. `rules[2].when`. */
  field: string;
  message: string;
  /** 1-based position in the expression; 0 when not in an expression. */
  line: number;
  column: number;
  reason: string;
}

export function fieldError(field: string, message: string, reason: string): RuleError {
  return { field, message, line: 0, column: 0, reason };
}

/** Checks that need more than one field: duplicates, required fields per kind, unbounded loops. */
export function structuralErrors(content: RuleSetContent): RuleError[] {
  const errors: RuleError[] = [];
  const seen = new Set<string>();
  const scripts = new Set(content.scripts.map((s) => s.id));
  content.rules.forEach((rule, i) => {
    const at = (f: string) => `rules[${i}].${f}`;
    if (seen.has(rule.id)) errors.push(fieldError(at('id'), `duplicate rule id ${rule.id}`, 'DUPLICATE'));
    seen.add(rule.id);
    switch (rule.kind) {
      case 'trigger':
        if (rule.on.length === 0)
          errors.push(fieldError(at('on'), 'a trigger needs at least one event kind', 'REQUIRED'));
        if (rule.channel === 'sms' && !rule.smsTemplate)
          errors.push(fieldError(at('smsTemplate'), 'an SMS trigger needs a template', 'REQUIRED'));
        if (rule.channel === 'call' && rule.on.some((e) => OWN_RESULT_EVENTS.has(e)) && rule.maxAttempts === 0)
          errors.push(
            fieldError(
              at('maxAttempts'),
              'a call trigger on the results of calls loops through its own events: set maxAttempts (1..20)',
              'LOOP',
            ),
          );
        break;
      case 'retry':
        if (rule.outcomes.length === 0)
          errors.push(fieldError(at('outcomes'), 'a retry rule needs at least one outcome', 'REQUIRED'));
        if (rule.maxAttempts === 0)
          errors.push(
            fieldError(at('maxAttempts'), 'a retry rule needs maxAttempts (1..20): retries must end', 'LOOP'),
          );
        if (rule.channel === 'sms' && !rule.smsTemplate)
          errors.push(fieldError(at('smsTemplate'), 'an SMS retry needs a template', 'REQUIRED'));
        break;
      case 'priority':
        if (!rule.priority)
          errors.push(fieldError(at('priority'), 'a priority rule needs a priority expression', 'REQUIRED'));
        break;
      case 'matching':
        if (!rule.script && rule.scriptTags.length === 0 && !rule.lineClass)
          errors.push(
            fieldError(at('script'), 'a matching rule sets a script, script tags or a line class', 'REQUIRED'),
          );
        if (rule.script && !scripts.has(rule.script))
          errors.push(
            fieldError(at('script'), `script ${rule.script} is not in the rule set's scripts`, 'UNKNOWN_SCRIPT'),
          );
        if (
          rule.scriptTags.length > 0 &&
          !content.scripts.some((s) => rule.scriptTags.every((t) => s.tags.includes(t)))
        )
          errors.push(fieldError(at('scriptTags'), 'no script carries all these tags', 'UNKNOWN_SCRIPT'));
        break;
      case 'frequency':
        if (rule.maxPerDay === 0 && rule.minGapMinutes === 0 && rule.quietAfterRefusalMinutes === 0)
          errors.push(
            fieldError(
              at('maxPerDay'),
              'a frequency rule sets maxPerDay, minGapMinutes or quietAfterRefusalMinutes',
              'REQUIRED',
            ),
          );
        break;
    }
  });
  return errors;
}
