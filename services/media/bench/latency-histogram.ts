/**
 * Latency percentiles without keeping samples, so recording on media's hot path costs an
 * increment: 10 µs buckets up to 100 ms (the range that matters), 1 ms buckets up to 60 s, both
 * allocated once.
 */
const FINE_MS = 0.01;
const FINE_LIMIT_MS = 100;
const COARSE_MS = 1;
const COARSE_LIMIT_MS = 60_000;

export class LatencyHistogram {
  private readonly fine = new Uint32Array(FINE_LIMIT_MS / FINE_MS);
  private readonly coarse = new Uint32Array(COARSE_LIMIT_MS / COARSE_MS);
  private total = 0;
  private maxMs = 0;

  record(ms: number): void {
    this.total++;
    if (ms > this.maxMs) this.maxMs = ms;
    if (ms < FINE_LIMIT_MS) this.fine[Math.max(0, Math.floor(ms / FINE_MS))]!++;
    else this.coarse[Math.min(this.coarse.length - 1, Math.floor(ms / COARSE_MS))]!++;
  }

  get count(): number {
    return this.total;
  }

  get max(): number {
    return this.maxMs;
  }

  /** Upper edge of the bucket holding the q-quantile (0 < q ≤ 1), never above the max seen. */
  quantile(q: number): number {
    if (this.total === 0) return 0;
    const rank = Math.ceil(q * this.total);
    let seen = 0;
    for (let i = 0; i < this.fine.length; i++) {
      seen += this.fine[i]!;
      if (seen >= rank) return Math.min(this.maxMs, (i + 1) * FINE_MS);
    }
    for (let i = 0; i < this.coarse.length; i++) {
      seen += this.coarse[i]!;
      if (seen >= rank) return Math.min(this.maxMs, (i + 1) * COARSE_MS);
    }
    return this.maxMs;
  }
}
