import { EslDisconnectedError, EslProtocolError, EslTimeoutError, type EslError } from '../errors.js';
import { decodeEvent, type EslEvent } from '../frame/event.js';
import { contentType, type EslFrame } from '../frame/frame.js';
import { FrameParser, type FrameLimits } from '../frame/parser.js';
import type { Clock, CancelTimer } from './clock.js';
import type { EslTransport } from './transport.js';

/** Which frame may answer a request: the greeting, a command, or an api call. */
export type Expectation = 'greeting' | 'reply' | 'api';

const ACCEPTED: Record<Expectation, readonly string[]> = {
  greeting: ['auth/request'],
  reply: ['command/reply'],
  // Only before auth does FreeSWITCH answer `api` with a command/reply; we never send api then,
  // so one arriving now means the reply order is lost.
  api: ['api/response'],
};

interface PendingRequest {
  readonly expect: Expectation;
  readonly operation: string;
  readonly resolve: (frame: EslFrame) => void;
  readonly reject: (error: EslError) => void;
  readonly cancelTimer: CancelTimer;
  /** Timed out: the slot stays so later replies still line up, but nobody waits on it. */
  abandoned: boolean;
}

export interface SessionHooks {
  readonly onEvent: (event: EslEvent) => void;
  /** Something non-fatal to report (a bad event); the session keeps going. */
  readonly onFault: (error: EslError) => void;
  /** Called once when the socket is gone; `error` says why if it was not our own close. */
  readonly onClose: (error: EslError | undefined) => void;
}

export interface SessionOptions {
  readonly clock: Clock;
  readonly limits: Partial<FrameLimits>;
}

/**
 * One socket's lifetime. Replies are matched to requests strictly in order (the
 * protocol guarantees it), each with its own timeout; when the socket closes
 * every request still waiting is rejected with EslDisconnectedError.
 */
export class EslSession {
  private readonly parser: FrameParser;
  private readonly queue: PendingRequest[] = [];
  private closed = false;
  private closeError: EslError | undefined;
  private drainWaiters: Array<() => void> = [];

  constructor(
    private readonly transport: EslTransport,
    private readonly options: SessionOptions,
    private readonly hooks: SessionHooks,
  ) {
    this.parser = new FrameParser(options.limits);
    transport.on('data', (chunk) => this.receive(chunk));
    transport.on('error', (error) => {
      this.closeError ??= new EslDisconnectedError('socket', { cause: error });
    });
    transport.on('close', () => this.handleClose());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Requests written but not yet answered (abandoned ones included). */
  get outstanding(): number {
    return this.queue.length;
  }

  /** Registers interest in the `auth/request` greeting the switch sends on connect. */
  greeting(timeoutMs: number): Promise<EslFrame> {
    return this.enqueue('greeting', 'connect', timeoutMs, undefined);
  }

  request(bytes: Buffer, expect: Expectation, operation: string, timeoutMs: number): Promise<EslFrame> {
    return this.enqueue(expect, operation, timeoutMs, bytes);
  }

  /** Resolves when every written request has been answered, timed out or failed. */
  drained(): Promise<void> {
    if (this.queue.every((pending) => pending.abandoned) || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Polite close: the caller has already written `exit` if it wanted to. */
  end(): void {
    this.transport.end();
  }

  destroy(error?: EslError): void {
    if (error !== undefined) this.closeError ??= error;
    this.transport.destroy();
    this.handleClose();
  }

  private enqueue(
    expect: Expectation,
    operation: string,
    timeoutMs: number,
    bytes: Buffer | undefined,
  ): Promise<EslFrame> {
    if (this.closed) return Promise.reject(new EslDisconnectedError(operation, { cause: this.closeError }));
    return new Promise((resolve, reject) => {
      const pending: PendingRequest = {
        expect,
        operation,
        resolve,
        reject,
        abandoned: false,
        cancelTimer: this.options.clock.schedule(timeoutMs, () => {
          if (pending.abandoned) return;
          pending.abandoned = true;
          reject(new EslTimeoutError(operation, timeoutMs));
          this.notifyIfDrained();
        }),
      };
      this.queue.push(pending);
      if (bytes !== undefined) this.transport.write(bytes);
    });
  }

  private receive(chunk: Buffer): void {
    if (this.closed) return;
    for (const result of this.parser.push(chunk)) {
      if (result.kind === 'error') {
        // Any framing fault means we can no longer trust reply order: start over.
        this.destroy(new EslProtocolError(result.code, result.detail));
        return;
      }
      this.dispatch(result);
      if (this.closed) return;
    }
  }

  private dispatch(frame: EslFrame): void {
    const type = contentType(frame) ?? '';
    if (type === 'text/event-plain' || type === 'text/event-json') {
      const decoded = decodeEvent(frame);
      if (decoded.kind === 'event') this.hooks.onEvent(decoded.event);
      else this.hooks.onFault(new EslProtocolError(decoded.code, decoded.detail));
      return;
    }
    if (type === 'auth/request' || type === 'command/reply' || type === 'api/response') {
      this.answer(type, frame);
    }
    // disconnect notices and log lines need no action: the close that follows is what counts.
  }

  private answer(type: string, frame: EslFrame): void {
    const pending = this.queue.shift();
    if (pending === undefined || !ACCEPTED[pending.expect].includes(type)) {
      const expected = pending === undefined ? 'nothing' : pending.expect;
      if (pending !== undefined) this.queue.unshift(pending);
      this.destroy(new EslProtocolError('UNEXPECTED_REPLY', `got ${type} while expecting ${expected}`));
      return;
    }
    pending.cancelTimer();
    if (!pending.abandoned) pending.resolve(frame);
    this.notifyIfDrained();
  }

  private notifyIfDrained(): void {
    if (this.drainWaiters.length === 0 || !this.queue.every((pending) => pending.abandoned)) return;
    for (const resolve of this.drainWaiters.splice(0)) resolve();
  }

  private handleClose(): void {
    if (this.closed) return;
    this.closed = true;
    // A truncated last frame is normal on shutdown (esl-traces 07d), so parser.end() is not an error.
    this.parser.end();
    for (const pending of this.queue.splice(0)) {
      pending.cancelTimer();
      if (!pending.abandoned) pending.reject(new EslDisconnectedError(pending.operation, { cause: this.closeError }));
    }
    for (const resolve of this.drainWaiters.splice(0)) resolve();
    this.hooks.onClose(this.closeError);
  }
}
