import { DEFAULT_RETENTION_DAYS, MIN_FINANCE_RETENTION_DAYS } from './retention.js';

export type RecordMode = 'off' | 'on_answer' | 'on_bridge';

export interface Keyword {
  /** As people say it: "not interested", "不需要". */
  readonly phrase: string;
  /** The intent tag it marks: `not_interested`. */
  readonly intent: string;
}

/** How one campaign's calls are recorded, kept and analysed. */
export interface RecordingPolicy {
  readonly campaignId: string;
  readonly mode: RecordMode;
  readonly retentionDays: number;
  /** For compliance's sensitive-word lists: `finance`, `insurance`, `education`, `general` … */
  readonly industry: string;
  readonly keywords: readonly Keyword[];
  /** 0 for the built-in default (no policy set). */
  readonly version: number;
  readonly updatedAt?: Date;
}

/** The intents the issue names, in Chinese and English, for campaigns without their own set. */
export const DEFAULT_KEYWORDS: readonly Keyword[] = [
  { phrase: '不需要', intent: 'not_interested' },
  { phrase: 'not interested', intent: 'not_interested' },
  { phrase: "don't need", intent: 'not_interested' },
  { phrase: '再考虑', intent: 'think_about_it' },
  { phrase: 'think about it', intent: 'think_about_it' },
  { phrase: '价格', intent: 'price' },
  { phrase: 'price', intent: 'price' },
  { phrase: 'how much', intent: 'price' },
  { phrase: '退订', intent: 'unsubscribe' },
  { phrase: 'unsubscribe', intent: 'unsubscribe' },
  { phrase: 'stop calling', intent: 'unsubscribe' },
];

export interface PolicyDefaults {
  readonly mode: RecordMode;
  readonly retentionDays: number;
  readonly industry: string;
}

export function defaultPolicy(campaignId: string, defaults: PolicyDefaults): RecordingPolicy {
  return {
    campaignId,
    mode: defaults.mode,
    retentionDays: Math.max(defaults.retentionDays, defaults.industry === 'finance' ? MIN_FINANCE_RETENTION_DAYS : 1),
    industry: defaults.industry,
    keywords: DEFAULT_KEYWORDS,
    version: 0,
  };
}

/** A policy's problems by field (empty: valid). Finance recordings are kept at least 3 years. */
export function policyProblems(policy: Omit<RecordingPolicy, 'version'>): { field: string; description: string }[] {
  const problems: { field: string; description: string }[] = [];
  if (!Number.isInteger(policy.retentionDays) || policy.retentionDays < 1 || policy.retentionDays > 36_500)
    problems.push({ field: 'retention_days', description: 'must be 1 to 36500 days' });
  else if (policy.industry === 'finance' && policy.retentionDays < MIN_FINANCE_RETENTION_DAYS)
    problems.push({
      field: 'retention_days',
      description: `finance recordings are kept at least ${MIN_FINANCE_RETENTION_DAYS} days (3 years)`,
    });
  const seen = new Set<string>();
  for (const [index, keyword] of policy.keywords.entries()) {
    const key = keyword.phrase.normalize('NFKC').toLowerCase().trim();
    if (seen.has(key)) problems.push({ field: `keywords[${index}].phrase`, description: 'is listed twice' });
    seen.add(key);
  }
  return problems;
}

/** The call event that starts a recording under `mode`, if any. */
export function startsOn(mode: RecordMode): 'answered' | 'bridged' | undefined {
  if (mode === 'on_answer') return 'answered';
  if (mode === 'on_bridge') return 'bridged';
  return undefined;
}

export { DEFAULT_RETENTION_DAYS };
