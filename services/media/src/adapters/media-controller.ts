import { randomUUID } from 'node:crypto';
import { EslError, EslTimeoutError, type EslEvent } from '@outbound/esl';
import {
  DeadlineExceededError,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  UnavailableError,
} from '@outbound/errors';
import { redactText, type Logger } from '@outbound/telemetry';
import { CAUSE_ORIGINATE_UNCONFIRMED, type CallEvent, type CallRef } from '../domain/call-events.js';
import { CallTable, parseShowChannels } from '../domain/call-table.js';
import { toSignal, type ChannelSignal } from '../domain/channel-signal.js';
import { DialStringError, buildAgentOriginate, buildOriginate } from '../domain/dial-string.js';
import { selectNode } from '../domain/node-selection.js';
import type { CallPublisher } from './call-publisher.js';
import type { EslPool } from './esl-pool.js';

export interface OriginateCommand {
  readonly campaignId: string;
  readonly leadId: string;
  readonly attemptId: string;
  readonly destination: string;
  readonly callerId?: string;
  readonly gateway: string;
  readonly amd: boolean;
  readonly ringTimeoutMs: number;
  readonly traceparent?: string;
}

export interface MediaControllerOptions {
  readonly pool: EslPool;
  readonly publisher: CallPublisher;
  readonly logger: Logger;
  readonly recordingsDir: string;
  /** How long Originate waits for the node to report the channel before returning anyway. */
  readonly acceptTimeoutMs?: number;
  readonly now?: () => number;
}

interface DtmfWaiter {
  readonly digits: string[];
  readonly maxDigits: number;
  readonly terminators: string;
  readonly resolve: (digits: string) => void;
}

/**
 * Layer 3 of FreeSWITCH access: originate, bridge, play, record, hang up, in domain words, over
 * the node pool. Channel events go through the pure call table; its domain events are published.
 */
export class MediaController {
  readonly table = new CallTable();
  private readonly now: () => number;
  private readonly createdWaiters = new Map<string, () => void>();
  private readonly dtmfWaiters = new Map<string, DtmfWaiter>();
  private readonly recordings = new Map<string, { callId: string; path: string }>();
  private readonly agentLegs = new Map<string, string>();
  private lastNode: string | undefined;

