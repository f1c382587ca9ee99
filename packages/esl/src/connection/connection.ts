import { randomUUID } from 'node:crypto';
import {
  EslAuthError,
  EslCommandError,
  EslConnectError,
  EslDisconnectedError,
  EslError,
  EslTimeoutError,
} from '../errors.js';
import { encodeCommand, type EslCommand } from '../frame/command.js';
import type { EslEvent, EventFormat } from '../frame/event.js';
import { bodyText, headerValue, type EslFrame, type Header } from '../frame/frame.js';
import type { FrameLimits } from '../frame/parser.js';
import { backoffDelayMs } from '@outbound/errors';
import { DEFAULT_RECONNECT_POLICY, type ReconnectPolicy } from './backoff.js';
import { systemClock, type CancelTimer, type Clock } from './clock.js';
import { EventStream } from './event-stream.js';
import { Listeners } from './listeners.js';
import { EslSession } from './session.js';
import { tcpTransport, type TransportFactory } from './transport.js';
import { JobRegistry, type BackgroundJobResult } from './jobs.js';

export interface EslConnectionOptions {
  readonly host: string;
  readonly port: number;
  readonly password: string;
  /** TCP connect + greeting + auth + re-subscription, per attempt. */
  readonly connectTimeoutMs?: number;
  /** Default wait for a command/reply or api/response. */
  readonly commandTimeoutMs?: number;
  /** Default wait for a bgapi's BACKGROUND_JOB event (an originate can ring for a minute). */
  readonly jobTimeoutMs?: number;
  /** Format used when the connection subscribes on its own (BACKGROUND_JOB for bgapi). */
  readonly eventFormat?: EventFormat;
  /** `false` disables reconnecting; otherwise overrides parts of DEFAULT_RECONNECT_POLICY. */
  readonly reconnect?: Partial<ReconnectPolicy> | false;
  readonly limits?: Partial<FrameLimits>;
  /** Events an `events()` iterator may fall behind before it fails. */
  readonly maxEventBacklog?: number;
  readonly transportFactory?: TransportFactory;
  readonly clock?: Clock;
  readonly random?: () => number;
}

export type ConnectionState = 'idle' | 'connecting' | 'ready' | 'reconnecting' | 'closing' | 'closed';

export interface EslConnectionEvents {
  event: EslEvent;
  connected: { readonly host: string; readonly port: number };
  disconnected: { readonly error: EslError };
  reconnecting: { readonly attempt: number; readonly delayMs: number };
  /** Re-authenticated and re-subscribed: upper layers should reconcile (`show channels as json`). */
  reconnected: { readonly attempt: number };
  error: EslError;
  closed: { readonly error?: EslError };
}

export interface ApiResponse {
  readonly body: string;
  /** False when the body starts with `-` (`-ERR …`, `-USAGE …`). */
  readonly ok: boolean;
}

export interface CommandReply {
  readonly replyText: string;
  readonly headers: readonly Header[];
}

export interface RequestOptions {
  readonly timeoutMs?: number;
}

export interface BgapiOptions extends RequestOptions {
  readonly jobTimeoutMs?: number;
  /** Our own id for the job; minted with crypto.randomUUID when absent. */
  readonly jobUuid?: string;
}

export interface EventStreamOptions {
  readonly signal?: AbortSignal;
  readonly maxBacklog?: number;
}

/**
 * Inbound-mode ESL client: one socket, replies matched in order with a timeout
 * each, bgapi correlated by our own Job-UUID, reconnect with jittered back-off
 * that re-authenticates and replays subscriptions and filters.
 */
export class EslConnection {
  private readonly options: Required<Omit<EslConnectionOptions, 'reconnect' | 'limits'>> & {
    readonly limits: Partial<FrameLimits>;
  };
  private readonly policy: ReconnectPolicy | undefined;
  private readonly listeners: Listeners<EslConnectionEvents>;
  private readonly jobs: JobRegistry;
  /** Subscription and filter commands, replayed in order after every reconnect. */
  private readonly replay: EslCommand[] = [];
  private session: EslSession | undefined;
  private currentState: ConnectionState = 'idle';
  private cancelReconnect: CancelTimer | undefined;
  private closing: Promise<void> | undefined;
  private reportingFailure = false;
  /** Set while close() waits for the socket to go away. */
  private onSessionClosed: (() => void) | undefined;

  constructor(options: EslConnectionOptions) {
    this.options = {
      host: options.host,
      port: options.port,
      password: options.password,
      connectTimeoutMs: options.connectTimeoutMs ?? 5_000,
      commandTimeoutMs: options.commandTimeoutMs ?? 10_000,
      jobTimeoutMs: options.jobTimeoutMs ?? 120_000,
      eventFormat: options.eventFormat ?? 'plain',
      limits: options.limits ?? {},
      maxEventBacklog: options.maxEventBacklog ?? 100_000,
      transportFactory: options.transportFactory ?? tcpTransport,
      clock: options.clock ?? systemClock,
      random: options.random ?? Math.random,
    };
    this.policy = options.reconnect === false ? undefined : { ...DEFAULT_RECONNECT_POLICY, ...options.reconnect };
    this.listeners = new Listeners((cause) => this.reportListenerFailure(cause));
    this.jobs = new JobRegistry(this.options.clock);
  }

