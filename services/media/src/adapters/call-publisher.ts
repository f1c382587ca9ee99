import { events, type Bus } from '@outbound/bus';
import { context, extractTraceContext, type Logger } from '@outbound/telemetry';
import { callEventId, type CallEvent } from '../domain/call-events.js';

/** Optional measurements of the event path (benchmarks, metrics); called on the hot path, so keep it cheap. */
export interface MediaObserver {
  /** From the ESL event reaching media (`performance.now()` at arrival) to JetStream's publish ack. */
  eslToNatsMs(ms: number): void;
  /** A call event is out on JetStream (counted by kind and, for hang-ups, by cause). */
  published?(event: CallEvent): void;
}

/**
 * Publishes domain call events as `calls.*` on JetStream, in the call's own trace (the
 * traceparent that came back on the channel), with a deterministic event id per (call, kind) so
 * a retried or duplicated publish is dropped by JetStream's Nats-Msg-Id de-duplication.
 * Events of one call are published in order; different calls go in parallel.
 *
 * Publishes start together once per event-loop turn (setImmediate): everything the ESL sockets
 * delivered in one turn then leaves in one NATS write instead of one write (and one wake-up of
 * the server) per event. Under load more arrives per turn, so batches grow exactly when it helps.
 */
export class CallPublisher {
  private readonly tails = new Map<string, Promise<void>>();
  private waiting: Array<() => void> = [];
  private scheduled = false;

  /** `bus` is read at publish time: the publisher exists before NATS is connected. */
  constructor(
    private readonly bus: () => Bus | undefined,
    private readonly logger: Logger,
    private readonly observer?: MediaObserver,
  ) {}

  /** `eslArrivedAtMs`: `performance.now()` when the ESL event behind this call event arrived, if one did. */
  publish(event: CallEvent, traceparent?: string, eslArrivedAtMs?: number): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(() => resolve(this.chain(event, traceparent, eslArrivedAtMs)));
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => this.startWaiting());
    });
  }

  /** Waits for every publish in flight (drain on shutdown). */
  async flush(): Promise<void> {
    this.startWaiting();
    await Promise.allSettled([...this.tails.values()]);
  }

  private startWaiting(): void {
    const batch = this.waiting;
    this.waiting = [];
    this.scheduled = false;
    for (const start of batch) start();
  }

  private chain(event: CallEvent, traceparent: string | undefined, eslArrivedAtMs: number | undefined): Promise<void> {
    const key = event.call.callId;
    const previous = this.tails.get(key) ?? Promise.resolve();
    const next = previous
      .then(async () => {
        await this.send(event, traceparent);
        if (eslArrivedAtMs !== undefined) this.observer?.eslToNatsMs(performance.now() - eslArrivedAtMs);
        this.observer?.published?.(event);
      })
      .catch((error: unknown) => {
        this.logger.error(
          { callId: key, kind: event.kind, err: (error as Error).message },
          'publishing a call event failed',
        );
      });
    this.tails.set(key, next);
    void next.finally(() => {
      if (this.tails.get(key) === next) this.tails.delete(key);
    });
    return next;
  }

  private async send(event: CallEvent, traceparent?: string): Promise<void> {
    const parentTrace = traceparent ?? event.call.traceparent;
    const ctx = parentTrace ? extractTraceContext({ traceparent: parentTrace }) : context.active();
    const base = {
      campaignId: event.call.campaignId,
      leadId: event.call.leadId,
      attemptId: event.call.attemptId,
      callId: event.call.callId,
      node: event.call.node,
    };
    const options = { id: callEventId(event), occurredAt: new Date(event.atMs) };
    const bus = this.bus();
    if (bus === undefined) throw new Error('the bus is not connected');
    await context.with(ctx, async () => {
      switch (event.kind) {
        case 'originated':
          await bus.publish(events.callOriginated, base, options);
          return;
        case 'ringing':
          await bus.publish(events.callRinging, { ...base, earlyMedia: event.earlyMedia }, options);
          return;
        case 'answered':
          await bus.publish(events.callAnswered, base, options);
          return;
        case 'amd':
          await bus.publish(
            events.callAmd,
            { ...base, verdict: event.verdict, detectMs: event.detectMs, detector: event.detector },
            options,
          );
          return;
        case 'bridged':
          await bus.publish(events.callBridged, { ...base, agentCallId: event.agentCallId }, options);
          return;
        case 'recorded':
          await bus.publish(
            events.callRecorded,
            {
              ...base,
              recordingId: event.recordingId,
              path: event.path,
              ...(event.durationMs === undefined ? {} : { durationMs: event.durationMs }),
              ...(event.sizeBytes === undefined ? {} : { sizeBytes: event.sizeBytes }),
              ...(event.cause === undefined ? {} : { cause: event.cause }),
            },
            options,
          );
          return;
        case 'hangup':
          await bus.publish(
            events.callHangup,
            {
              ...base,
              cause: event.cause,
              billsec: event.billsec,
              answered: event.answered,
              ...(event.answeredAtMs === undefined ? {} : { answeredAt: new Date(event.answeredAtMs).toISOString() }),
              ...(event.bridge === undefined
                ? {}
                : { bridgedAt: new Date(event.bridge.atMs).toISOString(), agentCallId: event.bridge.agentCallId }),
              ...(event.sipStatus === undefined ? {} : { sipStatus: event.sipStatus }),
            },
            options,
          );
          return;
      }
    });
  }
}
