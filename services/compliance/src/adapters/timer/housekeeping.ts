import type { Logger } from '@outbound/telemetry';
import type { Chore } from '../../use-cases/housekeeping-chores.js';

export type { Chore };

/**
 * Drives the chores (use cases) on timers: each runs once at start and then every `everyMs`, never
 * two runs of one chore at once; a failed run is logged and the next one comes as scheduled.
 * `stop()` aborts runs in progress and waits for them.
 */
export class Housekeeping {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly running = new Map<string, Promise<void>>();
  private readonly stopping = new AbortController();

  constructor(
    private readonly chores: readonly Chore[],
    private readonly logger: Logger,
  ) {}

  start(): void {
    for (const chore of this.chores) {
      this.kick(chore);
      const timer = setInterval(() => this.kick(chore), chore.everyMs);
      timer.unref();
      this.timers.push(timer);
    }
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.stopping.abort();
    await Promise.all(this.running.values());
  }

  private kick(chore: Chore): void {
    if (this.running.has(chore.name) || this.stopping.signal.aborted) return;
    const run = chore
      .run(this.stopping.signal)
      .catch((error: unknown) =>
        this.logger.error(
          { err: error, chore: chore.name },
          'housekeeping run failed; the next one comes as scheduled',
        ),
      )
      .finally(() => this.running.delete(chore.name));
    this.running.set(chore.name, run);
  }
}
