// Tasks leave through the outbox: published with their id as Nats-Msg-Id (JetStream drops a
// repeat within its window; the tasks table drops one after it), then marked. The sweep publishes
// what a crash left behind.

import { events, type PayloadOf } from '@outbound/bus';
import type { Pool } from '@outbound/store';
import type { Logger } from '@outbound/telemetry';
import * as store from '../adapters/sql/evaluation-store.js';
import type { EventPublisher } from './ports.js';

// Published ids are marked in the table in batches (one UPDATE per `markEveryMs`), off the hot
// path: a crash before the mark only means the sweep publishes them again at start, and the bus
// drops the repeat by its id.
export class Outbox {
  private marks: string[] = [];
  private marking: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly bus: EventPublisher,
    private readonly logger: Logger,
    private readonly markEveryMs = 200,
  ) {}

  async publish(rows: store.OutboxRow[]): Promise<void> {
    if (rows.length === 0) return;
    const results = await Promise.allSettled(
      rows.map(async (row) => {
        // The payload was checked against the event's schema when it entered the outbox.
        if (row.channel === 'call')
          await this.bus.publish(events.callTask, row.payload as PayloadOf<typeof events.callTask>, { id: row.taskId });
        else
          await this.bus.publish(events.smsTask, row.payload as PayloadOf<typeof events.smsTask>, { id: row.taskId });
        this.marks.push(row.taskId);
      }),
    );
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.markEveryMs);
    const failed = results.filter((r) => r.status === 'rejected').length;
    if (failed > 0) this.logger.warn({ failed }, 'tasks left in the outbox; the sweep publishes them');
  }

  /** Write the pending marks now (before a sweep, and on stop). */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.marking;
    const ids = this.marks;
    this.marks = [];
    if (ids.length === 0) return;
    this.marking = store.markPublished(this.pool, ids).catch((err: unknown) => {
      this.logger.warn({ err }, 'marking published tasks failed; the sweep publishes them again');
    });
    await this.marking;
  }

  /** Publish tasks written more than `olderThanMs` ago and still unpublished. */
  async sweep(olderThanMs: number): Promise<number> {
    await this.flush();
    const rows = await store.unpublished(this.pool, olderThanMs, 500);
    await this.publish(rows);
    await this.flush();
    return rows.length;
  }
}
