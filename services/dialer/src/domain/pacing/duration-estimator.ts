// Empirical distribution of a duration (talk time, wrap-up) from its most recent samples, and the
// chance that something already running for `elapsed` ends within the next `ahead` ms. Works for
// any shape (heavy tails included) because it never assumes one.
//
// Durations still running are right-censored observations (Kaplan–Meier): without them, the
// samples early in a shift are only the calls that ended quickly (and machines handed to agents),
// and every long call in progress would look about to end.
//
// Once the memory is full it holds the durations that ended since its oldest end, E0; beside the
// durations still running, that sample favours long ones (a long one is in it if it ended or is
// running at any time since E0, a short one only if it started after E0, roughly). Each duration
// therefore enters the table at the age it had at E0 (left truncation, "delayed entry"): without
// it an exponential wrap-up of 23 s read 27 to 29 s (Benchmark, "Releases").

const REBUILD_EVERY = 25;
const STEP_MS = 1000;
/** Below this survival the table is too thin to trust; fall back to an exponential tail. */
const THIN_TAIL = 0.02;

export class DurationEstimator {
  private readonly samples: Float64Array;
  /** When each sample ended. */
  private readonly endedAt: Float64Array;
  private count = 0;
  private next = 0;
  private sinceRebuild = 0;
  /** Start instants of the durations still running, and when they were last seen running. */
  private runningStarts: number[] = [];
  private runningAtMs = 0;
  /** survival[i] = P(duration > i * STEP_MS), Kaplan–Meier over samples and running durations. */
  private survival = new Float64Array(1);
  private mean = 0;

  constructor(memory: number) {
    this.samples = new Float64Array(memory);
    this.endedAt = new Float64Array(memory);
  }

  /** A duration of `ms` that ended at `endMs`. */
  add(ms: number, endMs: number): void {
    const x = Math.max(0, ms);
    if (this.count < this.samples.length) this.count++;
    this.samples[this.next] = x;
    this.endedAt[this.next] = endMs;
    this.next = (this.next + 1) % this.samples.length;
    if (++this.sinceRebuild >= REBUILD_EVERY || this.count <= REBUILD_EVERY) this.rebuild();
  }

  /** Durations still running at `nowMs` (ms so far): censored observations for the next rebuild. */
  censor(nowMs: number, runningMs: readonly number[]): void {
    this.runningStarts = runningMs.map((x) => nowMs - Math.max(0, x));
    this.runningAtMs = nowMs;
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

  /**
   * P(it ends, and then a further delay fits, within `aheadMs`): Σ_k delays[k] · endsWithin(elapsed,
   * ahead − k steps of `stepMs`), `delays[k]` the chance the delay takes k steps. One pass over the
   * table where `endsWithin` would branch for each k.
   */
  endsWithinThen(elapsedMs: number, aheadMs: number, delays: readonly number[], stepMs: number): number {
    const s0 = this.survivalAt(elapsedMs);
    const fast = this.count > 0 && s0 > THIN_TAIL && elapsedMs < (this.survival.length - 1) * STEP_MS;
    let p = 0;
    for (let k = 1; k < delays.length; k++) {
      const weight = delays[k] ?? 0;
      const rest = aheadMs - k * stepMs;
      if (rest <= 0) break;
      if (weight <= 0) continue;
      p +=
        weight * (fast ? Math.max(0, s0 - this.survivalAt(elapsedMs + rest)) / s0 : this.endsWithin(elapsedMs, rest));
    }
    return Math.min(1, p);
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
    const n = this.count;
    // E0: the oldest end still remembered (none while the memory is not yet full).
    const e0 = n === this.samples.length ? (this.endedAt[this.next] ?? 0) : Number.NEGATIVE_INFINITY;
    const entryOf = (startMs: number): number => Math.max(0, e0 - startMs);
    const ends = this.samples.slice(0, n);
    const entries: number[] = [];
    for (let k = 0; k < n; k++) entries.push(entryOf((this.endedAt[k] ?? 0) - (ends[k] ?? 0)));
    const running = this.runningStarts.map((start) => this.runningAtMs - start);
    for (const start of this.runningStarts) entries.push(entryOf(start));
    ends.sort();
    running.sort((x, y) => x - y);
    entries.sort((x, y) => x - y);
    const max = Math.max(ends[ends.length - 1] ?? 0, running[running.length - 1] ?? 0);
    const steps = Math.ceil(max / STEP_MS) + 2;
    const table = new Float64Array(steps);
    let atRisk = 0;
    let s = 1;
    let i = 0;
    let j = 0;
    let e = 0;
    let area = 0;
    for (let k = 0; k < steps; k++) {
      const t = k * STEP_MS;
      // Ends at or before t leave the risk set as events; running ones (at or before t) as censored.
      // At equal times, entries come first and ends before running ones (the usual convention).
      while (i < ends.length && (ends[i] ?? 0) <= t) {
        const end = ends[i] ?? 0;
        for (; e < entries.length && (entries[e] ?? 0) <= end; e++) atRisk++;
        for (; j < running.length && (running[j] ?? 0) < end; j++) atRisk--;
        if (atRisk > 0) s *= 1 - 1 / atRisk;
        atRisk--;
        i++;
      }
      for (; e < entries.length && (entries[e] ?? 0) <= t; e++) atRisk++;
      for (; j < running.length && (running[j] ?? 0) <= t; j++) atRisk--;
      table[k] = s;
      area += s * STEP_MS;
    }
    this.survival = table;
    // What survives past the table is at least as long again as the table (a cautious tail).
    this.mean = area + s * max;
  }
}
