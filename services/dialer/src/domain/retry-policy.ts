import type { AttemptOutcome, RetryRule } from './model.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

/**
 * The default policy per outcome (MISSION.md §2): busy again in 30 minutes, no answer in an hour
 * at most twice, an invalid number never. The others follow common practice: a person who was
 * abandoned is called back once, a machine is tried again later, a network failure soon.
 */
export const DEFAULT_RETRY_RULES: readonly RetryRule[] = Object.freeze([
  { outcome: 'busy', delayMs: 30 * MINUTE_MS, maxRetries: 3 },
  { outcome: 'no_answer', delayMs: HOUR_MS, maxRetries: 2 },
  { outcome: 'invalid_number', delayMs: 0, maxRetries: 0 },
  { outcome: 'abandoned', delayMs: HOUR_MS, maxRetries: 1 },
  { outcome: 'machine', delayMs: 2 * HOUR_MS, maxRetries: 1 },
  { outcome: 'network_failure', delayMs: 5 * MINUTE_MS, maxRetries: 2 },
  { outcome: 'failed', delayMs: 5 * MINUTE_MS, maxRetries: 2 },
  { outcome: 'rejected', delayMs: 0, maxRetries: 0 },
]);

export type NextStep = { readonly retryAt: Date } | { readonly closeReason: string };

/**
 * What happens to a lead after an attempt: due again at a time, or closed with a reason. Retries
 * are counted per outcome over the lead's earlier attempts; the campaign's cap on attempts per
 * lead always holds. A connected call closes the lead (a follow-up is scheduled by disposition).
 */
export function nextStep(
  rules: readonly RetryRule[],
  maxAttemptsPerLead: number,
  earlierOutcomes: readonly AttemptOutcome[],
  outcome: AttemptOutcome,
  now: Date,
): NextStep {
  if (outcome === 'connected') return { closeReason: 'connected' };
  const rule = (rules.length > 0 ? rules : DEFAULT_RETRY_RULES).find((r) => r.outcome === outcome);
  if (rule === undefined || rule.maxRetries === 0) return { closeReason: outcome };
  const retriesSoFar = earlierOutcomes.filter((o) => o === outcome).length;
  if (retriesSoFar >= rule.maxRetries) return { closeReason: `${outcome}_retries_exhausted` };
  // Denied attempts never reached the customer; they do not use up the campaign's attempts.
  const attemptsMade = earlierOutcomes.filter((o) => o !== 'denied').length + (outcome === 'denied' ? 0 : 1);
  if (attemptsMade >= maxAttemptsPerLead) return { closeReason: 'max_attempts' };
  return { retryAt: new Date(now.getTime() + rule.delayMs) };
}
