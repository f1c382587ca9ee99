import {
  CAUSE_LOST_WHILE_DISCONNECTED,
  recordingOfPath,
  type AmdDetectorName,
  type AmdVerdict,
  type CallEvent,
  type CallRef,
} from './call-events.js';
import { VAR, type ChannelSignal } from './channel-signal.js';

type Phase = 'dialing' | 'ringing' | 'early' | 'answered';

interface CallState {
  ref: CallRef;
  phase: Phase;
  startedAtMs: number;
  answeredAtMs?: number;
  amdRequested: boolean;
  created: boolean;
  amdReported: boolean;
  bridgedTo?: string;
  /** The first bridge, repeated on the hang-up. */
  firstBridge?: { atMs: number; agentCallId: string };
  sipStatus?: number;
}

/** One live channel as `show channels as json` lists it. */
export interface LiveChannel {
  readonly uuid: string;
  /** `callstate`: DOWN, RINGING, EARLY, ACTIVE, HELD, HANGUP … */
  readonly callState: string;
}

export interface CallSnapshot {
  readonly ref: CallRef;
  readonly phase: Phase;
  readonly answered: boolean;
  readonly bridgedTo?: string;
}

/**
 * The channel table and per-call state machine: pure, deterministic, fed normalised signals and
 * a clock value; it returns the domain events each input produces. Each fact is reported once.
 */
export class CallTable {
  private readonly calls = new Map<string, CallState>();
  /** Calls per node, kept with the table: node selection asks on every Originate. */
  private readonly perNode = new Map<string, number>();

  get size(): number {
    return this.calls.size;
  }

  countOn(node: string): number {
    return this.perNode.get(node) ?? 0;
  }

  get(callId: string): CallSnapshot | undefined {
    const call = this.calls.get(callId);
    if (call === undefined) return undefined;
    return {
      ref: call.ref,
      phase: call.phase,
      answered: call.answeredAtMs !== undefined,
      ...(call.bridgedTo ? { bridgedTo: call.bridgedTo } : {}),
    };
  }

  /** Calls on `node` placed at or after `sinceMs` (too young to trust `show channels` about). */
  placedSince(node: string, sinceMs: number): string[] {
    const out: string[] = [];
    for (const [callId, call] of this.calls)
      if (call.ref.node === node && call.startedAtMs >= sinceMs) out.push(callId);
    return out;
  }

  /** A call we asked a node to place: it is in the table from now on. */
  register(ref: CallRef, nowMs: number, options: { amd?: boolean } = {}): CallEvent[] {
    if (this.calls.has(ref.callId)) return [];
    this.calls.set(ref.callId, {
      ref,
      phase: 'dialing',
      startedAtMs: nowMs,
      amdRequested: options.amd ?? false,
      amdReported: false,
      created: false,
    });
    this.perNode.set(ref.node, this.countOn(ref.node) + 1);
    return [{ kind: 'originated', call: ref, atMs: nowMs }];
  }

  /** Drop a call the node never accepted (the command itself failed): no events. */
  forget(callId: string): void {
    this.remove(callId);
  }

  /** True once the node reported the channel (CHANNEL_CREATE or any later event). */
  isCreated(callId: string): boolean {
    return this.calls.get(callId)?.created ?? false;
  }

  /** The node refused the originate before any channel event (e.g. `-ERR USER_BUSY` with no events). */
  fail(callId: string, cause: string, nowMs: number): CallEvent[] {
    const call = this.calls.get(callId);
    if (call === undefined) return [];
    this.remove(callId);
    return [
      {
        kind: 'hangup',
        call: call.ref,
        atMs: nowMs,
        cause,
        billsec: 0,
        answered: false,
        ...(call.sipStatus === undefined ? {} : { sipStatus: call.sipStatus }),
      },
    ];
  }

  /** A verdict reached outside the channel's events (no detector on the node, or avmd heard no beep in time). */
  decideAmd(callId: string, verdict: AmdVerdict, nowMs: number, detector: AmdDetectorName): CallEvent[] {
    const call = this.calls.get(callId);
    if (call === undefined || call.amdReported || call.answeredAtMs === undefined) return [];
    return this.amd(call, verdict, nowMs, detector);
  }

  /** True when an answered call asked for AMD and has no verdict yet. */
  wantsAmd(callId: string): boolean {
    const call = this.calls.get(callId);
    return call !== undefined && call.amdRequested && !call.amdReported && call.answeredAtMs !== undefined;
  }

