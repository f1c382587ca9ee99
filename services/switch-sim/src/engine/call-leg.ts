import { randomUUID } from 'node:crypto';
import {
  CHANNEL_STATE_NUMBER,
  ChannelVariables,
  type CallStateName,
  type Channel,
  type ChannelStateName,
} from '../domain/channel.js';
import {
  buildChannelEvent,
  type ChannelEventKind,
  type ChannelEventParts,
  type EventStamp,
} from '../domain/channel-events.js';
import type { SipLegFacts } from '../domain/channel-vars.js';
import type { Header, SwitchEvent } from '../domain/esl-event.js';
import type { TimedSpeech } from '../domain/scenario.js';
import type { SimClock } from './clock.js';
import { channelRow } from './api-text.js';
import type { ActiveRecording, MediaFiles } from './recording.js';
import type { TransferTarget } from './transfer.js';

/**
 * How far FreeSWITCH's core db (what `show channels|calls` reads) trails the channel: its rows are
 * written by a queue thread from the channel's events. 02/05 asked 3 ms after CHANNEL_PARK and got
 * the ringing row of 500 ms before; 22 asked 300 ms after and got the current one.
 */
export const CORE_DB_LAG_MS = 100;

/** A leg's row in the core db as it stood at `atUs`, with the bridge it was in then. */
export interface DbRowSnapshot {
  readonly atUs: number;
  readonly row: Readonly<Record<string, string>>;
  readonly bridge?: { readonly peer: CallLeg; readonly side: BridgeSide };
}

/** What a leg needs from the switch: time, and a way to put an event on the bus. */
export interface LegContext {
  readonly clock: SimClock;
  /** Stamps (time, sequence, identity) at publication so sequence numbers follow bus order. */
  readonly publish: (build: (stamp: EventStamp) => SwitchEvent) => void;
  /** Where uuid_record writes its files and playback finds them. */
  readonly recordings: MediaFiles;
}

export interface HangupRequest {
  readonly cause: string;
  /** 'remote' when the far end sent BYE, 'local' for uuid_kill / sendmsg hangup / bridge peer. */
  readonly by: 'local' | 'remote';
  /** Variables the cause brings with it (SIP status of a BYE or refusal). */
  readonly vars?: readonly Header[];
}

/**
 * A message queued by sendmsg / uuid_broadcast for the park loop: an application to execute, or
 * a hangup (sendmsg `call-command: hangup`, whose PRIVATE_COMMAND follows CHANNEL_HANGUP in 06).
 */
export type QueuedMessage =
  | {
      readonly kind: 'execute';
      readonly app: string;
      readonly arg: string;
      readonly eventUuid?: string;
      /** Headers echoed ahead of PRIVATE_COMMAND (the command as the client sent it). */
      readonly lead: readonly Header[];
    }
  | { readonly kind: 'hangup'; readonly cause: string; readonly lead: readonly Header[] };

/** The application currently running on the leg, so hangup can complete it. */
export interface RunningApp {
  readonly app: string;
  readonly arg: string;
  readonly appUuid: string;
}

export type BridgeSide = 'a' | 'b';

