// The benchmark's campaign (50 rules of every kind, most conditions false so each is evaluated)
// and its generated leads (seeded, so every run sees the same data).

import type { RuleInput } from '../src/domain/rules.js';
import type { LeadFacts } from '../src/domain/variables.js';

export function benchRules(): RuleInput[] {
  const rules: RuleInput[] = [
    // The one trigger most leads pass: new callable leads outside the lunch break.
    {
      id: 'new-lead',
      kind: 'trigger',
      on: ['leads.ingested'],
      when: 'lead.status == "CALLABLE" && !(lead.custom["segment"] == "local" && local.hhmm >= "11:30" && local.hhmm < "13:30")',
    },
  ];
  for (let i = 0; i < 24; i++) {
    const conditions = [
      `lead.tier == "A" && lead.orderValue > ${9000 + i}.0 && "vip" in lead.tags`,
      `lead.intent == "high" && lead.custom["source"] == "partner-${i}"`,
      `lead.tags.exists(t, t == "campaign-${i}") && local.hour >= 9`,
      `lead.region == "region-${i}" && lead.orderValue >= 100.0`,
    ];
    rules.push({ id: `rare-${i}`, kind: 'trigger', on: ['leads.ingested'], when: conditions[i % conditions.length]! });
  }
  for (let i = 0; i < 9; i++)
    rules.push({
      id: `prio-${i}`,
      kind: 'priority',
      when: `lead.orderValue > ${9990 - i}.0 && lead.intent == "high"`,
      priority: `${90 - i}`,
    });
  rules.push({
    id: 'prio-default',
    kind: 'priority',
    priority: 'lead.intent == "high" ? 70 : (lead.tier == "A" ? 60 : 40)',
  });
  for (let i = 0; i < 7; i++)
    rules.push({
      id: `match-${i}`,
      kind: 'matching',
      when: `lead.custom["source"] == "partner-${i}" && lead.tier == "A"`,
      scriptTags: ['vip'],
      lineClass: 'premium',
    });
  rules.push({ id: 'match-default', kind: 'matching', script: 'standard-zh', lineClass: 'standard' });
  rules.push({ id: 'cap-day', kind: 'frequency', maxPerDay: 3 });
  rules.push({ id: 'cap-gap', kind: 'frequency', minGapMinutes: 30, when: 'lead.tier != "A"' });
  rules.push({ id: 'cap-refusal', kind: 'frequency', quietAfterRefusalMinutes: 10080 });
  rules.push({ id: 'cap-vip', kind: 'frequency', maxPerDay: 5, when: '"vip" in lead.tags' });
  rules.push({ id: 'retry-busy', kind: 'retry', outcomes: ['busy'], delayMinutes: 30, maxAttempts: 3 });
  rules.push({ id: 'retry-na', kind: 'retry', outcomes: ['no_answer'], delayMinutes: 120, maxAttempts: 3 });
  rules.push({
    id: 'sms-na',
    kind: 'retry',
    outcomes: ['no_answer'],
    channel: 'sms',
    smsTemplate: '{{lead.name}}，您好',
    maxAttempts: 1,
  });
  return rules;
}

export const benchScripts = [
  { id: 'standard-zh', tags: ['zh'] },
  { id: 'vip-zh', tags: ['vip', 'zh'] },
];

const TIERS = ['A', 'B', 'C', 'D'];
const INTENTS = ['high', 'medium', 'low', ''];
const TAGS = ['vip', 'new', 'web', 'repeat', 'campaign-3', 'campaign-7'];
const SOURCES = ['web', 'app', 'store', 'partner-1', 'partner-2'];
const ZONES = ['Asia/Shanghai', 'Asia/Shanghai', 'Asia/Urumqi', 'Asia/Hong_Kong'];

/** Deterministic leads: lead `i` is the same in every run. */
export function generateLead(i: number, listId: string): LeadFacts {
  let x = (i * 2654435761) >>> 0;
  const next = () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
  const tags = TAGS.filter(() => next() % 5 === 0);
  return {
    leadId: `bench-${i}`,
    listId,
    tier: TIERS[next() % 4]!,
    intent: INTENTS[next() % 4]!,
    orderValue: next() % 10_000,
    tags,
    custom: { source: SOURCES[next() % 5]!, segment: next() % 3 === 0 ? 'local' : 'online' },
    region: `region-${next() % 40}`,
    country: 'CN',
    timeZone: ZONES[next() % 4]!,
    status: 'CALLABLE',
  };
}
