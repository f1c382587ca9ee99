import type { Header } from './esl-event.js';

/** Running states (Channel-State) and their numbers (Channel-State-Number), as in switch_types.h. */
export const CHANNEL_STATE_NUMBER = {
  CS_NEW: 0,
  CS_INIT: 1,
  CS_ROUTING: 2,
  CS_SOFT_EXECUTE: 3,
  CS_EXECUTE: 4,
  CS_EXCHANGE_MEDIA: 5,
  CS_PARK: 6,
  CS_CONSUME_MEDIA: 7,
  CS_HIBERNATE: 8,
  CS_RESET: 9,
  CS_HANGUP: 10,
  CS_REPORTING: 11,
  CS_DESTROY: 12,
  CS_NONE: 13,
} as const;
export type ChannelStateName = keyof typeof CHANNEL_STATE_NUMBER;

export const CALL_STATE_NUMBER = {
  DOWN: 0,
  DIALING: 1,
  RINGING: 2,
  EARLY: 3,
  ACTIVE: 4,
  HELD: 5,
  RING_WAIT: 6,
  HANGUP: 7,
  UNHELD: 8,
} as const;
export type CallStateName = keyof typeof CALL_STATE_NUMBER;

export type AnswerState = 'ringing' | 'early' | 'answered' | 'hangup';

/**
 * Channel variables keep insertion order, and setting an existing variable moves it to the end
 * (FreeSWITCH deletes and re-adds the header), which is why variable order shifts between events.
 */
export class ChannelVariables {
  private readonly entries = new Map<string, string>();

  set(name: string, value: string): void {
    this.entries.delete(name);
    this.entries.set(name, value);
  }

  setAll(pairs: readonly Header[]): void {
    for (const [name, value] of pairs) this.set(name, value);
  }

  unset(name: string): void {
    this.entries.delete(name);
  }