  get state(): ConnectionState {
    return this.currentState;
  }

  on<K extends keyof EslConnectionEvents>(type: K, listener: (payload: EslConnectionEvents[K]) => void): () => void {
    return this.listeners.on(type, listener);
  }

  /** One attempt: connect, authenticate, subscribe to BACKGROUND_JOB. Reconnects only start after a drop. */
  async connect(): Promise<void> {
    if (this.currentState !== 'idle') throw new EslError('BAD_STATE', `connect() called while ${this.currentState}`);
    this.currentState = 'connecting';
    try {
      this.session = await this.open();
    } catch (error) {
      this.currentState = 'idle';
      throw error;
    }
    this.currentState = 'ready';
    this.listeners.emit('connected', { host: this.options.host, port: this.options.port });
  }

  async api(command: string, options: RequestOptions = {}): Promise<ApiResponse> {
    const frame = await this.send({ type: 'api', command }, 'api', `api ${command}`, options.timeoutMs);
    const body = bodyText(frame);
    return { body, ok: !body.startsWith('-') };
  }

  /** Runs a background job; resolves with the BACKGROUND_JOB body once the switch reports it. */
  async bgapi(command: string, options: BgapiOptions = {}): Promise<BackgroundJobResult> {
    const operation = `bgapi ${command}`;
    const jobUuid = options.jobUuid ?? randomUUID();
    const result = this.jobs.register(jobUuid, operation, options.jobTimeoutMs ?? this.options.jobTimeoutMs);
    try {
      await this.command({ type: 'bgapi', command, jobUuid }, operation, options.timeoutMs);
    } catch (error) {
      this.jobs.forget(jobUuid);
      throw error;
    }
    return result;
  }

  sendmsg(
    uuid: string,
    headers: readonly Header[],
    options: RequestOptions & { readonly body?: string } = {},
  ): Promise<CommandReply> {
    const command: EslCommand =
      options.body === undefined
        ? { type: 'sendmsg', uuid, headers }
        : { type: 'sendmsg', uuid, headers, body: options.body };
    return this.command(command, `sendmsg ${uuid}`, options.timeoutMs);
  }

  /** `event <format> …`; BACKGROUND_JOB is added so bgapi keeps working. Replayed after reconnects. */
  subscribe(
    format: EventFormat,
    events: readonly string[],
    customSubclasses: readonly string[] = [],
  ): Promise<CommandReply> {
    const names = events.includes('ALL') || events.includes('BACKGROUND_JOB') ? events : [...events, 'BACKGROUND_JOB'];
    return this.remembered({ type: 'event', format, events: names, customSubclasses });
  }

  filter(header: string, value: string): Promise<CommandReply> {
    return this.remembered({ type: 'filter', header, value });
  }

  unfilter(header: string, value?: string): Promise<CommandReply> {
    return this.remembered(
      value === undefined ? { type: 'filterDelete', header } : { type: 'filterDelete', header, value },
    );
  }

  /** Async stream of every event; ends when the connection is closed or the signal aborts. */
  events(options: EventStreamOptions = {}): AsyncIterableIterator<EslEvent> {
    let unsubscribe = (): void => undefined;
    const onAbort = (): void => stream.finish();
    const stream = new EventStream<EslEvent>(options.maxBacklog ?? this.options.maxEventBacklog, () => {
      unsubscribe();
      stopOnClose();
      options.signal?.removeEventListener('abort', onAbort);
    });
    unsubscribe = this.on('event', (event) => stream.push(event));
    const stopOnClose = this.on('closed', () => stream.finish());
    if (options.signal?.aborted === true || this.currentState === 'closed') stream.finish();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
    return stream;
  }

