import {
  AckPolicy,
  DeliverPolicy,
  RetentionPolicy,
  StorageType,
  connect,
  headers as natsHeaders,
  nanos,
  type Consumer,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type MsgHdrs,
  type NatsConnection,
} from 'nats';
import type { TextMapGetter, TextMapSetter } from '@opentelemetry/api';
import { retry, sleep, type RetryPolicy } from '@outbound/errors';
import {
  ConsumerMetrics,
  SpanKind,
  extractTraceContext,
  injectTraceContext,
  instrument,
  redactText,
  type Attributes,
  type Logger,
  type Meter,
} from '@outbound/telemetry';
import { envelopeSchema, newEventId, type Envelope } from './envelope.js';
import { PoisonMessageError, PublishError } from './errors.js';
import { STREAMS, type EventType, type StreamSpec } from './events.js';

const headerSetter: TextMapSetter<MsgHdrs> = { set: (carrier, key, value) => carrier.set(key, value) };
const headerGetter: TextMapGetter<MsgHdrs> = {
  get: (carrier, key) => carrier.get(key) || undefined,
  keys: (carrier) => carrier.keys(),
};

export const EVENT_TYPE_HEADER = 'Outbound-Event-Type';
export const DEAD_LETTER_PREFIX = 'dlq';

export interface BusOptions {
  url: string;
  /** Client name shown in NATS monitoring, e.g. the service name. */
  name: string;
  logger: Logger;
  /** Window in which JetStream drops a second publish with the same Nats-Msg-Id. */
  duplicateWindowMs?: number;
  /**
   * Where the consumers' metrics go: messaging.process.duration and .errors per event type and
   * durable, and messaging.consumer.lag (messages not yet delivered) read from JetStream at each
   * collection. None: not recorded.
   */
  meter?: Meter;
}

/** A running consumer whose lag is reported. */
interface Lagging {
  consumer: Consumer;
  attributes: Attributes;
}

export interface PublishOptions {
  /** The event id, used as Nats-Msg-Id; mint it before the first try so retries de-duplicate. */
  id?: string;
  occurredAt?: Date;
  retry?: RetryPolicy;
}

export interface PublishResult {
  id: string;
  seq: number;
  duplicate: boolean;
}

export interface Delivery<Payload> {
  event: Envelope<Payload>;
  subject: string;
  /** 1 on first delivery. */
  deliveryCount: number;
  /** When the stream stored the message (the publisher's moment, on the server's clock), epoch ms. */
  storedAtMs: number;
}

export interface ConsumerOptions<Payload> {
  event: EventType<string, Payload>;
  /** Durable name: one per consuming service and purpose. */
  durable: string;
  /** Narrower subject than the event's filter, e.g. one campaign. */
  filterSubject?: string;
  /** Deliveries before the message goes to the dead-letter subject. */
  maxDeliver?: number;
  ackWaitMs?: number;
  /**
   * Where a consumer created for the first time starts: `all` (default) replays the stream's
   * retained history, `new` takes only what is published from now on. An existing durable
   * always resumes where it stopped.
   */
  deliverFrom?: 'all' | 'new';
  /**
   * The server removes the durable after this long without a pull: for a consumer of one process
   * instance (a gateway replica's live view) whose durable would otherwise outlive it.
   */
  inactiveAfterMs?: number;
  /** Delay before a failed message is redelivered, by delivery count. */
  nakDelayMs?: (deliveryCount: number) => number;
  /**
   * Messages handled at once (default 1: one at a time, in order). More suits a handler whose
   * messages are independent of each other and that waits on I/O: one slow message no longer
   * holds up those behind it, at the cost of their order.
   */
  concurrency?: number;
  handler: (delivery: Delivery<Payload>) => Promise<void>;
}

export interface ConsumerHandle {
  /** Stop pulling, finish the message in hand, then return. */
  stop(): Promise<void>;
  readonly done: Promise<void>;
}

/**
 * The platform's one door to NATS JetStream: streams declared from code, typed events in
 * versioned envelopes, de-duplicated publishes, durable pull consumers with explicit acks,
 * bounded redelivery and dead letters, and W3C trace context in headers.
 */
