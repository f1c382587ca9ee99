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
import type { SimClock } from './clock.js';

/** What a leg needs from the switch: time, and a way to put an event on the bus. */
export interface LegContext {
  readonly clock: SimClock;
  /** Stamps (time, sequence, identity) at publication so sequence numbers follow bus order. */
  readonly publish: (build: (stamp: EventStamp) => SwitchEvent) => void;
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
  recording: string | undefined;
  /** The leg this one is bridged to; side 'a' carries CHANNEL_BRIDGE/UNBRIDGE (04: the A leg only). */
  bridge: { readonly peer: CallLeg; readonly side: BridgeSide } | undefined;
  /** Set by uuid_bridge on a parked leg: the park loop leaves to join this bridge. */
  pendingBridge: { readonly peer: CallLeg; readonly side: BridgeSide } | undefined;
  answeredAtUs = 0;
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
    init: { destination: string; callerIdNumber: string; name: string },
  ) {
    const now = ctx.clock.nowUs();
    this.channel = {
      uuid: facts.uuid,
      name: init.name,
      destination: init.destination,
      state: 'CS_NONE',
      stateNumber: 1,
      callState: 'DOWN',
      answerState: 'ringing',
      hitDialplan: false,
      codecReady: false,
      ids: {
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

  emit(kind: ChannelEventKind, parts?: ChannelEventParts): void {
    this.ctx.publish((stamp) => buildChannelEvent(kind, this.channel, stamp, parts));
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
    if (this.queue.length > 0 || this.hangupRequest !== undefined || this.pendingBridge !== undefined) return;
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
