// The elapsed-time scheduler: timers live in PostgreSQL (nothing only in memory), so a restart
// loses none; every replica polls, and `FOR UPDATE SKIP LOCKED` plus the claimed-facts inbox make
// each timer fire once however many replicas poll. The same loop sweeps the outbox.

import type { Logger } from '@outbound/telemetry';
import type { FactEvaluator } from './evaluate-facts.js';
import type { Outbox } from './outbox.js';

export interface SchedulerOptions {
  pollMs: number;
  batch: number;
  /** Publish outbox rows older than this (left by a crash between commit and publish). */
  sweepAfterMs: number;
}

export class Scheduler {
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  private stopped = true;
  private lastSweep = 0;

  constructor(
    private readonly evaluator: FactEvaluator,
    private readonly outbox: Outbox,
    private readonly logger: Logger,
    private readonly options: SchedulerOptions,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.round;
  }

  /** One round now (tests): fire everything due, then sweep. */
  async tick(): Promise<number> {
    let fired = 0;
    for (;;) {
      const n = await this.evaluator.fireDue(this.options.batch);
      fired += n;
      if (n < this.options.batch || this.stopped) break;
    }
    if (Date.now() - this.lastSweep >= this.options.sweepAfterMs) {
      this.lastSweep = Date.now();
      await this.outbox.sweep(this.options.sweepAfterMs);
    }
    return fired;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.round = this.tick()
        .then((fired) => {
          if (fired > 0) this.logger.debug({ fired }, 'timers fired');
        })
        .catch((error: unknown) => this.logger.warn({ err: error }, 'scheduler round failed; retrying'))
        .finally(() => this.schedule(this.options.pollMs));
    }, delayMs);
    this.timer.unref();
  }
}