  constructor(private readonly options: MediaControllerOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Every ESL event from every node comes through here; `arrivedAtMs` is its `performance.now()` arrival. */
  onEslEvent(node: string, event: EslEvent, arrivedAtMs = performance.now()): void {
    const signal = toSignal(event, this.now());
    if (signal === undefined) return;
    if (signal.type === 'dtmf') this.onDtmf(signal.uuid, signal.digit);
    const emitted = this.table.apply(signal);
    if (this.table.isCreated(signal.uuid)) this.createdWaiters.get(signal.uuid)?.();
    this.emit(emitted, signal, arrivedAtMs);
    for (const e of emitted)
      if (e.kind === 'answered' && this.table.wantsAmd(e.call.callId)) this.startAmd(node, e.call.callId);
    if (signal.type === 'hangup' && signal.complete) this.onChannelGone(signal.uuid);
  }

  /** After (re)connect: the node's live channels are the truth for the calls we placed there. */
  async reconcile(node: string): Promise<void> {
    const log = this.options.logger.child({ node });
    try {
      const reply = await this.options.pool.connection(node).api('show channels as json');
      const live = reply.ok ? parseShowChannels(reply.body) : undefined;
      if (live === undefined) {
        log.warn('could not read the channel list; calls are kept until their events arrive');
        return;
      }
      const emitted = this.table.reconcile(node, live, this.now());
      for (const e of emitted) if (e.kind === 'hangup') this.onChannelGone(e.call.callId);
      this.emit(emitted);
      log.info(
        { live: live.length, tracked: this.table.countOn(node), changes: emitted.length },
        'channel table reconciled',
      );
    } catch (error) {
      log.warn({ err: redactText((error as Error).message) }, 'reconcile failed; will retry on the next reconnect');
    }
  }

  async originate(command: OriginateCommand): Promise<{ callId: string; node: string }> {
    const pool = this.options.pool;
    const node = selectNode(
      pool.names().map((name) => ({ name, healthy: pool.isHealthy(name), activeCalls: this.table.countOn(name) })),
      this.lastNode,
    );
    if (node === undefined) throw new UnavailableError('no media node is connected', { reason: 'NO_MEDIA_NODE' });
    this.lastNode = node;
    const callId = randomUUID();
    let dial: string;
    try {
      dial = buildOriginate({ ...command, callId, ...(command.callerId ? { callerId: command.callerId } : {}) });
    } catch (error) {
      if (error instanceof DialStringError)
        throw InvalidArgumentError.field(error.field, 'contains characters that cannot be dialled');
      throw error;
    }
    const connection = pool.connection(node);
    const ref: CallRef = {
      callId,
      node,
      campaignId: command.campaignId,
      leadId: command.leadId,
      attemptId: command.attemptId,
      ...(command.traceparent ? { traceparent: command.traceparent } : {}),
    };
    const log = this.options.logger.child({
      callId,
      node,
      attemptId: command.attemptId,
      campaignId: command.campaignId,
    });
    const originated = this.table.register(ref, this.now(), { amd: command.amd });
    const created = new Promise<'created'>((resolve) => this.createdWaiters.set(callId, () => resolve('created')));
    const job = connection.bgapi(dial, { jobTimeoutMs: command.ringTimeoutMs + 60_000 });
    const settled = job.then(
      (result) => ({ kind: 'job' as const, ok: result.ok, body: result.body }),
      (error: unknown) => ({ kind: 'error' as const, error }),
    );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.options.acceptTimeoutMs ?? 5_000);
    });
    const first = await Promise.race([created, settled, timeout]);
    clearTimeout(timer);
    this.createdWaiters.delete(callId);
    // A late reply (the switch is busy, or its replies queue behind a burst of events) is not a
    // refusal: the call may be ringing. Only a failure to reach the node forgets the call.
    const lateReply = typeof first === 'object' && first.kind === 'error' && first.error instanceof EslTimeoutError;
    if (typeof first === 'object' && first.kind === 'error' && !lateReply && !this.table.isCreated(callId)) {
      this.table.forget(callId);
      log.warn({ err: redactText((first.error as Error).message) }, 'originate not accepted by the node');
      throw new UnavailableError(`media node ${node} did not accept the call`, {
        reason: 'NODE_UNAVAILABLE',
        details: { node },
        cause: first.error,
      });
    }
    this.emit(originated);
    // The outcome flows as events; a job that fails without any channel event ends the call here.
    void settled.then((outcome) => {
      if (outcome.kind === 'job' && !outcome.ok && !this.table.isCreated(callId)) {
        const cause = /^-ERR\s+([A-Z_]+)/.exec(outcome.body)?.[1] ?? 'NORMAL_TEMPORARY_FAILURE';
        this.emit(this.table.fail(callId, cause, this.now()));
      } else if (outcome.kind === 'error') {
        log.debug(
          { err: redactText((outcome.error as Error).message) },
          'originate job not reported; the channel table follows events and reconciliation',
        );
      }
    });
    if (!this.table.isCreated(callId)) this.confirmLater(node, callId, command.ringTimeoutMs);
    log.info({ amd: command.amd }, 'originate sent');
    return { callId, node };
  }

  async hangup(callId: string, cause: string): Promise<void> {
    const node = this.nodeOf(callId);
    const reply = await this.api(node, `uuid_kill ${callId} ${cause}`);
    if (!reply.ok) {
      if (/no such channel|invalid|cannot locate/i.test(reply.body)) throw new NotFoundError('call', callId);
      throw new FailedPreconditionError(`hangup refused by the node`, { reason: 'HANGUP_REFUSED' });
    }
  }

  async bridge(callId: string, agentEndpoint: string, signal?: AbortSignal): Promise<{ agentCallId: string }> {
    const node = this.nodeOf(callId);
    const call = this.table.get(callId);
    if (!call?.answered)
      throw new FailedPreconditionError('the call is not answered yet', { reason: 'CALL_NOT_ANSWERED' });
    const agentCallId = randomUUID();
    let dial: string;
    try {
      dial = buildAgentOriginate(agentCallId, agentEndpoint, call.ref);
    } catch (error) {
      if (error instanceof DialStringError)
        throw InvalidArgumentError.field('agent_endpoint', 'must be an endpoint like user/1001');
      throw error;
    }
    const connection = this.options.pool.connection(node);
    this.agentLegs.set(agentCallId, callId);
    const job = await this.withSignal(connection.bgapi(dial, { jobTimeoutMs: 30_000 }), signal).catch(
      (error: unknown) => {
        this.agentLegs.delete(agentCallId);
        throw this.eslFailure(node, error);
      },
    );
    if (!job.ok) {
      this.agentLegs.delete(agentCallId);
      throw new FailedPreconditionError('the agent leg did not answer', {
        reason: 'AGENT_LEG_FAILED',
        details: { cause: job.body.replace(/^-ERR\s*/, '').trim() },
      });
    }
    const reply = await this.api(node, `uuid_bridge ${callId} ${agentCallId}`);
    if (!reply.ok) {
      await this.api(node, `uuid_kill ${agentCallId} NORMAL_CLEARING`).catch(() => undefined);
      if (!this.table.get(callId)) throw new NotFoundError('call', callId);
      throw new FailedPreconditionError('bridge refused by the node', { reason: 'BRIDGE_REFUSED' });
    }
    return { agentCallId };
  }

  async play(callId: string, media: { file: string } | { tone: string }): Promise<void> {
    const node = this.nodeOf(callId);
    const what = 'file' in media ? media.file : `tone_stream://${media.tone}`;
    const reply = await this.api(node, `uuid_broadcast ${callId} ${what} aleg`);
    if (!reply.ok) throw this.notFoundOr(callId, 'PLAY_REFUSED', 'play refused by the node');
  }

  async startRecording(callId: string): Promise<{ recordingId: string }> {
    const node = this.nodeOf(callId);
    const recordingId = randomUUID();
    const path = `${this.options.recordingsDir.replace(/\/$/, '')}/${callId}/${recordingId}.wav`;
    const reply = await this.api(node, `uuid_record ${callId} start ${path}`);
    if (!reply.ok) throw this.notFoundOr(callId, 'RECORD_REFUSED', 'recording refused by the node');
    this.recordings.set(recordingId, { callId, path });
    return { recordingId };
  }

  async stopRecording(callId: string, recordingId: string): Promise<void> {
    const recording = this.recordings.get(recordingId);
    if (recording === undefined || recording.callId !== callId) throw new NotFoundError('recording', recordingId);
    const node = this.nodeOf(callId);
    const reply = await this.api(node, `uuid_record ${callId} stop ${recording.path}`);
    if (!reply.ok) throw this.notFoundOr(callId, 'RECORD_REFUSED', 'stopping the recording was refused by the node');
    this.recordings.delete(recordingId);
  }

  async transfer(callId: string, destination: string): Promise<void> {
    const node = this.nodeOf(callId);
    const reply = await this.api(node, `uuid_transfer ${callId} ${destination}`);
    if (!reply.ok) throw this.notFoundOr(callId, 'TRANSFER_REFUSED', 'transfer refused by the node');
  }

  /** Digits the called party presses (DTMF events), until max digits, a terminator or the timeout. */
  async collectDtmf(
    callId: string,
    options: { maxDigits: number; timeoutMs: number; terminators: string },
    signal?: AbortSignal,
  ): Promise<string> {
    this.nodeOf(callId);
    if (this.dtmfWaiters.has(callId))
      throw new FailedPreconditionError('digits are already being collected on this call', { reason: 'DTMF_BUSY' });
    return new Promise<string>((resolve) => {
      const finish = (digits: string): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.dtmfWaiters.delete(callId);
        resolve(digits);
      };
      const onAbort = (): void => finish(waiter.digits.join(''));
      const waiter: DtmfWaiter = {
        digits: [],
        maxDigits: options.maxDigits,
        terminators: options.terminators,
        resolve: finish,
      };
      this.dtmfWaiters.set(callId, waiter);
      const timer = setTimeout(() => finish(waiter.digits.join('')), options.timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Calls still up (drain on shutdown). */
  get activeCalls(): number {
    return this.table.size;
  }

  private onDtmf(callId: string, digit: string): void {
    const waiter = this.dtmfWaiters.get(callId);
    if (waiter === undefined) return;
    if (waiter.terminators.includes(digit)) return waiter.resolve(waiter.digits.join(''));
    waiter.digits.push(digit);
    if (waiter.digits.length >= waiter.maxDigits) waiter.resolve(waiter.digits.join(''));
  }

  private onChannelGone(callId: string): void {
    this.dtmfWaiters.get(callId)?.resolve(this.dtmfWaiters.get(callId)?.digits.join('') ?? '');
    for (const [id, recording] of this.recordings) if (recording.callId === callId) this.recordings.delete(id);
    for (const [agent, customer] of this.agentLegs)
      if (customer === callId || agent === callId) this.agentLegs.delete(agent);
  }

  /**
   * A call the node has not reported by the time Originate returns: once it could no longer be
   * ringing, ask the node. If the channel does not exist it never will, so the attempt gets its
   * hangup instead of sitting in the table for ever.
   */
  private confirmLater(node: string, callId: string, ringTimeoutMs: number): void {
    const timer = setTimeout(
      () => {
        if (this.table.get(callId) === undefined || this.table.isCreated(callId)) return;
        this.api(node, `uuid_exists ${callId}`).then(
          (reply) => {
            if (reply.body.trim() === 'false' && !this.table.isCreated(callId))
              this.emit(this.table.fail(callId, CAUSE_ORIGINATE_UNCONFIRMED, this.now()));
          },
          (error: unknown) =>
            this.options.logger.warn(
              { callId, node, err: redactText((error as Error).message) },
              'could not confirm an unreported call; reconciliation will',
            ),
        );
      },
      ringTimeoutMs + (this.options.acceptTimeoutMs ?? 5_000),
    );
    timer.unref();
  }

  private startAmd(node: string, callId: string): void {
    let connection;
    try {
      connection = this.options.pool.connection(node);
    } catch {
      return;
    }
    connection
      .sendmsg(callId, [
        ['call-command', 'execute'],
        ['execute-app-name', 'amd'],
      ])
      .catch((error: unknown) => {
        this.options.logger.warn({ callId, node, err: redactText((error as Error).message) }, 'could not start AMD');
      });
  }

  private emit(emitted: readonly CallEvent[], signal?: ChannelSignal, eslArrivedAtMs?: number): void {
    for (const event of emitted) void this.options.publisher.publish(event, signal?.vars.traceparent, eslArrivedAtMs);
  }

  private nodeOf(callId: string): string {
    const call = this.table.get(callId);
    if (call === undefined) throw new NotFoundError('call', callId);
    return call.ref.node;
  }

  private async api(node: string, command: string): Promise<{ ok: boolean; body: string }> {
    const connection = this.options.pool.connection(node);
    try {
      return await connection.api(command);
    } catch (error) {
      throw this.eslFailure(node, error);
    }
  }

  private eslFailure(node: string, error: unknown): Error {
    if (error instanceof EslError) {
      if (error.code === 'TIMEOUT')
        return new DeadlineExceededError(`media node ${node} did not answer in time`, {
          reason: 'NODE_TIMEOUT',
          cause: error,
        });
      return new UnavailableError(`media node ${node} is not reachable`, {
        reason: 'NODE_UNAVAILABLE',
        details: { node },
        cause: error,
      });
    }
    return error instanceof Error ? error : new Error(String(error));
  }

  private notFoundOr(callId: string, reason: string, message: string): Error {
    if (!this.table.get(callId)) return new NotFoundError('call', callId);
    return new FailedPreconditionError(message, { reason });
  }

  private withSignal<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal === undefined) return promise;
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void =>
        reject(new DeadlineExceededError('the request was cancelled', { reason: 'CANCELLED' }));
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }
}
