import { randomUUID } from 'node:crypto';
import { EslError, EslTimeoutError, type EslEvent } from '@outbound/esl';
import {
  DeadlineExceededError,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  UnavailableError,
} from '@outbound/errors';
import type { Placement } from '@outbound/bus';
import { redactText, type Logger } from '@outbound/telemetry';
import {
  type AmdDetectorName,
  CAUSE_NODE_OVERLOADED,
  CAUSE_ORIGINATE_UNCONFIRMED,
  type CallEvent,
  type CallRef,
} from '../domain/call-events.js';
import { CallTable, parseChannelDump, parseShowChannels, type LiveChannel } from '../domain/call-table.js';
import { toSignal, type ChannelSignal } from '../domain/channel-signal.js';
import { DialStringError, buildAgentOriginate, buildOriginate } from '../domain/dial-string.js';
import { selectNode } from '../domain/node-selection.js';
import {
  DEFAULT_RESPONSIVENESS,
  NodeResponsiveness,
  type ResponsivenessOptions,
} from '../domain/node-responsiveness.js';
import { OriginateQueue } from './originate-queue.js';
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
  /** Originates (customer and agent legs) per node per second; default 25, under FreeSWITCH's 30. */
  readonly originatesPerSecond?: number;
  /**
   * Customer originates that may wait for a node's budget, in seconds of it (default 1): beyond,
   * Originate is refused (UNAVAILABLE) instead of queued past the caller's deadline.
   */
  readonly originateBacklogSeconds?: number;
  /** When a node is too slow for new calls (domain/node-responsiveness.ts). */
  readonly responsiveness?: ResponsivenessOptions;
  readonly now?: () => number;
  /**
   * Each attempt placed once: claimed (its call id and node) before the originate is sent; one
   * its dialer voided (its owner died before knowing) is not placed (@outbound/bus placements).
   */
  readonly placements: AttemptClaims;
}

/** Media's half of `CallPlacements`. */
export interface AttemptClaims {
  claim(attemptId: string, placement: Placement): Promise<'claimed' | 'voided' | Placement>;
  release(attemptId: string, callId: string): Promise<void>;
}

/** Which answering-machine detector a node runs: mod_amd's `amd`, mod_avmd's beep detection, or none. */
export type AmdDetector = AmdDetectorName;

/** How long avmd listens for a voicemail beep before the verdict is `unknown`. */
export const AVMD_LISTEN_MS = 10_000;

/** Calls younger than this are checked with uuid_exists, not judged by `show channels` (core db lag). */
export const SHOW_CHANNELS_TRUST_MS = 2_000;
/** Channel dumps asked of a node at once when adopting its calls after a restart. */
const ADOPT_CONCURRENCY = 8;

/** How long Play waits for the playback to start (or fail) before returning anyway. */
export const PLAY_CONFIRM_MS = 3_000;
/** The channel variable naming the call's recording (what makes a repeated start a no-op). */
export const RECORDING_VAR = 'outbound_recording_id';

interface PlayWaiter {
  readonly file: string;
  readonly settle: (outcome: 'started' | 'missing' | 'failed' | 'unconfirmed') => void;
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
  /** Recordings being started, by call: a second ask meanwhile waits for the first. */
  private readonly recordingStarts = new Map<string, Promise<{ recordingId: string }>>();
  /** Nodes whose live calls were adopted by this process (done once, on the first connect). */
  private readonly adoptedNodes = new Set<string>();
  private readonly agentLegs = new Map<string, string>();
  /** Calls whose calls.originated is not out yet: their later events wait here, in order. */
  private readonly heldUntilOriginated = new Map<
    string,
    Array<{ event: CallEvent; signal?: ChannelSignal; arrivedAtMs?: number }>
  >();
  /** What each node offers, probed once per connection (module_exists). */
  private readonly detectors = new Map<string, Promise<AmdDetector>>();
  /** `node/gateway` → whether the node has that sofia gateway, probed once per connection. */
  private readonly gateways = new Map<string, Promise<boolean>>();
  private readonly playWaiters = new Map<string, PlayWaiter>();
  private readonly amdTimers = new Map<string, NodeJS.Timeout>();
  /** Per node: its originates in turn under its budget. */
  private readonly queues = new Map<string, OriginateQueue>();
  private readonly responsiveness: NodeResponsiveness;
  private readonly slowNodes = new Set<string>();
  private lastNode: string | undefined;
  private draining = false;

