// Busy agents and when they will be free again. Talk and wrap-up times are learned from the agent
// events; agents leaving (lunch, end of a team's shift) are learned from logouts after a call, so
// the pacer stops counting on agents who will not come back. Two memories: a long one (15 min) for
// the steady trickle of individual logouts, and a short one (the last few agents to end a call) that
// sees a team leaving within seconds: when a team leaves, idle agents log out at once and busy ones after
// their call, and every release the long memory still promises is then a logout.
import { DurationEstimator } from './duration-estimator.js';

interface BusyAgent {
  talking: boolean;
  sinceMs: number;
}

export interface ReleaseOutlook {
  /** Expected agents back to ready within each horizon, and the variance of that count. */
  mean: Float64Array;
  variance: Float64Array;
}

const TALK_MEMORY = 400;
const WRAP_MEMORY = 200;
/** Logout propensity forgets with this time constant. */
const LEAVE_MEMORY_MS = 15 * 60_000;
/** Prior returns to ready, so one early logout does not look like a mass exodus. */
const LEAVE_PRIOR_RETURNS = 10;
/** Short memory of logouts, in agents ending a call (or logging out idle): weight 1/e after this many
 *  (it also forgets with the long memory's time constant, for a team with nobody left to end a call). */
const SHORT_LEAVE_ENDS = 8;
/** Refresh release probabilities at least this often even when no agent changed state. */
const REFRESH_MS = 1000;
/** Running talks and wrap-ups enter the duration estimates (as censored) this often. */
const CENSOR_MS = 5000;
/** Grid of wrap-up lengths on which a talk and the wrap-up after it are convolved. */
const RELEASE_STEP_MS = 1000;

export class AgentPool {
  readonly talk = new DurationEstimator(TALK_MEMORY);
  readonly wrap = new DurationEstimator(WRAP_MEMORY);
  private readonly busy = new Map<number, BusyAgent>();
  private leaves = 0;
  private returns = 0;
  private decayedAtMs = 0;
  private shortLeave = 0;
  private releases = 0;
  private changed = true;
  private outlookAtMs = Number.NEGATIVE_INFINITY;
  private censoredAtMs = Number.NEGATIVE_INFINITY;
  private outlookHorizons: readonly number[] = [];
  private outlook: ReleaseOutlook = { mean: new Float64Array(0), variance: new Float64Array(0) };

  get releasesSeen(): number {
    return this.releases;
  }

  onBusy(agentId: number, tMs: number): void {
    this.busy.set(agentId, { talking: true, sinceMs: tMs });
    this.changed = true;
  }

  onWrapUp(agentId: number, tMs: number): void {
    const a = this.busy.get(agentId);
    if (a?.talking) this.talk.add(tMs - a.sinceMs, tMs);
    this.busy.set(agentId, { talking: false, sinceMs: tMs });
    this.changed = true;
  }

  onReady(agentId: number, tMs: number): void {
    const a = this.busy.get(agentId);
    if (a && !a.talking) {
      this.wrap.add(tMs - a.sinceMs, tMs);
      this.releases++;
      this.decayLeaves(tMs);
      this.returns++;
      this.shortLeave -= this.shortLeave / SHORT_LEAVE_ENDS;
    }
    this.busy.delete(agentId);
    this.changed = true;
  }

  onLogout(agentId: number, tMs: number): void {
    this.decayLeaves(tMs);
    // An idle agent logging out is no lost release, but it is how a team leaving starts.
    this.shortLeave += (1 - this.shortLeave) / SHORT_LEAVE_ENDS;
    if (this.busy.has(agentId)) this.leaves++;
    this.busy.delete(agentId);
    this.changed = true;
  }

  /** P(a busy agent logs out instead of coming back ready), from recent behaviour: the larger of
   *  the long memory and the short one, so a team leaving counts at once. */
  leaveProbability(nowMs: number): number {
    this.decayLeaves(nowMs);
    const long = this.leaves / (this.leaves + this.returns + LEAVE_PRIOR_RETURNS);
    return Math.max(long, this.shortLeave);
  }

  /** Expected releases within each horizon (ms from now); cached between agent changes. */
  releaseOutlook(nowMs: number, horizonsMs: readonly number[]): ReleaseOutlook {
    const sameHorizons =
      horizonsMs.length === this.outlookHorizons.length && horizonsMs.every((h, i) => h === this.outlookHorizons[i]);
    if (!this.changed && sameHorizons && nowMs - this.outlookAtMs < REFRESH_MS) return this.outlook;
    this.changed = false;
    this.outlookAtMs = nowMs;
    if (nowMs - this.censoredAtMs >= CENSOR_MS) this.censorRunning(nowMs);
    this.outlookHorizons = horizonsMs.slice();
    const n = horizonsMs.length;
    const mean = new Float64Array(n);
    const variance = new Float64Array(n);
    const stay = 1 - this.leaveProbability(nowMs);
    const wrapMasses = horizonsMs.map((h) => this.wrapMasses(h));
    for (const a of this.busy.values()) {
      const elapsed = nowMs - a.sinceMs;
      for (let i = 0; i < n; i++) {
        const h = horizonsMs[i] ?? 0;
        // A talking agent is back once its talk and a whole wrap-up fit, over every length the
        // wrap-up may take; at its mean instead, releases are undercounted wherever wrap-ups vary (an
        // exponential wrap-up of 23 s ends within 10 s a third of the time; Benchmark, "Releases").
        const done = a.talking
          ? this.talk.endsWithinThen(elapsed, h, wrapMasses[i] ?? [], RELEASE_STEP_MS)
          : this.wrap.endsWithin(elapsed, h);
        const f = done * stay;
        mean[i] = (mean[i] ?? 0) + f;
        variance[i] = (variance[i] ?? 0) + f * (1 - f);
      }
    }
    this.outlook = { mean, variance };
    return this.outlook;
  }

  /** P(a wrap-up lasts (k − 1, k] steps), k = 1 .. h / step, each counted at its longest (below
   *  1e-4: 0, skipped). Shared by every talking agent. */
  private wrapMasses(h: number): number[] {
    const masses = [0];
    let before = 0;
    for (let k = 1; k * RELEASE_STEP_MS <= h; k++) {
      const ended = this.wrap.endsWithin(0, k * RELEASE_STEP_MS);
      masses.push(ended - before > 1e-4 ? ended - before : 0);
      before = ended;
    }
    return masses;
  }

  /** Talks and wrap-ups still running are censored observations of their durations. */
  censorRunning(nowMs: number): void {
    this.censoredAtMs = nowMs;
    const talking: number[] = [];
    const wrapping: number[] = [];
    for (const a of this.busy.values()) (a.talking ? talking : wrapping).push(nowMs - a.sinceMs);
    this.talk.censor(nowMs, talking);
    this.wrap.censor(nowMs, wrapping);
  }

  private decayLeaves(nowMs: number): void {
    const dt = nowMs - this.decayedAtMs;
    if (dt <= 0) return;
    const k = Math.exp(-dt / LEAVE_MEMORY_MS);
    this.leaves *= k;
    this.returns *= k;
    this.shortLeave *= k;
    this.decayedAtMs = nowMs;
  }
}