/** One channel and the means to drive it: emit its events, wait, be interrupted by hangup. */
export class CallLeg {
  readonly channel: Channel;
  readonly abort = new AbortController();
  hangupRequest: HangupRequest | undefined;
  runningApp: RunningApp | undefined;
  lastApp: { app: string; arg: string } | undefined;
  recording: ActiveRecording | undefined;
  /** The leg this one is bridged to; side 'a' carries CHANNEL_BRIDGE/UNBRIDGE (04: the A leg only). */
  bridge: { readonly peer: CallLeg; readonly side: BridgeSide } | undefined;
  /** Set by uuid_bridge on a parked leg: the park loop leaves to join this bridge. */
  pendingBridge: { readonly peer: CallLeg; readonly side: BridgeSide } | undefined;
  /** Set by uuid_transfer: the running application ends and the new caller profile routes. */
  pendingTransfer: TransferTarget | undefined;
  /** The `answer` application on a leg whose answer is someone else's business (a loopback B leg). */
  onAnswerRequest: ((app: string) => void) | undefined;
  /** The grammar of a running detect_speech; undefined when no recogniser listens. */
  speechGrammar: string | undefined;
  /** Who hears the digits the far end presses (play_and_get_digits, eavesdrop modes). */
  readonly digitListeners = new Set<(digit: string) => void>();
  /** On hold since (uuid_hold). */
  held: { readonly sinceUs: number } | undefined;
  /** Hold periods [start, end] in epoch µs, most recent first (hold_events). */
  readonly holdEvents: Array<[number, number]> = [];
  answeredAtUs = 0;
  /** What the far end says after answer (the scenario's speech), for recordings to carry. */
  farEndSpeech: readonly TimedSpeech[] = [];
  /** When the leg was first joined to another (ground truth: was the customer bridged to an agent). */
  bridgedAtUs = 0;
  /** What the far end really is, for the AMD application to "detect" after its delay. */
  amdTruth: { verdict: 'HUMAN' | 'MACHINE' | 'NOTSURE'; delayMs: number } = { verdict: 'NOTSURE', delayMs: 0 };
  endedAtUs = 0;
  /** mod_avmd running on the leg; `hearsOwnAudio` when started with outbound_channel=1. */
  avmd: { readonly startedUs: number; readonly hearsOwnAudio: boolean; beepDetected: boolean } | undefined;
  /** Events the session thread delivers once the message being executed is done (after PRIVATE_COMMAND). */
  readonly afterMessage: Array<() => void> = [];
  /** Resolves when the leg is destroyed. */
  readonly finished: Promise<void>;
  private markFinished: () => void = () => undefined;
  private readonly queue: QueuedMessage[] = [];
  private wake: (() => void) | undefined;

  constructor(
    private readonly ctx: LegContext,
    readonly facts: SipLegFacts,
    init: { destination: string; callerIdNumber: string; callerIdName?: string; name: string },
  ) {
    const now = ctx.clock.nowUs();
    this.channel = {
      uuid: facts.uuid,
      name: init.name,
      destination: init.destination,
      initialDestination: init.destination,
      state: 'CS_NONE',
      stateNumber: 1,
      callState: 'DOWN',
      answerState: 'ringing',
      hitDialplan: false,
      codecReady: false,
      ids: {
        ...(init.callerIdName === undefined
          ? {}
          : { callerIdName: init.callerIdName, origCallerIdName: init.callerIdName }),
        callerIdNumber: init.callerIdNumber,
        origCallerIdNumber: init.callerIdNumber,
        calleeIdName: 'Outbound Call',
        calleeIdNumber: init.destination,
        ani: init.callerIdNumber,
      },
      logicalDirection: 'outbound',
      profileIndex: 1,
      hasProfile: true,
      times: {
        profileCreated: now,
        created: now,
        answered: 0,
        progress: 0,
        progressMedia: 0,
        hangup: 0,
        transfer: 0,
        bridged: 0,
      },
      vars: new ChannelVariables(),
    };
    this.finished = new Promise((resolve) => {
      this.markFinished = resolve;
    });
  }

  get uuid(): string {
    return this.channel.uuid;
  }

  /** In the park application, possibly running a queued message's app right now. */
  inPark = false;

  /** Sitting in the park application, idle, reading queued messages. */
  get parked(): boolean {
    return this.runningApp?.app === 'park';
  }

  get vars(): ChannelVariables {
    return this.channel.vars;
  }

  now(): number {
    return this.ctx.clock.nowUs();
  }

  get recordings(): MediaFiles {
    return this.ctx.recordings;
  }

  emit(kind: ChannelEventKind, parts?: ChannelEventParts): void {
    this.ctx.publish((stamp) => buildChannelEvent(kind, this.channel, stamp, parts));
    this.recordDbRow();
  }

  private readonly dbHistory: DbRowSnapshot[] = [];

  /** The core db updates from events; keep what it will show once its queue catches up. */
  private recordDbRow(): void {
    const atUs = this.now();
    const snapshot: DbRowSnapshot = {
      atUs,
      row: channelRow(this.channel, '', this.runningApp),
      ...(this.bridge === undefined ? {} : { bridge: this.bridge }),
    };
    const last = this.dbHistory.at(-1);
    if (last !== undefined && last.atUs === atUs) this.dbHistory[this.dbHistory.length - 1] = snapshot;
    else this.dbHistory.push(snapshot);
    // Keep one snapshot older than the lag window: the one the db shows now.
    const horizon = atUs - CORE_DB_LAG_MS * 1000;
    while (this.dbHistory.length > 1 && (this.dbHistory[1]?.atUs ?? Infinity) <= horizon) this.dbHistory.shift();
  }