  constructor(private readonly options: MediaControllerOptions) {
    this.now = options.now ?? Date.now;
    this.responsiveness = new NodeResponsiveness(options.responsiveness ?? DEFAULT_RESPONSIVENESS);
  }

  /** Every ESL event from every node comes through here; `arrivedAtMs` is its `performance.now()` arrival. */
  onEslEvent(node: string, event: EslEvent, arrivedAtMs = performance.now()): void {
    const signal = toSignal(event, this.now());
    if (signal === undefined) return;
    if (signal.type === 'dtmf') this.onDtmf(signal.uuid, signal.digit);
    if (signal.type === 'playback-start') this.playWaiters.get(signal.uuid)?.settle('started');
    if (signal.type === 'app-complete' && signal.app === 'playback') {
      const response = signal.response.toUpperCase();
      if (response === 'FILE NOT FOUND') this.playWaiters.get(signal.uuid)?.settle('missing');
      else if (response === 'PLAYBACK ERROR') this.playWaiters.get(signal.uuid)?.settle('failed');
    }
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
    // A (re)connected node may be another FreeSWITCH (restart, new modules, new gateways): probe again.
    this.detectors.delete(node);
    for (const key of this.gateways.keys()) if (key.startsWith(`${node}/`)) this.gateways.delete(key);
    void this.detectorOf(node);
    try {
      const reply = await this.options.pool.connection(node).api('show channels as json');
      const listed = reply.ok ? parseShowChannels(reply.body) : undefined;
      if (listed === undefined) {
        log.warn('could not read the channel list; calls are kept until their events arrive');
        return;
      }
      // `show channels` reads FreeSWITCH's core db, written behind the channels: a call placed just now
      // may be missing from it. Ask the session table (uuid_exists) about those before calling them gone.
      const known = new Set(listed.map((c) => c.uuid));
      const live = [...listed];
      for (const callId of this.table.placedSince(node, this.now() - SHOW_CHANNELS_TRUST_MS)) {
        if (known.has(callId)) continue;
        const exists = await this.options.pool.connection(node).api(`uuid_exists ${callId}`);
        if (exists.body.trim() === 'true') live.push({ uuid: callId, callState: '' });
      }
      const emitted = this.table.reconcile(node, live, this.now());
      for (const e of emitted) if (e.kind === 'hangup') this.onChannelGone(e.call.callId);
      this.emit(emitted);
      const adopted = this.adoptedNodes.has(node) ? 0 : await this.adoptLiveCalls(node, live);
      log.info(
        { live: live.length, tracked: this.table.countOn(node), changes: emitted.length, adopted },
        'channel table reconciled',
      );
    } catch (error) {
      log.warn({ err: redactText((error as Error).message) }, 'reconcile failed; will retry on the next reconnect');
    }
  }

  /**
   * The first time this process reaches a node, the calls of ours already live there (placed before
   * a restart) are adopted from their channel dumps, so their answers, bridges and hang-ups are still
   * published: without it a restart of media lost the facts of every call in flight. Later
   * reconnects skip this: unknown channels then belong to another media replica or application.
   */
  private async adoptLiveCalls(node: string, live: readonly LiveChannel[]): Promise<number> {
    const unknown = live.filter((c) => this.table.get(c.uuid) === undefined).map((c) => c.uuid);
    let adopted = 0;
    for (let i = 0; i < unknown.length; i += ADOPT_CONCURRENCY) {
      const dumps = await Promise.all(
        unknown
          .slice(i, i + ADOPT_CONCURRENCY)
          .map((uuid) => this.options.pool.connection(node).api(`uuid_dump ${uuid} json`)),
      );
      for (const reply of dumps) {
        const dumped = reply.ok ? parseChannelDump(reply.body, node) : undefined;
        if (dumped === undefined || this.table.get(dumped.ref.callId) !== undefined) continue;
        adopted += 1;
        this.emit(this.table.adopt(dumped, this.now()));
      }
    }
    this.adoptedNodes.add(node);
    return adopted;
  }

