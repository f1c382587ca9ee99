import type { EslError } from '../errors.js';
import { EslTimeoutError } from '../errors.js';
import type { EslEvent } from '../frame/event.js';
import type { CancelTimer, Clock } from './clock.js';

export interface BackgroundJobResult {
  readonly jobUuid: string;
  /** The job's output, e.g. `+OK <uuid>\n` or `-ERR USER_BUSY\n`. */
  readonly body: string;
  /** False when the body starts with `-` (`-ERR USER_BUSY`). */
  readonly ok: boolean;
  readonly event: EslEvent;
}

interface PendingJob {
  readonly operation: string;
  readonly resolve: (result: BackgroundJobResult) => void;
  readonly reject: (error: EslError) => void;
  readonly cancelTimer: CancelTimer;
}

/** bgapi jobs waiting for their BACKGROUND_JOB event, keyed by the Job-UUID we minted. */
export class JobRegistry {
  private readonly pending = new Map<string, PendingJob>();

  constructor(private readonly clock: Clock) {}

  get size(): number {
    return this.pending.size;
  }

  register(jobUuid: string, operation: string, timeoutMs: number): Promise<BackgroundJobResult> {
    const promise = new Promise<BackgroundJobResult>((resolve, reject) => {
      const cancelTimer = this.clock.schedule(timeoutMs, () => {
        if (this.pending.delete(jobUuid)) reject(new EslTimeoutError(operation, timeoutMs));
      });
      this.pending.set(jobUuid, { operation, resolve, reject, cancelTimer });
    });
    // The caller awaits this only after the command/reply; a disconnect in between must not
    // surface as an unhandled rejection. Awaiting it later still sees the rejection.
    promise.catch(() => undefined);
    return promise;
  }

  settle(event: EslEvent): void {
    const jobUuid = event.jobUuid;
    if (jobUuid === undefined) return;
    const job = this.pending.get(jobUuid);
    if (job === undefined) return;
    this.pending.delete(jobUuid);
    job.cancelTimer();
    const body = event.body ?? '';
    job.resolve({ jobUuid, body, ok: !body.startsWith('-'), event });
  }

  forget(jobUuid: string): void {
    this.pending.get(jobUuid)?.cancelTimer();
    this.pending.delete(jobUuid);
  }

  rejectAll(errorFor: (operation: string) => EslError): void {
    for (const [jobUuid, job] of this.pending) {
      this.pending.delete(jobUuid);
      job.cancelTimer();
      job.reject(errorFor(job.operation));
    }
  }
}