  get(name: string): string | undefined {
    return this.entries.get(name);
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  asHeaders(): Header[] {
    return [...this.entries].map(([name, value]) => [`variable_${name}`, value] as const);
  }

  asPairs(): Array<[string, string]> {
    return [...this.entries];
  }
}

/** Timestamps in epoch microseconds; 0 means "not yet", as in the caller profile. */
export interface ChannelTimes {
  profileCreated: number;
  created: number;
  answered: number;
  progress: number;
  progressMedia: number;
  hangup: number;
  transfer: number;
  bridged: number;
}

/** Caller-ID fields of the caller profile; names are optional because FreeSWITCH omits empty ones. */
export interface CallerIds {
  callerIdName?: string;
  callerIdNumber: string;
  origCallerIdName?: string;
  origCallerIdNumber: string;
  calleeIdName?: string;
  calleeIdNumber?: string;
  ani: string;
}

export interface Channel {
  readonly uuid: string;
  readonly name: string;
  destination: string;
  /** The destination of the first caller profile (`show channels` initial_dest). */
  readonly initialDestination: string;
  /** Set once the far end has answered something (a SIP reply) so the profile carries its address. */
  networkAddr?: string;
  state: ChannelStateName;
  stateNumber: number;
  callState: CallStateName;
  answerState: AnswerState;
  hitDialplan: boolean;
  hangupCause?: string;
  codecReady: boolean;
  ids: CallerIds;
  logicalDirection: 'outbound' | 'inbound';
  profileIndex: number;
  transferSource?: string;
  /** Set by a transfer: the dialplan of the new caller profile (`inline`, `XML`). */
  dialplan?: string;
  /** The destination before a transfer, shown while the new profile routes. */
  rdnis?: string;
  /** False only for a channel that died before it got a caller profile (bad dial string). */
  hasProfile: boolean;
  readonly times: ChannelTimes;
  readonly vars: ChannelVariables;
  /** Call-Direction / Caller-Direction: outbound for our legs, inbound for a loopback B leg. */
  direction?: 'inbound' | 'outbound';
  /** The negotiated codec (PCMA on sofia legs, L16 on loopback legs). */
  codec?: { readonly name: string; readonly rate: string; readonly bitRate: string };
  /** A mod_loopback channel: no SIP, no RTP statistics at hangup. */
  loopback?: boolean;
  /** Caller-Source: the module that built the caller profile. */
  source?: string;
  /** Every event of the channel carries its variables (FreeSWITCH does this for calls torn down by shutdown, 07d). */
  verboseEvents?: boolean;
  otherLeg?: Channel;
  /** `Direction` of the last CALL_UPDATE (RECV after the caller-id flip, SEND once bridged): the db's callee_direction. */
  calleeDirection?: 'RECV' | 'SEND';
  otherType?: 'originator' | 'originatee';
}

export const PCMA = { name: 'PCMA', rate: '8000', bitRate: '64000' } as const;

function codecHeaders(codec: { name: string; rate: string; bitRate: string } = PCMA): Header[] {
  return [
    ['Channel-Read-Codec-Name', codec.name],
    ['Channel-Read-Codec-Rate', codec.rate],
    ['Channel-Read-Codec-Bit-Rate', codec.bitRate],
    ['Channel-Write-Codec-Name', codec.name],
    ['Channel-Write-Codec-Rate', codec.rate],
    ['Channel-Write-Codec-Bit-Rate', codec.bitRate],
  ];
}

/** Caller profile headers (switch_caller_profile_event_set_data) under a prefix. */
export function profileHeaders(channel: Channel, prefix: 'Caller' | 'Other-Leg'): Header[] {
  const { ids, times } = channel;
  const out: Header[] = [
    [`${prefix}-Direction`, channel.direction ?? 'outbound'],
    [`${prefix}-Logical-Direction`, channel.logicalDirection],
  ];
  if (channel.dialplan !== undefined) out.push([`${prefix}-Dialplan`, channel.dialplan]);
  if (ids.callerIdName !== undefined) out.push([`${prefix}-Caller-ID-Name`, ids.callerIdName]);
  out.push([`${prefix}-Caller-ID-Number`, ids.callerIdNumber]);
  if (ids.origCallerIdName !== undefined) out.push([`${prefix}-Orig-Caller-ID-Name`, ids.origCallerIdName]);
  out.push([`${prefix}-Orig-Caller-ID-Number`, ids.origCallerIdNumber]);
  if (ids.calleeIdName !== undefined) out.push([`${prefix}-Callee-ID-Name`, ids.calleeIdName]);
  if (ids.calleeIdNumber !== undefined) out.push([`${prefix}-Callee-ID-Number`, ids.calleeIdNumber]);
  if (channel.networkAddr !== undefined) out.push([`${prefix}-Network-Addr`, channel.networkAddr]);
  out.push(
    [`${prefix}-ANI`, ids.ani],
    [`${prefix}-Destination-Number`, channel.destination],
    [`${prefix}-Unique-ID`, channel.uuid],
    [`${prefix}-Source`, channel.source ?? 'src/switch_ivr_originate.c'],
  );
  if (channel.transferSource !== undefined) out.push([`${prefix}-Transfer-Source`, channel.transferSource]);
  out.push([`${prefix}-Context`, 'default']);
  if (channel.rdnis !== undefined) out.push([`${prefix}-RDNIS`, channel.rdnis]);
  out.push([`${prefix}-Channel-Name`, channel.name]);
  if (prefix === 'Caller') out.push(['Caller-Profile-Index', String(channel.profileIndex)]);
  out.push(
    [`${prefix}-Profile-Created-Time`, String(times.profileCreated)],
    [`${prefix}-Channel-Created-Time`, String(times.created)],
    [`${prefix}-Channel-Answered-Time`, String(times.answered)],
    [`${prefix}-Channel-Progress-Time`, String(times.progress)],
    [`${prefix}-Channel-Progress-Media-Time`, String(times.progressMedia)],
    [`${prefix}-Channel-Hangup-Time`, String(times.hangup)],
    [`${prefix}-Channel-Transfer-Time`, String(times.transfer)],
    [`${prefix}-Channel-Resurrect-Time`, '0'],
    [`${prefix}-Channel-Bridged-Time`, String(times.bridged)],
    [`${prefix}-Channel-Last-Hold`, '0'],
    [`${prefix}-Channel-Hold-Accum`, '0'],
    [`${prefix}-Screen-Bit`, 'true'],
    [`${prefix}-Privacy-Hide-Name`, 'false'],
    [`${prefix}-Privacy-Hide-Number`, 'false'],
  );
  return out;
}

/** Channel headers (switch_channel_event_set_basic_data + caller profiles), without variables. */
export function channelHeaders(channel: Channel): Header[] {
  const out: Header[] = [
    ['Channel-State', channel.state],
    ['Channel-Call-State', channel.callState],
    ['Channel-State-Number', String(channel.stateNumber)],
    ['Channel-Name', channel.name],
    ['Unique-ID', channel.uuid],
    ['Call-Direction', channel.direction ?? 'outbound'],
    ['Presence-Call-Direction', channel.direction ?? 'outbound'],
    ['Channel-HIT-Dialplan', String(channel.hitDialplan)],
    ['Channel-Call-UUID', channel.vars.get('call_uuid') ?? channel.uuid],
    ['Answer-State', channel.answerState],
  ];
  if (channel.hangupCause !== undefined) out.push(['Hangup-Cause', channel.hangupCause]);
  if (channel.codecReady) out.push(...codecHeaders(channel.codec));
  if (!channel.hasProfile) return out;
  out.push(...profileHeaders(channel, 'Caller'));
  if (channel.otherLeg !== undefined && channel.otherType !== undefined) {
    out.push(['Other-Type', channel.otherType], ...profileHeaders(channel.otherLeg, 'Other-Leg'));
  }
  return out;
}
