// Empirical distribution of a duration (talk time, wrap-up) from its most recent samples, and the
// chance that something already running for `elapsed` ends within the next `ahead` ms. Works for
// any shape (heavy tails included) because it never assumes one.
//
// Durations still running are right-censored observations (Kaplan–Meier): without them, the
// samples early in a shift are only the calls that ended quickly (and machines handed to agents),
// and every long call in progress would look about to end.

const REBUILD_EVERY = 25;
const STEP_MS = 1000;
/** Below this survival the table is too thin to trust; fall back to an exponential tail. */
const THIN_TAIL = 0.02;

export class DurationEstimator {
  private readonly samples: Float64Array;
  private count = 0;
  private next = 0;
  private sinceRebuild = 0;
  private censored: number[] = [];
  /** survival[i] = P(duration > i * STEP_MS), Kaplan–Meier over samples and running durations. */
  private survival = new Float64Array(1);
  private mean = 0;

  constructor(memory: number) {
    this.samples = new Float64Array(memory);
  }

  add(ms: number): void {
    const x = Math.max(0, ms);
    if (this.count < this.samples.length) this.count++;
    this.samples[this.next] = x;
    this.next = (this.next + 1) % this.samples.length;
    if (++this.sinceRebuild >= REBUILD_EVERY || this.count <= REBUILD_EVERY) this.rebuild();
  }

  /** Durations still running (ms so far): censored observations for the next rebuild. */
  censor(runningMs: readonly number[]): void {
    this.censored = runningMs.map((x) => Math.max(0, x));
    this.rebuild();
  }

  get size(): number {
    return this.count;
  }

  /** Mean duration (Kaplan–Meier; durations still running count at least as long as they ran). */
  get meanMs(): number {
    return this.mean;
  }

  /** P(duration <= elapsed + ahead | duration > elapsed). */
  endsWithin(elapsedMs: number, aheadMs: number): number {
    if (aheadMs <= 0) return 0;
    if (this.count === 0) return 1 - Math.exp(-aheadMs / 60_000);
    const last = (this.survival.length - 1) * STEP_MS;
    const s0 = this.survivalAt(elapsedMs);
    if (s0 <= THIN_TAIL) return 1 - Math.exp(-aheadMs / Math.max(STEP_MS, this.mean));
    // Beyond everything observed: expect at least as long again as it has run so far.
    if (elapsedMs >= last) return 1 - Math.exp(-aheadMs / Math.max(STEP_MS, this.mean, elapsedMs));
    return Math.max(0, Math.min(1, (s0 - this.survivalAt(elapsedMs + aheadMs)) / s0));
  }

  private survivalAt(ms: number): number {
    const x = Math.max(0, ms) / STEP_MS;
    const i = Math.floor(x);
    const last = this.survival.length - 1;
    if (i >= last) return this.survival[last] ?? 0;
    const a = this.survival[i] ?? 0;
    const b = this.survival[i + 1] ?? 0;
    return a + (b - a) * (x - i);
  }

  private rebuild(): void {
    this.sinceRebuild = 0;
    if (this.count === 0) return;
    const ends = this.samples.slice(0, this.count).sort();
    const running = Float64Array.from(this.censored).sort();
    const max = Math.max(ends[ends.length - 1] ?? 0, running[running.length - 1] ?? 0);
    const steps = Math.ceil(max / STEP_MS) + 2;
    const table = new Float64Array(steps);
    let atRisk = ends.length + running.length;
    let s = 1;
    let i = 0;
    let j = 0;
    let area = 0;
    for (let k = 0; k < steps; k++) {
      const t = k * STEP_MS;
      // Ends at or before t leave the risk set as events; running ones (at or before t) as censored.
      // At equal times, ends come first (the usual Kaplan–Meier convention).
      while (i < ends.length && (ends[i] ?? 0) <= t) {
        while (j < running.length && (running[j] ?? 0) < (ends[i] ?? 0)) {
          atRisk--;
          j++;
        }
        if (atRisk > 0) s *= 1 - 1 / atRisk;
        atRisk--;
        i++;
      }
      while (j < running.length && (running[j] ?? 0) <= t) {
        atRisk--;
        j++;
      }
      table[k] = s;
      area += s * STEP_MS;
    }
    this.survival = table;
    // What survives past the table is at least as long again as the table (a cautious tail).
    this.mean = area + s * max;
  }
}