  /** The row `show` reads now: undefined while the channel's insert is still queued. */
  dbRow(nowUs: number): DbRowSnapshot | undefined {
    const horizon = nowUs - CORE_DB_LAG_MS * 1000;
    let found: DbRowSnapshot | undefined;
    for (const snapshot of this.dbHistory) if (snapshot.atUs <= horizon) found = snapshot;
    return found;
  }

  /** Moves the running state and announces it with CHANNEL_STATE. */
  enterState(state: ChannelStateName, stateNumber: number = CHANNEL_STATE_NUMBER[state]): void {
    this.channel.state = state;
    this.channel.stateNumber = stateNumber;
    this.emit('state');
  }

  setCallState(callState: CallStateName): void {
    const previous = this.channel.callState;
    this.channel.callState = callState;
    this.emit('callState', {
      before: [
        ['Original-Channel-Call-State', previous],
        ['Channel-Call-State-Number', String(callStateNumber(callState))],
      ],
    });
  }

  /** Waits simulated time; false when a hangup interrupted the wait. */
  async wait(ms: number): Promise<boolean> {
    if (this.hangupRequest !== undefined) return false;
    return this.ctx.clock.sleep(ms, this.abort.signal);
  }

  /** Waits simulated time even after hangup (teardown pacing). */
  async pause(ms: number): Promise<void> {
    await this.ctx.clock.sleep(ms);
  }

  requestHangup(request: HangupRequest): boolean {
    if (this.hangupRequest !== undefined) return false;
    this.hangupRequest = request;
    this.abort.abort();
    this.wake?.();
    return true;
  }

  /** uuid_bridge: take a parked leg out of park into a bridge with `peer`. */
  requestBridge(peer: CallLeg, side: BridgeSide): void {
    this.pendingBridge = { peer, side };
    this.wake?.();
  }

  private mediaBreak: AbortController | undefined;

  /** uuid_break: the playback running now stops (with `all`, queued messages are dropped too). */
  breakMedia(all: boolean): void {
    this.mediaBreak?.abort();
    if (all) this.queue.length = 0;
  }

  /** Waits like wait(), but also ends early on uuid_break; 'break' then. */
  async playFor(ms: number): Promise<'done' | 'break' | 'hangup'> {
    if (this.hangupRequest !== undefined) return 'hangup';
    const media = new AbortController();
    this.mediaBreak = media;
    const both = AbortSignal.any([this.abort.signal, media.signal]);
    const done = await this.ctx.clock.sleep(ms, both);
    if (this.mediaBreak === media) this.mediaBreak = undefined;
    if (done) return 'done';
    return this.hangupRequest !== undefined ? 'hangup' : 'break';
  }

  /** uuid_transfer: leave the running application (park) for the transfer's new profile. */
  requestTransfer(target: TransferTarget): void {
    this.pendingTransfer = target;
    this.wake?.();
  }

  /** Resolves once a hangup has been requested (at once if it already was). */
  async untilHangupRequest(): Promise<void> {
    if (this.hangupRequest !== undefined) return;
    await new Promise<void>((resolve) => this.abort.signal.addEventListener('abort', () => resolve(), { once: true }));
  }

  enqueue(message: QueuedMessage): void {
    this.queue.push(message);
    this.wake?.();
  }

  takeQueued(): QueuedMessage | undefined {
    return this.queue.shift();
  }

  /** Resolves when there is queued work or a hangup request. */
  async waitForWork(): Promise<void> {
    if (
      this.queue.length > 0 ||
      this.hangupRequest !== undefined ||
      this.pendingBridge !== undefined ||
      this.pendingTransfer !== undefined
    )
      return;
    await new Promise<void>((resolve) => {
      this.wake = () => {
        this.wake = undefined;
        resolve();
      };
    });
  }

  newAppUuid(): string {
    return randomUUID();
  }

  finish(): void {
    this.markFinished();
  }
}

function callStateNumber(state: CallStateName): number {
  const numbers: Record<CallStateName, number> = {
    DOWN: 0,
    DIALING: 1,
    RINGING: 2,
    EARLY: 3,
    ACTIVE: 4,
    HELD: 5,
    RING_WAIT: 6,
    HANGUP: 7,
    UNHELD: 8,
  };
  return numbers[state];
}
