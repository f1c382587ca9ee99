// Logged-in agents over time, kept as agent-time per minute: the mean staffing behind a recent
// answer rate, so the answers expected from now on scale with the agents logged in now.
const BUCKET_MS = 60_000;
/** Minutes kept: more than the longest lookback read (the pacer's answer-rate lookback, 10 minutes). */
const KEEP_BUCKETS = 60;

export class StaffingHistory {
  private readonly agentMs = new Map<number, number>();
  private oldestBucket: number | null = null;
  private firstMs: number | null = null;
  private lastMs: number | null = null;
  private lastAgents = 0;

  /** The agents logged in at `nowMs` (a snapshot); the time since the previous one is credited to
   *  the previous count. A snapshot older than the last is ignored. */
  record(nowMs: number, agentsLoggedIn: number): void {
    if (this.lastMs !== null && nowMs < this.lastMs) return;
    if (this.lastMs !== null && nowMs > this.lastMs) {
      const bucket = Math.floor(this.lastMs / BUCKET_MS);
      this.agentMs.set(bucket, (this.agentMs.get(bucket) ?? 0) + this.lastAgents * (nowMs - this.lastMs));
      // Drop every minute past the kept span, including minutes skipped between snapshots.
      this.oldestBucket ??= bucket;
      for (; this.oldestBucket < bucket - KEEP_BUCKETS; this.oldestBucket++) this.agentMs.delete(this.oldestBucket);
    }
    this.firstMs ??= nowMs;
    this.lastMs = nowMs;
    this.lastAgents = agentsLoggedIn;
  }

  /** Mean agents logged in over the minutes the ledger's answer rate reads for the same lookback
   *  (from the minute `lookbackMs` ago to now); 0 before the first snapshot. */
  meanOver(nowMs: number, lookbackMs: number): number {
    if (this.firstMs === null || this.lastMs === null) return 0;
    const from = Math.max(Math.floor(this.firstMs / BUCKET_MS), Math.floor((nowMs - lookbackMs) / BUCKET_MS));
    let agentMs = 0;
    for (let j = from; j <= Math.floor(nowMs / BUCKET_MS); j++) agentMs += this.agentMs.get(j) ?? 0;
    // Agent-time is counted up to the last snapshot, from the first one.
    const span = Math.min(nowMs, this.lastMs) - Math.max(from * BUCKET_MS, this.firstMs);
    return span > 0 ? agentMs / span : this.lastAgents;
  }
}
