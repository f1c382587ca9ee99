// The abandon budget of each legal window, checked with an upper confidence bound. A window may
// still absorb  target × (answers so far + answers surely still to come) − abandons so far − reserve.
// Against it stand the calls in flight (each carries its predicted abandon chance) and one more
// uncertainty the dialer cannot remove: which abandoned calls were live people. Abandoned calls
// never reach an agent, so only the human share of connected calls (h) is known; the abandons that
// count are a binomial thinning of the visible ones, with variance (1 − h)/h per visible abandon
// (measured against the same thinning of the answers). AMD false positives are invisible abandons:
// the visible target already nets out their expected share. Their binomial spread is no launch's
// doing, so it is budgeted once, in the rate the pacer aims at (sustainableRate), not per window.

export interface WindowCount {
  startMs: number;
  /** Presented answers and queue abandons so far, bucketed by answer time. */
  answers: number;
  abandons: number;
  /** Presented answers still expected before the window closes (cautious). */
  futureAnswers: number;
}

export interface BudgetRule {
  /** Allowed visible abandons per presented answer. */
  visibleTarget: number;
  reserveAbandons: number;
  z: number;
  /** Share of presented answers that are live people (h). */
  humanShare: number;
  /** AMD false-positive rate (0 without AMD). */
  amdFalsePositiveRate: number;
}

/** Committed risk: expected abandons of calls in flight and its variance. */
export interface Commitment {
  mean: number;
  variance: number;
}

/** Abandons a window can still take beyond the upper bound of what is committed (< 0: over). */
export function windowHeadroom(w: WindowCount, c: Commitment, rule: BudgetRule): number {
  const h = Math.min(1, Math.max(0.05, rule.humanShare));
  const expected = w.abandons + c.mean;
  const thinning = ((1 - h) / h) * expected;
  const bound = expected + rule.z * Math.sqrt(c.variance + thinning);
  return rule.visibleTarget * (w.answers + w.futureAnswers) - rule.reserveAbandons - bound;
}

export interface Headroom {
  headroom: number;
  /** Start of the window with the least headroom; null if no window is open. */
  tightestStartMs: number | null;
}

export function tightestHeadroom(windows: readonly WindowCount[], c: Commitment, rule: BudgetRule): Headroom {
  let headroom = Number.POSITIVE_INFINITY;
  let tightestStartMs: number | null = null;
  for (const w of windows) {
    const left = windowHeadroom(w, c, rule);
    if (left < headroom) {
      headroom = left;
      tightestStartMs = w.startMs;
    }
  }
  return { headroom, tightestStartMs };
}

/**
 * Abandons per presented answer that a fresh window of `answers` presented answers can sustain
 * while its upper bound stays inside the target: the largest x/answers with
 * x + z·√(x(1 − h)/h + fp·answers/h) ≤ target·answers − reserve. The spread of the abandons the
 * dialer cannot see or sort (AMD false positives, which visible abandons were people) comes out of
 * the target first; with few answers per window nothing may be left, and the pacer aims at none.
 */
export function sustainableRate(answers: number, rule: BudgetRule): number {
  if (!(answers > 0)) return 0;
  const h = Math.min(1, Math.max(0.05, rule.humanShare));
  const room = rule.visibleTarget * answers - rule.reserveAbandons;
  const z2 = rule.z * rule.z;
  const unseen = z2 * (rule.amdFalsePositiveRate / h) * answers;
  if (room <= 0 || room * room <= unseen) return 0;
  // The largest root-free x: (room − x)² ≥ z²(x·k + F) with x ≤ room, k = (1 − h)/h.
  const b = 2 * room + z2 * ((1 - h) / h);
  const x = (b - Math.sqrt(b * b - 4 * (room * room - unseen))) / 2;
  return Math.max(0, x) / answers;
}

/** True if every window keeps non-negative headroom with this commitment. */
export function fitsEveryWindow(windows: readonly WindowCount[], c: Commitment, rule: BudgetRule): boolean {
  for (const w of windows) if (windowHeadroom(w, c, rule) < 0) return false;
  return true;
}
