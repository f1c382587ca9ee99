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
  origCallerIdNumber: string;
  calleeIdName?: string;
  calleeIdNumber?: string;
  ani: string;
}

export interface Channel {
  readonly uuid: string;
  readonly name: string;
  readonly destination: string;
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
  /** False only for a channel that died before it got a caller profile (bad dial string). */
  hasProfile: boolean;
  readonly times: ChannelTimes;
  readonly vars: ChannelVariables;
  /** Every event of the channel carries its variables (FreeSWITCH does this for calls torn down by shutdown, 07d). */
  verboseEvents?: boolean;
  otherLeg?: Channel;
  otherType?: 'originator' | 'originatee';
}

const CODEC_HEADERS: readonly Header[] = [
  ['Channel-Read-Codec-Name', 'PCMA'],
  ['Channel-Read-Codec-Rate', '8000'],
  ['Channel-Read-Codec-Bit-Rate', '64000'],
  ['Channel-Write-Codec-Name', 'PCMA'],
  ['Channel-Write-Codec-Rate', '8000'],
  ['Channel-Write-Codec-Bit-Rate', '64000'],
];

/** Caller profile headers (switch_caller_profile_event_set_data) under a prefix. */
export function profileHeaders(channel: Channel, prefix: 'Caller' | 'Other-Leg'): Header[] {
  const { ids, times } = channel;
  const out: Header[] = [
    [`${prefix}-Direction`, 'outbound'],
    [`${prefix}-Logical-Direction`, channel.logicalDirection],
  ];
  if (ids.callerIdName !== undefined) out.push([`${prefix}-Caller-ID-Name`, ids.callerIdName]);
  out.push(
    [`${prefix}-Caller-ID-Number`, ids.callerIdNumber],
    [`${prefix}-Orig-Caller-ID-Number`, ids.origCallerIdNumber],
  );
  if (ids.calleeIdName !== undefined) out.push([`${prefix}-Callee-ID-Name`, ids.calleeIdName]);
  if (ids.calleeIdNumber !== undefined) out.push([`${prefix}-Callee-ID-Number`, ids.calleeIdNumber]);
  if (channel.networkAddr !== undefined) out.push([`${prefix}-Network-Addr`, channel.networkAddr]);
  out.push(
    [`${prefix}-ANI`, ids.ani],
    [`${prefix}-Destination-Number`, channel.destination],
    [`${prefix}-Unique-ID`, channel.uuid],
    [`${prefix}-Source`, 'src/switch_ivr_originate.c'],
  );
  if (channel.transferSource !== undefined) out.push([`${prefix}-Transfer-Source`, channel.transferSource]);
  out.push([`${prefix}-Context`, 'default'], [`${prefix}-Channel-Name`, channel.name]);
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
    ['Call-Direction', 'outbound'],
    ['Presence-Call-Direction', 'outbound'],
    ['Channel-HIT-Dialplan', String(channel.hitDialplan)],
    ['Channel-Call-UUID', channel.vars.get('call_uuid') ?? channel.uuid],
    ['Answer-State', channel.answerState],
  ];
  if (channel.hangupCause !== undefined) out.push(['Hangup-Cause', channel.hangupCause]);
  if (channel.codecReady) out.push(...CODEC_HEADERS);
  if (!channel.hasProfile) return out;
  out.push(...profileHeaders(channel, 'Caller'));
  if (channel.otherLeg !== undefined && channel.otherType !== undefined) {
    out.push(['Other-Type', channel.otherType], ...profileHeaders(channel.otherLeg, 'Other-Leg'));
  }
  return out;
}
