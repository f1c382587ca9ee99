// Empirical distribution of a duration (talk time, wrap-up) from its most recent samples, and the
// chance that something already running for `elapsed` ends within the next `ahead` ms. Works for
// any shape (heavy tails included) because it never assumes one.

const REBUILD_EVERY = 25;
const STEP_MS = 1000;
/** Below this survival the table is too thin to trust; fall back to an exponential tail. */
const THIN_TAIL = 0.02;

export class DurationEstimator {
  private readonly samples: Float64Array;
  private count = 0;
  private next = 0;
  private sum = 0;
  private sinceRebuild = 0;
  /** survival[i] = share of samples longer than i * STEP_MS. */
  private survival = new Float64Array(1);

  constructor(memory: number) {
    this.samples = new Float64Array(memory);
  }

  add(ms: number): void {
    const x = Math.max(0, ms);
    if (this.count === this.samples.length) this.sum -= this.samples[this.next] ?? 0;
    else this.count++;
    this.samples[this.next] = x;
    this.sum += x;
    this.next = (this.next + 1) % this.samples.length;
    if (++this.sinceRebuild >= REBUILD_EVERY || this.count <= REBUILD_EVERY) this.rebuild();
  }

  get size(): number {
    return this.count;
  }

  get meanMs(): number {
    return this.count > 0 ? this.sum / this.count : 0;
  }

  /** P(duration <= elapsed + ahead | duration > elapsed). */
  endsWithin(elapsedMs: number, aheadMs: number): number {
    if (aheadMs <= 0) return 0;
    if (this.count === 0) return 1 - Math.exp(-aheadMs / 60_000);
    const s0 = this.survivalAt(elapsedMs);
    if (s0 <= THIN_TAIL) return 1 - Math.exp(-aheadMs / Math.max(STEP_MS, this.meanMs));
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
    const sorted = this.samples.slice(0, this.count).sort();
    const max = sorted[sorted.length - 1] ?? 0;
    const steps = Math.ceil(max / STEP_MS) + 2;
    const table = new Float64Array(steps);
    let j = 0;
    for (let i = 0; i < steps; i++) {
      while (j < sorted.length && (sorted[j] ?? 0) <= i * STEP_MS) j++;
      table[i] = (sorted.length - j) / sorted.length;
    }
    this.survival = table;
  }
}
