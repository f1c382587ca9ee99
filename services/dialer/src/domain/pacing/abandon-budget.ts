// The abandon budget of each legal window, checked with an upper confidence bound. A window may
// still absorb  target × (answers so far + answers surely still to come) − abandons so far − reserve.
// Against it stand the calls in flight (each carries its predicted abandon chance) and two
// uncertainties the dialer cannot remove. Which abandoned calls were live people: abandoned calls
// never reach an agent, so only the human share of connected calls (h) is known; the abandons that
// count are a binomial thinning of the visible ones, with variance (1 − h)/h per visible abandon
// (measured against the same thinning of the answers). And AMD false positives, abandons the dialer
// never sees: the visible target nets out their expected share, and their spread (binomial, plus the
// day-to-day spread of the rate itself) sits inside every window's upper bound, so a window whose
// visible abandons already ran high stops predictive dialing before unseen ones can tip it over.

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
  /** Relative standard deviation of that rate between days (0: only binomial chance). */
  amdFalsePositiveSpread: number;
  /** Largest chance that the pacer's own abandons add to a small window's chance of tipping over the
   *  target, counted in whole live people (0: no such check). */
  breachChance: number;
  /** Visible abandons per expected future answer that the pacer's recent launches beyond progressive
   *  added: its spending, taken to go on until each window closes in the check above. */
  spendingPerAnswer: number;
  /** Expected future answers per cautious one (1 / the share the budget counts on). */
  expectedPerCautious: number;
  /** Future answers the whole count takes as coming per cautious one (1: the cautious count). */
  wholeCountPerCautious: number;
}

/** The human share, kept off 0 (the thinning's variance divides by it). */
function humanShare(rule: BudgetRule): number {
  return Math.min(1, Math.max(0.05, rule.humanShare));
}

/** Variance, in visible-abandon units, of the AMD false positives among `answers` presented answers. */
export function unseenVariance(answers: number, rule: BudgetRule): number {
  const fp = rule.amdFalsePositiveRate;
  if (!(fp > 0) || !(answers > 0)) return 0;
  const h = humanShare(rule);
  return (fp / h) * answers + (rule.amdFalsePositiveSpread * fp * answers) ** 2;
}

/** Committed risk: expected abandons of calls in flight and its variance. */
export interface Commitment {
  mean: number;
  variance: number;
}