  async originate(command: OriginateCommand): Promise<{ callId: string; node: string }> {
    if (this.draining) throw new UnavailableError('media is draining: no new calls here', { reason: 'MEDIA_DRAINING' });
    const pool = this.options.pool;
    const nowMs = performance.now();
    const connected = pool.names().filter((name) => pool.isHealthy(name));
    const node = selectNode(
      pool.names().map((name) => ({
        name,
        healthy: connected.includes(name) && !this.slow(name, nowMs) && !this.backlogged(name),
        activeCalls: this.table.countOn(name),
      })),
      this.lastNode,
    );
    if (node === undefined && connected.length === 0)
      throw new UnavailableError('no media node is connected', { reason: 'NO_MEDIA_NODE' });
    if (node === undefined)
      throw new UnavailableError(
        'every media node is too busy for a new call: slow to answer or its originates queued',
        {
          reason: 'MEDIA_NODES_BUSY',
        },
      );
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
    if (!(await this.gatewayExists(node, command.gateway)))
      throw new FailedPreconditionError(`gateway ${command.gateway} is not configured on media node ${node}`, {
        reason: 'GATEWAY_UNKNOWN',
        details: { node, gateway: command.gateway },
      });
    const claim = await this.options.placements
      .claim(command.attemptId, { callId, node })
      .catch(async (error: unknown) => {
        // The claim may have been written all the same (its reply lost): made a void if so, so no
        // dialer takes this call, never placed, for a live one.
        await this.releaseClaim(command.attemptId, callId);
        throw new UnavailableError('call placements cannot be reached: no call placed', {
          reason: 'PLACEMENTS_UNAVAILABLE',
          cause: error,
        });
      });
    if (claim === 'voided')
      throw new FailedPreconditionError("the attempt was given up by its campaign's owner: not placed", {
        reason: 'ATTEMPT_VOIDED',
      });
    // Placed before (a repeated request): the same call, not a second one.
    if (claim !== 'claimed') return claim;
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
    // The node's events can arrive before Originate's own reply does; calls.originated goes first.
    this.heldUntilOriginated.set(callId, []);
    const created = new Promise<'created'>((resolve) => this.createdWaiters.set(callId, () => resolve('created')));
    await this.queueOf(node).turn('customer');
    // How long the node takes to take the call (its channel, or its reply) tells how busy it is.
    const sent = this.responsiveness.sent(node, performance.now());
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
    this.answered(node, sent, typeof first === 'object' ? `originate ${first.kind}` : `originate ${first}`);
    clearTimeout(timer);
    this.createdWaiters.delete(callId);
    // A late reply (the switch is busy, or its replies queue behind a burst of events) is not a
    // refusal: the call may be ringing. Only a failure to reach the node forgets the call.
    const lateReply = typeof first === 'object' && first.kind === 'error' && first.error instanceof EslTimeoutError;
    if (typeof first === 'object' && first.kind === 'error' && !lateReply && !this.table.isCreated(callId)) {
      this.table.forget(callId);
      this.heldUntilOriginated.delete(callId);
      log.warn({ err: redactText((first.error as Error).message) }, 'originate not accepted by the node');
      // Not placed: the claim says so (else the dialer, asking after the error, holds a call that is not there).
      await this.releaseClaim(command.attemptId, callId);
      throw new UnavailableError(`media node ${node} did not accept the call`, {
        reason: 'NODE_UNAVAILABLE',
        details: { node },
        cause: first.error,
      });
    }
    this.emit(originated);
    this.releaseHeld(callId);
    // The outcome flows as events; a job that fails without any channel event ends the call here.
    void settled.then((outcome) => {
      if (outcome.kind === 'job' && !outcome.ok && !this.table.isCreated(callId)) {
        const refused = /^-ERR\s+([A-Z_]+)/.exec(outcome.body)?.[1] ?? 'NORMAL_TEMPORARY_FAILURE';
        // No channel and DESTINATION_OUT_OF_ORDER: the node's sessions-per-second throttle, not the network.
        const cause = refused === 'DESTINATION_OUT_OF_ORDER' ? CAUSE_NODE_OVERLOADED : refused;
        if (cause === CAUSE_NODE_OVERLOADED) log.warn('the node refused the originate: over its sessions-per-second');
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

  /**
   * Whether `node` still has the call, asked of the node itself (uuid_exists): a media restarted
   * while the call ended never saw its hang-up, and no longer knows the call to report it.
   */
  async callExists(callId: string, node: string): Promise<boolean> {
    if (!this.options.pool.names().includes(node)) throw new NotFoundError('media node', node);
    // A node not connected: UNAVAILABLE from the pool.
    const reply = await this.api(node, `uuid_exists ${callId}`);
    return reply.body.trim() === 'true';
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
    await this.queueOf(node).turn('agent-leg');
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

  /**
   * Plays a file or tone on the call. uuid_broadcast answers `+OK` before the channel even looks
   * at the file, so Play waits until the playback starts (PLAYBACK_START) or fails (the playback
   * app completing with FILE NOT FOUND / PLAYBACK ERROR), up to PLAY_CONFIRM_MS.
   */
  async play(callId: string, media: { file: string } | { tone: string }): Promise<void> {
    const node = this.nodeOf(callId);
    const what = 'file' in media ? media.file : `tone_stream://${media.tone}`;
    if (this.playWaiters.has(callId))
      throw new FailedPreconditionError('a playback is already being started on this call', { reason: 'PLAY_BUSY' });
    let timer: NodeJS.Timeout | undefined;
    const outcome = new Promise<'started' | 'missing' | 'failed' | 'unconfirmed'>((resolve) => {
      const settle = (result: 'started' | 'missing' | 'failed' | 'unconfirmed'): void => {
        clearTimeout(timer);
        if (this.playWaiters.get(callId)?.settle === settle) this.playWaiters.delete(callId);
        resolve(result);
      };
      this.playWaiters.set(callId, { file: what, settle });
      timer = setTimeout(() => settle('unconfirmed'), PLAY_CONFIRM_MS);
    });
    let reply: { ok: boolean; body: string };
    try {
      reply = await this.api(node, `uuid_broadcast ${callId} ${what} aleg`);
    } catch (error) {
      this.playWaiters.get(callId)?.settle('failed');
      throw error;
    }
    if (!reply.ok) {
      this.playWaiters.get(callId)?.settle('failed');
      throw this.notFoundOr(callId, 'PLAY_REFUSED', 'play refused by the node');
    }
    const result = await outcome;
    if (result === 'missing')
      throw new FailedPreconditionError('the media node has no such file to play', { reason: 'FILE_NOT_FOUND' });
    if (result === 'failed') throw this.notFoundOr(callId, 'PLAY_FAILED', 'the media node could not play the file');
    if (result === 'unconfirmed')
      this.options.logger.debug({ callId, node }, 'playback not confirmed in time; assuming it plays');
  }

  /**
   * Starts the call's recording, once per call: a repeated ask (a redelivered event, two asks at
   * once, an ask after this process restarted) gets the recording already running, which the
   * channel itself names (RECORDING_VAR), instead of a second recording of the same call.
   */
  async startRecording(callId: string): Promise<{ recordingId: string }> {
    const asked = this.recordingStarts.get(callId);
    if (asked) return asked;
    const starting = this.startRecordingOnce(callId).finally(() => this.recordingStarts.delete(callId));
    this.recordingStarts.set(callId, starting);
    return starting;
  }

  private async startRecordingOnce(callId: string): Promise<{ recordingId: string }> {
    for (const [recordingId, recording] of this.recordings) if (recording.callId === callId) return { recordingId };
    const node = this.nodeOf(callId);
    const running = await this.api(node, `uuid_getvar ${callId} ${RECORDING_VAR}`);
    if (!running.ok) throw this.notFoundOr(callId, 'RECORD_REFUSED', 'recording refused by the node');
    const known = running.body.trim();
    if (known !== '' && known !== '_undef_') {
      this.recordings.set(known, { callId, path: this.recordingPath(callId, known) });
      return { recordingId: known };
    }
    const recordingId = randomUUID();
    const path = this.recordingPath(callId, recordingId);
    // Stereo: the customer on the left channel, our side (agent or robot) on the right, so each
    // side is transcribed on its own.
    const vars = await this.api(node, `uuid_setvar_multi ${callId} RECORD_STEREO=true;${RECORDING_VAR}=${recordingId}`);
    if (!vars.ok) throw this.notFoundOr(callId, 'RECORD_REFUSED', 'recording refused by the node');
    const reply = await this.api(node, `uuid_record ${callId} start ${path}`);
    if (!reply.ok) {
      await this.api(node, `uuid_setvar ${callId} ${RECORDING_VAR}`).catch(() => undefined);
      throw this.notFoundOr(callId, 'RECORD_REFUSED', 'recording refused by the node');
    }
    this.recordings.set(recordingId, { callId, path });
    return { recordingId };
  }

  private recordingPath(callId: string, recordingId: string): string {
    return `${this.options.recordingsDir.replace(/\/$/, '')}/${callId}/${recordingId}.wav`;
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

  /** Calls up on one node (its gauge; the preStop drain waits for them all to reach 0). */
  activeCallsOn(node: string): number {
    return this.table.countOn(node);
  }

  /**
   * Call-aware drain: no new customer call is taken (the dialer places it on another replica),
   * while the calls up go on being served (bridge, play, hang-up, their events) until they end or
   * `graceMs` passes. Resolves with the calls still up then.
   */
  async drain(graceMs: number): Promise<number> {
    this.draining = true;
    const deadline = Date.now() + graceMs;
    while (this.table.size > 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, Math.min(250, Math.max(1, deadline - Date.now()))));
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
    this.playWaiters.get(callId)?.settle('failed');
    clearTimeout(this.amdTimers.get(callId));
    this.amdTimers.delete(callId);
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

  /**
   * AMD with what the node has (issue 19: FreeSWITCH 1.10.12 has no `amd` application, and running
   * it hangs the answered call up). mod_amd: run `amd`, its verdict comes with EXECUTE_COMPLETE
   * (`amd_result`). mod_avmd: listen for a voicemail beep for AVMD_LISTEN_MS — a beep is `machine`,
   * silence is `unknown` (avmd cannot tell a person). Neither: `unknown` at once.
   */
  private startAmd(node: string, callId: string): void {
    void this.detectorOf(node).then(async (detector) => {
      const log = this.options.logger.child({ callId, node, detector });
      if (!this.table.wantsAmd(callId)) return;
      if (detector === 'none') {
        log.info('no answering-machine detector on this node; verdict unknown');
        this.emit(this.table.decideAmd(callId, 'unknown', this.now(), 'none'));
        return;
      }
      const connection = this.options.pool.connection(node);
      try {
        if (detector === 'mod_amd') {
          await connection.sendmsg(callId, [
            ['call-command', 'execute'],
            ['execute-app-name', 'amd'],
          ]);
        } else {
          await connection.api(`avmd ${callId} start`);
          const timer = setTimeout(() => {
            this.amdTimers.delete(callId);
            if (!this.table.wantsAmd(callId)) return;
            this.emit(this.table.decideAmd(callId, 'unknown', this.now(), 'mod_avmd'));
            connection.api(`avmd ${callId} stop`).catch(() => undefined);
          }, AVMD_LISTEN_MS);
          timer.unref();
          this.amdTimers.set(callId, timer);
        }
        log.debug('answering-machine detection started');
      } catch (error) {
        log.warn({ err: redactText((error as Error).message) }, 'could not start AMD');
      }
    });
  }

  /** The node's detector, probed with module_exists once per connection. */
  private detectorOf(node: string): Promise<AmdDetector> {
    const known = this.detectors.get(node);
    if (known !== undefined) return known;
    const probe = (async (): Promise<AmdDetector> => {
      const has = async (module: string): Promise<boolean> =>
        (await this.options.pool.connection(node).api(`module_exists ${module}`)).body.trim() === 'true';
      if (await has('mod_amd')) return 'mod_amd';
      if (await has('mod_avmd')) return 'mod_avmd';
      return 'none';
    })().catch((error: unknown) => {
      this.detectors.delete(node);
      this.options.logger.warn({ node, err: redactText((error as Error).message) }, 'could not probe AMD modules');
      return 'none' as const;
    });
    this.detectors.set(node, probe);
    void probe.then((detector) => this.options.logger.info({ node, detector }, 'answering-machine detector'));
    return probe;
  }

  /** A command's answer came: how long it took counts towards the node's slowness (its verb logged when slow). */
  private answered(node: string, token: number, what: string): void {
    const tookMs = this.responsiveness.answered(node, token, performance.now());
    if (tookMs !== undefined)
      this.options.logger.info({ node, what, tookMs: Math.round(tookMs) }, 'media node slow to answer');
  }

  /** Too slow for new calls (domain/node-responsiveness.ts); each change is logged once. */
  private slow(node: string, nowMs: number): boolean {
    const slow = this.responsiveness.slow(node, nowMs);
    if (slow !== this.slowNodes.has(node)) {
      if (slow) this.slowNodes.add(node);
      else this.slowNodes.delete(node);
      if (slow) this.options.logger.warn({ node }, 'media node too slow to answer: no new calls on it');
      else this.options.logger.info({ node }, 'media node answers in time again: new calls on it');
    }
    return slow;
  }

  private queueOf(node: string): OriginateQueue {
    let queue = this.queues.get(node);
    if (queue === undefined) {
      queue = new OriginateQueue(this.options.originatesPerSecond ?? 25);
      this.queues.set(node, queue);
    }
    return queue;
  }

  /** More customer originates wait for the node than its budget sends in the allowed backlog. */
  private backlogged(node: string): boolean {
    const perSecond = this.options.originatesPerSecond ?? 25;
    return this.queueOf(node).customersWaiting >= perSecond * (this.options.originateBacklogSeconds ?? 1);
  }

  /**
   * Whether the node has the sofia gateway (`sofia status gateway <gw>` answers `Invalid Gateway!`
   * otherwise). A probe that fails is not cached and lets the call through: the node decides.
   */
  private async gatewayExists(node: string, gateway: string): Promise<boolean> {
    const key = `${node}/${gateway}`;
    let probe = this.gateways.get(key);
    if (probe === undefined) {
      probe = this.options.pool
        .connection(node)
        .api(`sofia status gateway ${gateway}`)
        .then((reply) => !/invalid gateway/i.test(reply.body));
      this.gateways.set(key, probe);
      probe.catch(() => this.gateways.delete(key));
    }
    try {
      return await probe;
    } catch {
      return true;
    }
  }

  private emit(emitted: readonly CallEvent[], signal?: ChannelSignal, eslArrivedAtMs?: number): void {
    for (const event of emitted) {
      const held = event.kind === 'originated' ? undefined : this.heldUntilOriginated.get(event.call.callId);
      if (held !== undefined) {
        held.push({
          event,
          ...(signal === undefined ? {} : { signal }),
          ...(eslArrivedAtMs === undefined ? {} : { arrivedAtMs: eslArrivedAtMs }),
        });
        continue;
      }
      void this.options.publisher.publish(event, signal?.vars.traceparent, eslArrivedAtMs);
    }
  }

  /** calls.originated is out: what the node reported meanwhile follows, in arrival order. */
  private releaseHeld(callId: string): void {
    const held = this.heldUntilOriginated.get(callId);
    this.heldUntilOriginated.delete(callId);
    for (const item of held ?? []) this.emit([item.event], item.signal, item.arrivedAtMs);
  }

  /** A call not placed after its claim: the claim made a void (best effort; logged when it fails). */
  private async releaseClaim(attemptId: string, callId: string): Promise<void> {
    await this.options.placements
      .release(attemptId, callId)
      .catch((error: unknown) =>
        this.options.logger.warn({ err: error, attemptId, callId }, 'claim of a call not placed not released'),
      );
  }

  private nodeOf(callId: string): string {
    const call = this.table.get(callId);
    if (call === undefined) throw new NotFoundError('call', callId);
    return call.ref.node;
  }

  private async api(node: string, command: string): Promise<{ ok: boolean; body: string }> {
    const connection = this.options.pool.connection(node);
    const sent = this.responsiveness.sent(node, performance.now());
    try {
      return await connection.api(command);
    } catch (error) {
      throw this.eslFailure(node, error);
    } finally {
      this.answered(node, sent, command.split(' ')[0]!);
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