export class Bus {
  private readonly metrics: ConsumerMetrics | undefined;
  private readonly lagging = new Set<Lagging>();

  private constructor(
    readonly connection: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly options: BusOptions,
  ) {
    const meter = options.meter;
    if (!meter) return;
    this.metrics = new ConsumerMetrics(meter);
    meter
      .createObservableGauge('messaging.consumer.lag', {
        unit: '{message}',
        description: 'Messages in the stream not yet delivered to the durable consumer',
      })
      .addCallback(async (result) => {
        // One consumer-info request per consumer per scrape, never on the message path.
        await Promise.all(
          [...this.lagging].map(async ({ consumer, attributes }) => {
            try {
              const info = await consumer.info();
              result.observe(info.num_pending, attributes);
            } catch (error) {
              // No sample this scrape (a stale one would hide the outage); said once per scrape.
              options.logger.warn(
                { err: error, consumer: attributes['messaging.consumer.group.name'] },
                'consumer lag unreadable',
              );
            }
          }),
        );
      });
  }

  static async connect(options: BusOptions): Promise<Bus> {
    // noAsyncTraces: nats.js otherwise builds an Error (with a stack) per request, a measurable
    // share of a busy publisher's CPU; our spans already say where a publish came from.
    const connection = await connect({
      servers: options.url,
      name: options.name,
      maxReconnectAttempts: -1,
      noAsyncTraces: true,
    });
    const jsm = await connection.jetstreamManager();
    return new Bus(connection, connection.jetstream(), jsm, options);
  }

  /** Create or update every stream in the catalogue (idempotent; safe from every replica). */
  async ensureStreams(streams: readonly StreamSpec[] = STREAMS): Promise<void> {
    for (const spec of streams) {
      const config = {
        name: spec.name,
        subjects: spec.subjects,
        storage: StorageType.File,
        max_age: nanos(spec.maxAgeMs),
        duplicate_window: nanos(this.options.duplicateWindowMs ?? 120_000),
        retention: spec.retention === 'workqueue' ? RetentionPolicy.Workqueue : RetentionPolicy.Limits,
      };
      try {
        await this.jsm.streams.info(spec.name);
        await this.jsm.streams.update(spec.name, config);
      } catch (error) {
        if (!isNotFound(error)) throw error;
        await this.jsm.streams.add(config);
      }
    }
  }

  async publish<Payload extends object>(
    type: EventType<string, Payload>,
    payload: Payload,
    options: PublishOptions = {},
  ): Promise<PublishResult> {
    const parsed = type.schema.safeParse(payload);
    if (!parsed.success) {
      throw new PoisonMessageError(`payload of ${type.type} fails its schema: ${redactText(parsed.error.message)}`);
    }
    const envelope: Envelope<Payload> = {
      id: options.id ?? newEventId(),
      type: type.type,
      version: type.version,
      occurredAt: (options.occurredAt ?? new Date()).toISOString(),
      data: parsed.data,
    };
    const subject = type.subject(parsed.data);
    return instrument(
      `publish ${type.type}`,
      {
        kind: SpanKind.PRODUCER,
        attributes: { 'messaging.system': 'nats', 'messaging.destination.name': subject, 'event.id': envelope.id },
      },
      async () => {
        const headers = natsHeaders();
        headers.set(EVENT_TYPE_HEADER, type.type);
        injectTraceContext(headers, headerSetter);
        const data = Buffer.from(JSON.stringify(envelope));
        try {
          const ack = await retry(
            () => this.js.publish(subject, data, { msgID: envelope.id, headers }),
            options.retry ? { policy: options.retry } : {},
          );
          return { id: envelope.id, seq: ack.seq, duplicate: ack.duplicate };
        } catch (error) {
          throw new PublishError(`publish of ${type.type} failed`, { cause: error });
        }
      },
    );
  }