/** Abandons a window can still take beyond the upper bound of what is committed (< 0: over). */
export function windowHeadroom(w: WindowCount, c: Commitment, rule: BudgetRule): number {
  const h = humanShare(rule);
  const expected = w.abandons + c.mean;
  const thinning = ((1 - h) / h) * expected;
  const answers = w.answers + w.futureAnswers;
  const bound = expected + rule.z * Math.sqrt(c.variance + thinning + unseenVariance(answers, rule));
  return rule.visibleTarget * answers - rule.reserveAbandons - bound;
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
 * x + z·√(x(1 − h)/h + U) ≤ target·answers − reserve, U the unseen variance above. The spread of the abandons the
 * dialer cannot see or sort (AMD false positives, which visible abandons were people) comes out of
 * the target first; with few answers per window nothing may be left, and the pacer aims at none.
 */
export function sustainableRate(answers: number, rule: BudgetRule): number {
  if (!(answers > 0)) return 0;
  const h = humanShare(rule);
  const room = rule.visibleTarget * answers - rule.reserveAbandons;
  const z2 = rule.z * rule.z;
  const unseen = z2 * unseenVariance(answers, rule);
  if (room <= 0 || room * room <= unseen) return 0;
  // The largest root-free x: (room − x)² ≥ z²(x·k + F) with x ≤ room, k = (1 − h)/h.
  const b = 2 * room + z2 * ((1 - h) / h);
  const x = (b - Math.sqrt(b * b - 4 * (room * room - unseen))) / 2;
  return Math.min(Math.max(0, x) / answers, smallWindowRate(answers, rule));
}

/** Visible abandons per answer a fresh small window may expect while they add at most `breachChance`
 *  to its chance of tipping over (windowBreachChance), over the answers its whole count takes as
 *  coming; Infinity where the normal bound governs. */
function smallWindowRate(answers: number, rule: BudgetRule): number {
  const counted = answers * rule.wholeCountPerCautious;
  const count = rule.breachChance > 0 ? liveCount(counted, 0, rule) : null;
  if (count === null) return Number.POSITIVE_INFINITY;
  const h = humanShare(rule);
  const base = poissonAbove(count.unseen, count.left);
  // The added chance grows with the mean: bisect for the largest mean within breachChance.
  let lo = 0;
  let hi = count.left + 1;
  for (let i = 0; i < 40; i++) {
    const mid = (lo + hi) / 2;
    if (poissonAbove(count.unseen + mid, count.left) - base <= rule.breachChance) lo = mid;
    else hi = mid;
  }
  return lo / h / counted;
}

/** Beyond this many whole abandons left, a window's count is near enough normal for the bound above. */
const SMALL_WINDOW_ABANDONS = 12;

/** P(X > k) for X ~ Poisson(mean). */
function poissonAbove(mean: number, k: number): number {
  let term = Math.exp(-mean);
  let atMost = term;
  for (let j = 1; j <= k; j++) {
    term *= mean / j;
    atMost += term;
  }
  return Math.max(0, 1 - atMost);
}

/** A window in whole live people: abandons it can still take, and the AMD false positives to expect
 *  in it (none of which the dialer sees); null when more than SMALL_WINDOW_ABANDONS are left. */
function liveCount(
  presented: number,
  visibleAbandons: number,
  rule: BudgetRule,
): { left: number; unseen: number } | null {
  const h = humanShare(rule);
  const fp = rule.amdFalsePositiveRate;
  // Live people answered, AMD false positives among them included (they count as answered too).
  const live = (h * presented) / (1 - fp);
  const target = rule.visibleTarget * (1 - fp) + fp;
  const left = Math.floor(target * live - h * visibleAbandons + 1e-9);
  return left > SMALL_WINDOW_ABANDONS ? null : { left, unseen: fp * live };
}

/**
 * What the pacer's abandons (committed, and its spending until the window closes) add to the chance
 * that a small window ends over the target, counted as the law counts it: in whole abandoned live
 * people against the live people answered. A window of 40 live answers holds one abandon and breaks
 * on the second, whatever the averages say; one of 30 breaks on the first. The live abandons to
 * come are Poisson: the human share of the pacer's, plus the AMD false positives of the whole
 * window, which tip it with or without the pacer (only the difference is the pacer's). The abandons
 * seen so far count at their expected human share. Windows with more than SMALL_WINDOW_ABANDONS
 * left: 0 (the normal bound governs).
 */
export function windowBreachChance(w: WindowCount, c: Commitment, rule: BudgetRule): number {
  const expected = w.futureAnswers * rule.expectedPerCautious;
  const count = liveCount(w.answers + w.futureAnswers * rule.wholeCountPerCautious, w.abandons, rule);
  if (count === null) return 0;
  if (count.left < 0) return 1;
  const h = humanShare(rule);
  // Not only what is in flight: a window breaks on the sum of everything spent before it closes.
  const committed = h * (Math.max(0, c.mean) + rule.spendingPerAnswer * expected);
  return poissonAbove(count.unseen + committed, count.left) - poissonAbove(count.unseen, count.left);
}

/** True if every window keeps non-negative headroom with this commitment and, where whole abandons
 *  decide it, is unlikely to tip over. */
export function fitsEveryWindow(windows: readonly WindowCount[], c: Commitment, rule: BudgetRule): boolean {
  for (const w of windows) {
    if (windowHeadroom(w, c, rule) < 0) return false;
    if (rule.breachChance > 0 && windowBreachChance(w, c, rule) > rule.breachChance) return false;
  }
  return true;
}