  apply(signal: ChannelSignal): CallEvent[] {
    const call = this.calls.get(signal.uuid);
    if (call === undefined) return [];
    const ref = call.ref;
    call.created = true;
    switch (signal.type) {
      case 'create':
        call.created = true;
        return [];
      case 'dtmf':
      case 'playback-start':
        return [];
      case 'progress': {
        if (call.phase === 'answered') return [];
        if (signal.earlyMedia) {
          if (call.phase === 'early') return [];
          call.phase = 'early';
          return [{ kind: 'ringing', call: ref, atMs: signal.atMs, earlyMedia: true }];
        }
        if (call.phase !== 'dialing') return [];
        call.phase = 'ringing';
        return [{ kind: 'ringing', call: ref, atMs: signal.atMs, earlyMedia: false }];
      }
      case 'answer':
        return this.answer(call, signal.atMs);
      case 'bridge': {
        if (call.bridgedTo === signal.otherUuid) return [];
        call.bridgedTo = signal.otherUuid;
        call.firstBridge ??= { atMs: signal.atMs, agentCallId: signal.otherUuid };
        return [{ kind: 'bridged', call: ref, atMs: signal.atMs, agentCallId: signal.otherUuid }];
      }
      case 'app-complete': {
        if (signal.app !== 'amd' || call.amdReported || call.answeredAtMs === undefined) return [];
        return this.amd(call, amdVerdict(signal.amdResult ?? signal.response), signal.atMs, 'mod_amd');
      }
      case 'beep':
        if (call.amdReported || call.answeredAtMs === undefined) return [];
        return this.amd(call, 'machine', signal.atMs, 'mod_avmd');
      case 'record-stop': {
        const recording = recordingOfPath(signal.path, signal.uuid);
        if (recording === undefined) return [];
        return [
          {
            kind: 'recorded',
            call: ref,
            atMs: signal.atMs,
            ...recording,
            ...(signal.durationMs === undefined ? {} : { durationMs: signal.durationMs }),
            ...(signal.sizeBytes === undefined ? {} : { sizeBytes: signal.sizeBytes }),
            ...(signal.cause === undefined ? {} : { cause: signal.cause }),
          },
        ];
      }
      case 'hangup': {
        if (signal.sipStatus !== undefined) call.sipStatus = signal.sipStatus;
        if (!signal.complete) return [];
        this.remove(signal.uuid);
        const answered = call.answeredAtMs !== undefined;
        const billsec =
          signal.billsec ??
          (answered ? Math.max(0, Math.floor((signal.atMs - (call.answeredAtMs ?? signal.atMs)) / 1000)) : 0);
        return [
          {
            kind: 'hangup',
            call: ref,
            atMs: signal.atMs,
            cause: signal.cause,
            billsec,
            answered,
            ...(call.answeredAtMs === undefined ? {} : { answeredAtMs: call.answeredAtMs }),
            ...(call.firstBridge === undefined ? {} : { bridge: call.firstBridge }),
            ...(call.sipStatus === undefined ? {} : { sipStatus: call.sipStatus }),
          },
        ];
      }
    }
  }

  /**
   * A live call of ours that this process did not place (media restarted while it rang or talked),
   * as the node describes it: tracked from now on, so its later facts (answer, bridge, hangup) are
   * published. Its answer and bridge are reported now; they carry the same event ids as when they
   * were first seen, so facts published before the restart are dropped as duplicates downstream.
   */
  adopt(dumped: DumpedCall, nowMs: number): CallEvent[] {
    if (this.calls.has(dumped.ref.callId)) return [];
    const state = dumped.callState.toUpperCase();
    const answered = dumped.answeredAtMs !== undefined || state === 'ACTIVE' || state === 'HELD';
    const call: CallState = {
      ref: dumped.ref,
      phase: answered ? 'answered' : state === 'EARLY' ? 'early' : state === 'RINGING' ? 'ringing' : 'dialing',
      startedAtMs: nowMs,
      amdRequested: false,
      amdReported: false,
      created: true,
    };
    this.calls.set(dumped.ref.callId, call);
    this.perNode.set(dumped.ref.node, this.countOn(dumped.ref.node) + 1);
    if (!answered) return [];
    const answeredAtMs = Math.min(dumped.answeredAtMs ?? nowMs, nowMs);
    call.answeredAtMs = answeredAtMs;
    const out: CallEvent[] = [{ kind: 'answered', call: call.ref, atMs: answeredAtMs }];
    if (dumped.bridgedTo !== undefined) {
      call.bridgedTo = dumped.bridgedTo;
      call.firstBridge = { atMs: nowMs, agentCallId: dumped.bridgedTo };
      out.push({ kind: 'bridged', call: call.ref, atMs: nowMs, agentCallId: dumped.bridgedTo });
    }
    return out;
  }

