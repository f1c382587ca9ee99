// Every predictive pacing decision, stored per campaign so a day's pacing can be audited. The
// pacer decides several times a second: decisions are buffered and written in batches (one
// INSERT per flush), flushed on a timer and on stop.

import type { Pool } from '@outbound/store';
import { tableOf } from './sql-names.js';
import type { PacingDecision } from '../../domain/pacing/index.js';

export interface StoredDecision {
  readonly campaignId: string;
  readonly decidedAt: Date;
  readonly decision: PacingDecision;
}

export interface PacingDecisionsOptions {
  /** Flush when this many are buffered. */
  batchSize: number;
  flushEveryMs: number;
  /** A failed flush keeps its decisions for the next one, up to this many (oldest dropped, counted). */
  maxBuffered: number;
  onError: (error: unknown) => void;
}

export class PacingDecisionLog {
  private readonly table: string;
  private buffer: StoredDecision[] = [];
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Decisions dropped because the database could not take them in time. */
  dropped = 0;

  constructor(
    private readonly pool: Pool,
    schema: string,
    private readonly options: PacingDecisionsOptions = {
      batchSize: 200,
      flushEveryMs: 1_000,
      maxBuffered: 50_000,
      onError: () => undefined,
    },
  ) {
    this.table = tableOf(schema, 'pacing_decisions');
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush().catch(this.options.onError), this.options.flushEveryMs);
    this.timer.unref();
  }

  record(campaignId: string, decision: PacingDecision, decidedAt = new Date()): void {
    this.buffer.push({ campaignId, decidedAt, decision });
    if (this.buffer.length > this.options.maxBuffered) {
      const excess = this.buffer.length - this.options.maxBuffered;
      this.buffer.splice(0, excess);
      this.dropped += excess;
    }
    if (this.buffer.length >= this.options.batchSize) void this.flush().catch(this.options.onError);
  }

  /** Writes what is buffered (one flush at a time; a failed batch goes back to the front). */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    this.flushing = this.pool
      .query(
        `INSERT INTO ${this.table} (campaign_id, decided_at, launched, decision)
         SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::int[], $4::jsonb[])`,
        [
          batch.map((d) => d.campaignId),
          batch.map((d) => d.decidedAt),
          batch.map((d) => d.decision.launch),
          batch.map((d) => JSON.stringify(d.decision)),
        ],
      )
      .then(
        () => undefined,
        (error: unknown) => {
          this.buffer = [...batch, ...this.buffer];
          throw error;
        },
      )
      .finally(() => {
        this.flushing = undefined;
      });
    await this.flushing;
  }

  async list(campaignId: string, from: Date, to: Date, limit: number): Promise<StoredDecision[]> {
    const { rows } = await this.pool.query<{ decided_at: Date; decision: PacingDecision }>(
      `SELECT decided_at, decision FROM ${this.table}
        WHERE campaign_id = $1 AND decided_at >= $2 AND decided_at < $3
        ORDER BY decided_at LIMIT $4`,
      [campaignId, from, to, limit],
    );
    return rows.map((row) => ({ campaignId, decidedAt: row.decided_at, decision: row.decision }));
  }

  /** Stops the timer and writes what is left. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
