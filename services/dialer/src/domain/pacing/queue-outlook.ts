// Will the next call find an agent? For a call presented `r` ms from now, it is abandoned when the
// live answers presented before it (calls already waiting, calls in flight, calls launched with it)
// reach the number of agents free by r + the abandon grace. Both counts are sums of independent
// Bernoulli variables, approximated as normal; the risk is averaged over the call's own delay.
import { normalCdf, normalPdf } from './normal.js';

/** The queue seen from one possible presentation delay of a new call. */
export interface Outlook {
  /** Live answers presented by then (waiting now + in flight), mean and variance. */
  demandMean: number;
  demandVariance: number;
  /** Agents free by then + grace (ready now + releases), mean and variance. */
  supplyMean: number;
  supplyVariance: number;
  /** P(another call launched now is a live answer presented by then). */
  newCallLiveByThen: number;
  /** Live answers expected from calls in flight (part of demandMean) and the relative variance of
   *  the live rate behind them and behind new calls: one estimation error shared by all of them. */
  inFlightMean?: number;
  rateRelativeVariance?: number;
  /** The answer rate jumping to its recent peak before these calls answer: one common shock for
   *  all of them, with this probability, after which the queue looks like `jumped`. The risk is the
   *  mixture of the two scenarios, not a normal with the shock's mean and variance: a 10 % chance of
   *  a surge of Δ answers is about a 10 % chance of abandons when the slack is well under Δ, where the
   *  normal puts a fraction of it (4 % against 8.7 % in the unit test's example). */
  jump?: { probability: number; jumped: Outlook };
}

/** The scenarios of one outlook with their weights: no jump, and (if any) the jump. */
function scenarios(o: Outlook): [number, Outlook][] {
  const pi = o.jump ? Math.min(1, Math.max(0, o.jump.probability)) : 0;
  if (!o.jump || pi <= 0) return [[1, o]];
  return [
    [1 - pi, o],
    [pi, o.jump.jumped],
  ];
}

/** Extra relative spread on demand: estimates of the answer rate are themselves uncertain. */
const DEMAND_RELATIVE_SD = 0.05;

function spread(o: Outlook, demand: number, launched: number): number {
  const rated = (o.inFlightMean ?? 0) + launched;
  return (
    o.demandVariance +
    o.supplyVariance +
    (DEMAND_RELATIVE_SD * demand) ** 2 +
    (o.rateRelativeVariance ?? 0) * rated ** 2 +
    0.05
  );
}

/**
 * Abandons to expect from the calls already waiting or in flight, re-assessed now: the expected
 * overflow E[(demand − supply)⁺] of live answers over free agents, at the examined delay where it is
 * largest, times the calibration factor; and its variance. Launch-time risks go stale when the
 * answer rate or the agents change under calls that ring for half a minute; this does not.
 */
export function inFlightAbandons(
  outlooks: readonly Outlook[],
  calibration = 1,
  launchedWithIt = 0,
): { mean: number; variance: number } {
  let mean = 0;
  let variance = 0;
  for (const outlook of outlooks) {
    // Moments of the overflow, mixed over the scenarios (jump or not).
    let m1 = 0;
    let m2 = 0;
    for (const [weight, o] of scenarios(outlook)) {
      const x = o.newCallLiveByThen;
      const demand = o.demandMean + launchedWithIt * x;
      const mu = demand - o.supplyMean + 0.5;
      const sd = Math.sqrt(spread(o, demand, launchedWithIt * x) + launchedWithIt * x * (1 - x));
      const a = mu / sd;
      const cdf = normalCdf(a);
      const pdf = normalPdf(a);
      m1 += weight * (mu * cdf + sd * pdf); // E[X⁺]
      m2 += weight * ((mu * mu + sd * sd) * cdf + mu * sd * pdf); // E[(X⁺)²]
    }
    if (m1 > mean) {
      mean = m1;
      variance = Math.max(0, m2 - m1 * m1);
    }
  }
  return { mean: Math.max(0, calibration * mean), variance: calibration * calibration * variance };
}

/** P(a new call, if it is a live answer, is abandoned) given `launchedWithIt` others this tick. */
export function abandonRisk(outlooks: readonly Outlook[], launchedWithIt: number): number {
  if (outlooks.length === 0) return 1;
  let sum = 0;
  for (const outlook of outlooks) {
    for (const [weight, o] of scenarios(outlook)) {
      const x = o.newCallLiveByThen;
      const demand = o.demandMean + launchedWithIt * x;
      const mean = demand - o.supplyMean;
      const variance = spread(o, demand, launchedWithIt * x) + launchedWithIt * x * (1 - x);
      // Abandoned when demand ahead >= supply, i.e. demand - supply > -0.5 (continuity correction).
      sum += weight * normalCdf((mean + 0.5) / Math.sqrt(variance));
    }
  }
  return sum / outlooks.length;
}