  /**
   * After a reconnect: the node's live channels are the truth. Our calls on that node that are
   * gone get a hangup (we missed it); calls the node shows answered that we did not see answer
   * get their answer. Nothing is forgotten and nothing stays orphaned.
   */
  reconcile(node: string, live: readonly LiveChannel[], nowMs: number): CallEvent[] {
    const byUuid = new Map(live.map((c) => [c.uuid, c]));
    const out: CallEvent[] = [];
    for (const [callId, call] of [...this.calls]) {
      if (call.ref.node !== node) continue;
      const channel = byUuid.get(callId);
      if (channel === undefined) {
        this.remove(callId);
        const answered = call.answeredAtMs !== undefined;
        out.push({
          kind: 'hangup',
          call: call.ref,
          atMs: nowMs,
          cause: CAUSE_LOST_WHILE_DISCONNECTED,
          answered,
          billsec: answered ? Math.max(0, Math.floor((nowMs - (call.answeredAtMs ?? nowMs)) / 1000)) : 0,
          ...(call.sipStatus === undefined ? {} : { sipStatus: call.sipStatus }),
        });
        continue;
      }
      const state = channel.callState.toUpperCase();
      if ((state === 'ACTIVE' || state === 'HELD') && call.answeredAtMs === undefined)
        out.push(...this.answer(call, nowMs));
      else if (state === 'RINGING' && call.phase === 'dialing') {
        call.phase = 'ringing';
        out.push({ kind: 'ringing', call: call.ref, atMs: nowMs, earlyMedia: false });
      } else if (state === 'EARLY' && (call.phase === 'dialing' || call.phase === 'ringing')) {
        call.phase = 'early';
        out.push({ kind: 'ringing', call: call.ref, atMs: nowMs, earlyMedia: true });
      }
    }
    return out;
  }

  private remove(callId: string): void {
    const call = this.calls.get(callId);
    if (call === undefined) return;
    this.calls.delete(callId);
    const left = this.countOn(call.ref.node) - 1;
    if (left > 0) this.perNode.set(call.ref.node, left);
    else this.perNode.delete(call.ref.node);
  }

  private answer(call: CallState, atMs: number): CallEvent[] {
    if (call.answeredAtMs !== undefined) return [];
    call.phase = 'answered';
    call.answeredAtMs = atMs;
    return [{ kind: 'answered', call: call.ref, atMs }];
  }

  private amd(call: CallState, verdict: AmdVerdict, atMs: number, detector: AmdDetectorName): CallEvent[] {
    call.amdReported = true;
    const detectMs = Math.max(0, atMs - (call.answeredAtMs ?? atMs));
    return [{ kind: 'amd', call: call.ref, atMs, verdict, detectMs, detector }];
  }
}

function amdVerdict(response: string): AmdVerdict {
  const value = response.trim().toUpperCase();
  if (value === 'HUMAN' || value === 'PERSON') return 'human';
  if (value === 'MACHINE') return 'machine';
  return 'unknown';
}

/** `show channels as json` → live channels; tolerant of FreeSWITCH's `{"row_count": 0}`. */
export function parseShowChannels(body: string): LiveChannel[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const rows = (parsed as { rows?: unknown }).rows;
  if (rows === undefined) return [];
  if (!Array.isArray(rows)) return undefined;
  const out: LiveChannel[] = [];
  for (const row of rows) {
    if (typeof row !== 'object' || row === null) continue;
    const { uuid, callstate } = row as { uuid?: unknown; callstate?: unknown };
    if (typeof uuid === 'string' && uuid !== '')
      out.push({ uuid, callState: typeof callstate === 'string' ? callstate : '' });
  }
  return out;
}

/** A live channel as `uuid_dump <uuid> json` describes it, when it is a customer call media placed. */
export interface DumpedCall {
  readonly ref: CallRef;
  readonly callState: string;
  readonly answeredAtMs?: number;
  readonly bridgedTo?: string;
}

/**
 * `uuid_dump <uuid> json` → the call media placed on that channel (our variables on it); undefined
 * for anything else: another application's channel, an agent leg, a reply that is not a dump.
 */
export function parseChannelDump(body: string, node: string): DumpedCall | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const field = (name: string): string | undefined => {
    const value = (parsed as Record<string, unknown>)[name];
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  const callId = field('Unique-ID');
  const campaignId = field(`variable_${VAR.campaignId}`);
  const leadId = field(`variable_${VAR.leadId}`);
  const attemptId = field(`variable_${VAR.attemptId}`);
  if (callId === undefined || campaignId === undefined || leadId === undefined || attemptId === undefined)
    return undefined;
  if (field('variable_outbound_leg') === 'agent') return undefined;
  const traceparent = field(`variable_${VAR.traceparent}`);
  // FreeSWITCH times are microseconds since the epoch; "0" until it happens.
  const answeredUs = Number(field('Caller-Channel-Answered-Time') ?? '0');
  const bridgedTo = field('variable_bridge_uuid') ?? field('Other-Leg-Unique-ID');
  return {
    ref: { callId, node, campaignId, leadId, attemptId, ...(traceparent ? { traceparent } : {}) },
    callState: field('Channel-Call-State') ?? '',
    ...(Number.isFinite(answeredUs) && answeredUs > 0 ? { answeredAtMs: Math.floor(answeredUs / 1000) } : {}),
    ...(bridgedTo === undefined ? {} : { bridgedTo }),
  };
}
