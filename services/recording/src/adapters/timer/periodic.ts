import type { Logger } from '@outbound/telemetry';

/**
 * A chore run every `everyMs` (first run after `firstAfterMs`), one run at a time; `stop` aborts the
 * run in hand through its signal and waits for it to return.
 */
export class Periodic {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly abort = new AbortController();

  constructor(
    private readonly name: string,
    private readonly everyMs: number,
    private readonly run: (signal: AbortSignal) => Promise<unknown>,
    private readonly logger: Logger,
    private readonly firstAfterMs = 5_000,
  ) {}

  start(): void {
    const tick = () => {
      if (this.abort.signal.aborted) return;
      this.running = this.run(this.abort.signal)
        .then(
          () => undefined,
          (error: unknown) => this.logger.error({ err: error, chore: this.name }, 'chore failed; runs again later'),
        )
        .finally(() => {
          this.running = undefined;
          if (!this.abort.signal.aborted) this.timer = setTimeout(tick, this.everyMs).unref();
        });
    };
    this.timer = setTimeout(tick, this.firstAfterMs).unref();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
