// Will the next call find an agent? For a call presented `r` ms from now, it is abandoned when the
// live answers presented before it (calls already waiting, calls in flight, calls launched with it)
// reach the number of agents free by r + the abandon grace. Both counts are sums of independent
// Bernoulli variables, approximated as normal; the risk is averaged over the call's own delay.
import { normalCdf } from './normal.js';

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
}

/** Extra relative spread on demand: estimates of the answer rate are themselves uncertain. */
const DEMAND_RELATIVE_SD = 0.05;

/** P(a new call, if it is a live answer, is abandoned) given `launchedWithIt` others this tick. */
export function abandonRisk(outlooks: readonly Outlook[], launchedWithIt: number): number {
  if (outlooks.length === 0) return 1;
  let sum = 0;
  for (const o of outlooks) {
    const x = o.newCallLiveByThen;
    const demand = o.demandMean + launchedWithIt * x;
    const mean = demand - o.supplyMean;
    const variance =
      o.demandVariance + o.supplyVariance + launchedWithIt * x * (1 - x) + (DEMAND_RELATIVE_SD * demand) ** 2 + 0.05;
    // Abandoned when demand ahead >= supply, i.e. demand - supply > -0.5 (continuity correction).
    sum += normalCdf((mean + 0.5) / Math.sqrt(variance));
  }
  return sum / outlooks.length;
}
