import { events, PoisonMessageError, type Bus, type ConsumerHandle } from '@outbound/bus';
import type { Logger } from '@outbound/telemetry';
import { inWindow, type TimeWindow } from '../../domain/window.js';
import type { AttemptIds, ReadyPublisher, TranscriptionQueue } from '../../use-cases/ports.js';
import { TranscriptionError, type TranscribeRecording } from '../../use-cases/transcribe-recording.js';

/** Jobs go to the RECORDING_JOBS work queue, one per recording (its id de-duplicates a repeat). */
export class JetStreamTranscriptionQueue implements TranscriptionQueue {
  constructor(
    private readonly bus: Bus,
    private readonly queue: string,
  ) {}

  async enqueue(job: AttemptIds & { recordingId: string }): Promise<void> {
    await this.bus.publish(
      events.recordingTranscribe,
      { queue: this.queue, ...job },
      { id: `transcribe-${this.queue}-${job.recordingId}` },
    );
  }
}

export class BusReadyPublisher implements ReadyPublisher {
  constructor(private readonly bus: Bus) {}

  async ready(p: Parameters<ReadyPublisher['ready']>[0]): Promise<void> {
    const r = p.recording;
    await this.bus.publish(
      events.transcriptsReady,
      {
        campaignId: r.campaignId,
        leadId: r.leadId,
        attemptId: r.attemptId,
        callId: r.callId,
        recordingId: r.recordingId,
        intents: p.intents,
        segments: p.segments,
        words: p.words,
        keywordHits: p.keywordHits,
        sensitiveHits: p.sensitiveHits,
        durationMs: r.durationMs ?? 0,
        engine: p.engine,
      },
      // One fact per recording: a retried job's repeat is dropped by JetStream.
      { id: `transcripts.ready.${r.recordingId}` },
    );
  }
}

export interface WorkerOptions {
  readonly bus: Bus;
  readonly durable: string;
  /** The queue's name (the jobs' subject token). */
  readonly queue: string;
  readonly transcribe: TranscribeRecording;
  readonly concurrency: number;
  readonly maxAttempts: number;
  readonly backoffMs: number;
  readonly ackWaitMs: number;
  /** Jobs are taken only inside this window (wall clock of `zone`); undefined: always. */
  readonly window?: TimeWindow | undefined;
  readonly zone: string;
  readonly logger: Logger;
  readonly now?: () => number;
  /** How often the window is looked at. */
  readonly checkEveryMs?: number;
}

/**
 * The transcription worker: a durable pull consumer on the work queue with at most `concurrency`
 * jobs at once, retries with exponential back-off, dead letters (`dlq.RECORDING_JOBS.<durable>`,
 * reason in a header) for a bad file at once and for anything else after the last attempt. With a
 * window, the consumer runs only inside it: outside, nothing is pulled and jobs wait in the queue.
 */
export class TranscriptionWorker {
  private consumer: ConsumerHandle | undefined;
  private timer: NodeJS.Timeout | undefined;
  private transition: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly abort = new AbortController();

  constructor(private readonly options: WorkerOptions) {}

  get running(): boolean {
    return this.consumer !== undefined;
  }

  async start(): Promise<void> {
    await this.check();
    if (this.options.window === undefined) return;
    this.timer = setInterval(() => void this.check(), this.options.checkEveryMs ?? 30_000);
    this.timer.unref();
  }

  /** Stop pulling, let the jobs in hand finish (the engine is aborted after `graceMs`), then return. */
  async stop(graceMs = 30_000): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    const abort = setTimeout(() => this.abort.abort(), graceMs);
    try {
      await this.transition;
      await this.consumer?.stop();
      this.consumer = undefined;
    } finally {
      clearTimeout(abort);
    }
  }

  private check(): Promise<void> {
    this.transition = this.transition.then(async () => {
      if (this.stopped) return;
      const open = inWindow(this.options.window, this.options.zone, (this.options.now ?? Date.now)());
      try {
        if (open && this.consumer === undefined) {
          this.consumer = await this.consume();
          if (this.options.window) this.options.logger.info('transcription window open: taking jobs');
        } else if (!open && this.consumer !== undefined) {
          const consumer = this.consumer;
          this.consumer = undefined;
          await consumer.stop();
          this.options.logger.info('transcription window closed: jobs wait for the next one');
        }
      } catch (error) {
        this.options.logger.error({ err: error }, 'transcription worker could not change state; tried again later');
      }
    });
    return this.transition;
  }

  private consume(): Promise<ConsumerHandle> {
    const o = this.options;
    return o.bus.consume({
      event: events.recordingTranscribe,
      durable: o.durable,
      filterSubject: events.recordingTranscribe.subjectForKey(o.queue),
      concurrency: o.concurrency,
      maxDeliver: o.maxAttempts,
      ackWaitMs: o.ackWaitMs,
      nakDelayMs: (n) => Math.min(o.backoffMs * 32, o.backoffMs * 2 ** (n - 1)),
      handler: async ({ event, deliveryCount }) => {
        try {
          await o.transcribe.run(event.data, deliveryCount >= o.maxAttempts, this.abort.signal);
        } catch (error) {
          // A bad file will not get better: dead letters now, with the reason.
          if (error instanceof TranscriptionError && error.permanent)
            throw new PoisonMessageError(error.message, { cause: error, reason: error.code });
          throw error;
        }
      },
    });
  }
}