  /**
   * Declare (or update) a durable pull consumer and process its messages (one at a time unless
   * `concurrency` says otherwise) until stopped. A handler that throws gets the message redelivered after a back-off; after
   * `maxDeliver` deliveries, or at once for a poison message, it goes to `dlq.<stream>.<durable>`.
   */
  async consume<Payload>(options: ConsumerOptions<Payload>): Promise<ConsumerHandle> {
    const maxDeliver = options.maxDeliver ?? 5;
    const stream = options.event.stream;
    await this.jsm.consumers.add(stream, {
      durable_name: options.durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: options.deliverFrom === 'new' ? DeliverPolicy.New : DeliverPolicy.All,
      filter_subject: options.filterSubject ?? options.event.filter,
      // One more than ours, so a message whose handler crashed the process every time still
      // comes back once more to be dead-lettered instead of being silently dropped.
      max_deliver: maxDeliver + 1,
      ack_wait: nanos(options.ackWaitMs ?? 30_000),
      ...(options.inactiveAfterMs === undefined ? {} : { inactive_threshold: nanos(options.inactiveAfterMs) }),
    });
    const consumer = await this.js.consumers.get(stream, options.durable);
    const messages: ConsumerMessages = await consumer.consume({ max_messages: 64 });
    const log = this.options.logger.child({ consumer: options.durable });
    // The event type is the subject's id-free prefix: campaign ids and other keys stay out of labels.
    const record = this.metrics?.recorder(options.event.type, options.durable);
    const lagging: Lagging | undefined = this.metrics
      ? {
          consumer,
          attributes: {
            'messaging.system': 'nats',
            'messaging.destination.name': options.event.type,
            'messaging.consumer.group.name': options.durable,
          },
        }
      : undefined;
    if (lagging) this.lagging.add(lagging);
    const nakDelay = options.nakDelayMs ?? ((n: number) => Math.min(30_000, 250 * 2 ** (n - 1)));
    let stopping = false;

    const limit = Math.max(1, options.concurrency ?? 1);
    const inFlight = new Set<Promise<void>>();
    const done = (async () => {
      for await (const msg of messages) {
        if (stopping) {
          msg.nak();
          continue;
        }
        // handle() settles every message itself (ack, nak or dead letter) and never rejects.
        const handling: Promise<void> = this.handle(msg, options, maxDeliver, nakDelay, log, record).finally(() =>
          inFlight.delete(handling),
        );
        inFlight.add(handling);
        if (inFlight.size >= limit) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
    })();
    if (lagging) {
      const forget = () => void this.lagging.delete(lagging);
      done.then(forget, forget);
    }

    return {
      done,
      stop: async () => {
        stopping = true;
        await messages.close();
        await done;
      },
    };
  }

  private async handle<Payload>(
    msg: JsMsg,
    options: ConsumerOptions<Payload>,
    maxDeliver: number,
    nakDelay: (n: number) => number,
    log: Logger,
    record: ((seconds: number, failed: boolean) => void) | undefined,
  ): Promise<void> {
    const startedAt = record ? performance.now() : 0;
    const deliveryCount = msg.info.deliveryCount;
    const parent = msg.headers ? extractTraceContext(msg.headers, headerGetter) : undefined;
    await instrument(
      `process ${options.event.type}`,
      {
        kind: SpanKind.CONSUMER,
        ...(parent ? { parent } : {}),
        attributes: {
          'messaging.system': 'nats',
          'messaging.consumer.group.name': options.durable,
          'messaging.message.delivery_count': deliveryCount,
        },
      },
      async (span) => {
        let envelope: Envelope<Payload>;
        try {
          envelope = decode(msg, options.event);
          span.setAttribute('event.id', envelope.id);
        } catch (error) {
          record?.((performance.now() - startedAt) / 1000, true);
          await this.deadLetter(msg, options.durable, error, log);
          return;
        }
        if (deliveryCount > maxDeliver) {
          record?.((performance.now() - startedAt) / 1000, true);
          await this.deadLetter(msg, options.durable, new Error(`gave up after ${maxDeliver} deliveries`), log);
          return;
        }
        try {
          await options.handler({
            event: envelope,
            subject: msg.subject,
            deliveryCount,
            storedAtMs: msg.info.timestampNanos / 1_000_000,
          });
          msg.ack();
          record?.((performance.now() - startedAt) / 1000, false);
        } catch (error) {
          record?.((performance.now() - startedAt) / 1000, true);
          if (error instanceof PoisonMessageError || deliveryCount >= maxDeliver) {
            await this.deadLetter(msg, options.durable, error, log);
          } else {
            log.warn(
              { err: error, eventId: envelope.id, deliveryCount },
              'handler failed; message will be redelivered',
            );
            msg.nak(nakDelay(deliveryCount));
          }
          throw error;
        }
      },
    ).catch(() => undefined); // already logged, dead-lettered or nak'ed above; the span holds the error
  }

  /**
   * Hears one key's events of a type as they are published (a core NATS subscription on the
   * stream's subject: no consumer, no ack, nothing kept), for a process that wants them sooner
   * than its durable consumer brings them. At most once, so only beside a durable consumer of
   * the same events whose handling is idempotent; a message that is not a valid event is ignored
   * here (the durable consumer dead-letters it). Returns the unsubscribe.
   */
  listen<Payload>(
    event: EventType<string, Payload>,
    key: string,
    handler: (event: Envelope<Payload>) => void,
  ): () => void {
    const subscription = this.connection.subscribe(event.subjectForKey(key), {
      callback: (error, msg) => {
        if (error) return;
        let envelope: Envelope<Payload>;
        try {
          envelope = decode(msg, event);
        } catch {
          return;
        }
        handler(envelope);
      },
    });
    return () => subscription.unsubscribe();
  }

  private async deadLetter(msg: JsMsg, durable: string, error: unknown, log: Logger): Promise<void> {
    const reason = redactText(error instanceof Error ? error.message : String(error)).slice(0, 1000);
    const headers = natsHeaders();
    for (const key of msg.headers?.keys() ?? []) headers.set(key, msg.headers!.get(key));
    headers.set('Outbound-Dead-Letter-Reason', reason);
    headers.set('Outbound-Original-Subject', msg.subject);
    headers.set('Outbound-Delivery-Count', String(msg.info.deliveryCount));
    const subject = `${DEAD_LETTER_PREFIX}.${msg.info.stream}.${durable}`;
    // Stream sequence + consumer makes the dead letter itself idempotent.
    await retry(() =>
      this.js.publish(subject, msg.data, { headers, msgID: `dlq-${msg.info.stream}-${msg.seq}-${durable}` }),
    );
    msg.term();
    log.error({ subject: msg.subject, deliveryCount: msg.info.deliveryCount, reason }, 'message dead-lettered');
  }

  /** Drain in-flight publishes and subscriptions, then close. */
  async close(): Promise<void> {
    if (this.connection.isClosed()) return;
    await this.connection.drain();
  }

  get manager(): JetStreamManager {
    return this.jsm;
  }
}

function decode<Payload>(msg: { data: Uint8Array }, type: EventType<string, Payload>): Envelope<Payload> {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(msg.data).toString('utf8'));
  } catch (cause) {
    throw new PoisonMessageError('message is not JSON', { cause });
  }
  const envelope = envelopeSchema.safeParse(raw);
  if (!envelope.success) throw new PoisonMessageError('message is not an event envelope');
  if (envelope.data.type !== type.type)
    throw new PoisonMessageError(`expected ${type.type}, got ${envelope.data.type}`);
  if (envelope.data.version > type.version)
    throw new PoisonMessageError(
      `${type.type} v${envelope.data.version} is newer than this consumer (v${type.version})`,
    );
  const payload = type.schema.safeParse(envelope.data.data);
  if (!payload.success) throw new PoisonMessageError(`payload of ${type.type} fails its schema`);
  return { ...envelope.data, data: payload.data };
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && /not found/i.test(error.message);
}

/** Wait for a stopped handle, at most `ms`: used in drains on SIGTERM. */
export async function stopWithin(handle: ConsumerHandle, ms: number): Promise<void> {
  await Promise.race([handle.stop(), sleep(ms)]);
}
