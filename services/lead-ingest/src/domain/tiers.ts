import { z } from 'zod';

export const INTENTS = ['high', 'medium', 'low'] as const;
export type Intent = (typeof INTENTS)[number];

/** One rule: the first rule whose conditions all hold names the tier. Conditions left out match anything. */
export interface TierRule {
  tier: string;
  intents?: readonly Intent[];
  /** Inclusive lower bound of the order value. */
  minOrderValue?: number;
  /** Exclusive upper bound of the order value. */
  maxOrderValue?: number;
}

export const tierRulesSchema = z
  .array(
    z.object({
      tier: z.string().min(1).max(32),
      intents: z.array(z.enum(INTENTS)).min(1).optional(),
      minOrderValue: z.number().optional(),
      maxOrderValue: z.number().optional(),
    }),
  )
  .min(1);

/** The seeds' example: intent high/medium/low × order value high/low → 4 tiers (A best). */
export const DEFAULT_TIER_RULES: readonly TierRule[] = Object.freeze([
  { tier: 'A', intents: ['high'], minOrderValue: 1000 },
  { tier: 'B', intents: ['high'] },
  { tier: 'C', intents: ['medium'], minOrderValue: 1000 },
  { tier: 'D' },
]);

export function tierOf(rules: readonly TierRule[], intent: Intent | undefined, orderValue: number | undefined): string {
  for (const rule of rules) {
    if (rule.intents && (intent === undefined || !rule.intents.includes(intent))) continue;
    if (rule.minOrderValue !== undefined && (orderValue === undefined || orderValue < rule.minOrderValue)) continue;
    if (rule.maxOrderValue !== undefined && (orderValue === undefined || orderValue >= rule.maxOrderValue)) continue;
    return rule.tier;
  }
  return '';
}

const INTENT_WORDS: Record<string, Intent> = {
  high: 'high',
  h: 'high',
  高: 'high',
  强: 'high',
  a: 'high',
  medium: 'medium',
  mid: 'medium',
  m: 'medium',
  中: 'medium',
  一般: 'medium',
  b: 'medium',
  low: 'low',
  l: 'low',
  低: 'low',
  弱: 'low',
  c: 'low',
};

/** `高` / `High` / `A` → `high`; anything unknown → undefined (no intent is not an error). */
export function parseIntent(raw: string): Intent | undefined {
  return INTENT_WORDS[raw.trim().toLowerCase().replace(/意向$/, '')];
}
