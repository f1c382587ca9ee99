import { packLabel } from './packs/index.js';
import type { AbandonDay, RulePackVersion } from './types.js';
import { DAY_MS } from './caps.js';

export type AbandonAction = 'CONTINUE' | 'SLOW_DOWN' | 'STOP';

export interface AbandonWindowStatus {
  readonly rulePack: string;
  readonly answered: number;
  readonly abandoned: number;
  readonly rate: number;
  readonly limit: number;
  readonly windowDays: number;
  readonly action: AbandonAction;
}

/** Fraction of the limit at which the dialer is told to slow down. */
const SLOW_DOWN_AT = 0.8;

export function utcDay(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}

/** The UTC days of a window ending at `at`, newest first. */
export function windowDays(at: number, days: number): string[] {
  return Array.from({ length: days }, (_, i) => utcDay(at - i * DAY_MS));
}

/**
 * Abandon rate per pack over its window. Machine verdicts that were really people (the pack's
 * AMD false-positive estimate) count as abandoned live answers, as Ofcom requires. Below the
 * pack's minimum sample the denominator is that minimum, so the guard neither trips on the
 * first abandon nor lets a small campaign abandon freely.
 */
export function abandonStatus(
  packs: readonly RulePackVersion[],
  days: readonly AbandonDay[],
  at: number,
): AbandonWindowStatus[] {
  const out: AbandonWindowStatus[] = [];
  for (const pack of packs) {
    const rule = pack.abandon;
    if (!rule) continue;
    if (days.length === 0) {
      out.push({
        rulePack: packLabel(pack),
        answered: 0,
        abandoned: 0,
        rate: 0,
        limit: rule.maxRate,
        windowDays: rule.windowDays,
        action: 'CONTINUE',
      });
      continue;
    }
    // ISO dates compare as strings: one cut-off instead of a set of days per decision.
    const oldest = utcDay(at - (rule.windowDays - 1) * DAY_MS);
    const newest = utcDay(at);
    let answered = 0;
    let abandoned = 0;
    let machine = 0;
    for (const day of days) {
      if (day.day < oldest || day.day > newest) continue;
      answered += day.answered;
      abandoned += day.abandoned;
      machine += day.machine;
    }
    const falsePositives = machine * (rule.amdFalsePositiveRate ?? 0);
    const abandonedAdj = abandoned + falsePositives;
    const answeredAdj = answered + falsePositives;
    const rate = abandonedAdj / Math.max(answeredAdj, rule.minAnswers);
    const action: AbandonAction =
      rate >= rule.maxRate ? 'STOP' : rate >= rule.maxRate * SLOW_DOWN_AT ? 'SLOW_DOWN' : 'CONTINUE';
    out.push({
      rulePack: packLabel(pack),
      answered,
      abandoned,
      rate,
      limit: rule.maxRate,
      windowDays: rule.windowDays,
      action,
    });
  }
  return out;
}

export function worstAction(statuses: readonly AbandonWindowStatus[]): AbandonAction {
  if (statuses.some((s) => s.action === 'STOP')) return 'STOP';
  return statuses.some((s) => s.action === 'SLOW_DOWN') ? 'SLOW_DOWN' : 'CONTINUE';
}