  /** Stops reconnecting, lets outstanding replies arrive, says `exit`, and waits for the socket to close. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.currentState = 'closing';
    this.cancelReconnect?.();
    const session = this.session;
    if (session !== undefined && !session.isClosed) {
      await session.drained();
      this.jobs.rejectAll((operation) => new EslDisconnectedError(operation));
      const closed = new Promise<void>((resolve) => {
        const stopTimer = this.options.clock.schedule(this.options.commandTimeoutMs, () => {
          session.destroy();
          resolve();
        });
        void session.request(encodeCommand({ type: 'exit' }), 'reply', 'exit', this.options.commandTimeoutMs).then(
          () => session.end(),
          () => session.destroy(),
        );
        this.onSessionClosed = () => {
          stopTimer();
          resolve();
        };
      });
      await closed;
    }
    this.jobs.rejectAll((operation) => new EslDisconnectedError(operation));
    this.currentState = 'closed';
    this.listeners.emit('closed', {});
  }

  private remembered(command: EslCommand): Promise<CommandReply> {
    const reply = this.command(command, command.type);
    // Remembered only once the switch accepted it, so a refused filter is not replayed forever.
    return reply.then((accepted) => {
      this.replay.push(command);
      return accepted;
    });
  }

  private async command(command: EslCommand, operation: string, timeoutMs?: number): Promise<CommandReply> {
    const frame = await this.send(command, 'reply', operation, timeoutMs);
    const text = replyText(frame);
    if (text.startsWith('-')) throw new EslCommandError(operation, text);
    return { replyText: text, headers: frame.headers };
  }

  private send(command: EslCommand, expect: 'reply' | 'api', operation: string, timeoutMs?: number): Promise<EslFrame> {
    const session = this.session;
    if (this.currentState !== 'ready' || session === undefined) {
      return Promise.reject(new EslDisconnectedError(operation));
    }
    return session.request(encodeCommand(command), expect, operation, timeoutMs ?? this.options.commandTimeoutMs);
  }

  /** Opens a socket and brings it to the subscribed state, or fails with a typed error. */
  private async open(): Promise<EslSession> {
    const { host, port, connectTimeoutMs } = this.options;
    const session = new EslSession(
      this.options.transportFactory({ host, port }),
      { clock: this.options.clock, limits: this.options.limits },
      {
        onEvent: (event) => this.handleEvent(event),
        onFault: (error) => this.listeners.emit('error', error),
        onClose: (error) => this.handleSessionClose(session, error),
      },
    );
    try {
      await session.greeting(connectTimeoutMs);
    } catch (error) {
      session.destroy();
      const reason = error instanceof EslTimeoutError ? 'no greeting in time' : 'connection refused or closed';
      throw new EslConnectError(host, port, reason, { cause: error });
    }
    try {
      const auth = await session.request(
        encodeCommand({ type: 'auth', password: this.options.password }),
        'reply',
        'auth',
        connectTimeoutMs,
      );
      const text = replyText(auth);
      if (!text.startsWith('+OK')) throw new EslAuthError(text);
      const setup: EslCommand[] = [
        { type: 'event', format: this.options.eventFormat, events: ['BACKGROUND_JOB'] },
        ...this.replay,
      ];
      for (const command of setup) {
        const reply = await session.request(encodeCommand(command), 'reply', command.type, connectTimeoutMs);
        const setupText = replyText(reply);
        if (setupText.startsWith('-')) throw new EslCommandError(command.type, setupText);
      }
      if (session.isClosed) throw new EslDisconnectedError('connect');
    } catch (error) {
      session.destroy();
      throw error;
    }
    return session;
  }

  private handleEvent(event: EslEvent): void {
    if (event.name === 'BACKGROUND_JOB' && event.jobUuid !== undefined) this.jobs.settle(event);
    this.listeners.emit('event', event);
  }

  private handleSessionClose(session: EslSession, error: EslError | undefined): void {
    if (session !== this.session) return;
    if (this.currentState === 'closing') {
      this.onSessionClosed?.();
      return;
    }
    const cause = error ?? new EslDisconnectedError('connection', { cause: new Error('closed by peer') });
    this.jobs.rejectAll((operation) => new EslDisconnectedError(operation, { cause }));
    if (error !== undefined) this.listeners.emit('error', error);
    this.currentState = 'reconnecting';
    this.listeners.emit('disconnected', { error: cause });
    this.scheduleReconnect(1, cause);
  }

  private scheduleReconnect(attempt: number, lastError: EslError): void {
    if (this.currentState !== 'reconnecting') return;
    if (this.policy === undefined || attempt > this.policy.maxAttempts) {
      this.currentState = 'closed';
      this.listeners.emit('closed', { error: lastError });
      return;
    }
    const delayMs = backoffDelayMs(this.policy, attempt, this.options.random);
    this.listeners.emit('reconnecting', { attempt, delayMs });
    this.cancelReconnect = this.options.clock.schedule(delayMs, () => {
      void this.reconnect(attempt);
    });
  }

  private async reconnect(attempt: number): Promise<void> {
    let session: EslSession;
    try {
      session = await this.open();
    } catch (error) {
      const failure =
        error instanceof EslError ? error : new EslError('RECONNECT_FAILED', 'reconnect failed', { cause: error });
      this.listeners.emit('error', failure);
      this.scheduleReconnect(attempt + 1, failure);
      return;
    }
    if (this.currentState !== 'reconnecting') {
      session.destroy();
      return;
    }
    this.session = session;
    this.currentState = 'ready';
    this.listeners.emit('reconnected', { attempt });
  }

  private reportListenerFailure(cause: unknown): void {
    if (this.reportingFailure) return;
    this.reportingFailure = true;
    try {
      this.listeners.emit('error', new EslError('LISTENER_FAILED', 'an event listener threw', { cause }));
    } finally {
      this.reportingFailure = false;
    }
  }
}

function replyText(frame: EslFrame): string {
  return headerValue(frame.headers, 'Reply-Text') ?? '';
}
