import { randomUUID } from 'node:crypto';
import type { Channel } from '../domain/channel.js';
import { parseBridgeTarget, type DialTarget } from '../domain/dial-string.js';
import type { Header } from '../domain/esl-event.js';
import type { BridgeSide, CallLeg } from './call-leg.js';
import { markHangup, tearDown } from './hangup.js';

/**
 * Two legs bridged together, as FreeSWITCH's switch_ivr_bridge shows it on the wire (04, 04b):
 * the A side carries CHANNEL_BRIDGE / CHANNEL_UNBRIDGE, both sides name each other in Other-Leg-*
 * headers, and when either side hangs up the other follows (no park_after_bridge).
 */

/** How a leg appears in its peer's Other-Leg-* block: its caller profile, seen as inbound, no transfer source. */
function asOtherLeg(leg: CallLeg): Channel {
  return { ...leg.channel, logicalDirection: 'inbound', transferSource: undefined };
}

/** FreeSWITCH's default caller/callee name on outbound legs. */
const OUTBOUND_CALL = 'Outbound Call';

/**
 * A B leg dialled by A's `bridge` application starts from a copy of A's caller profile (ANI,
 * network address, names) and names A as its originator from its first event (04b).
 */
export function markOriginatedBy(b: CallLeg, a: CallLeg): void {
  b.channel.ids = {
    callerIdName: OUTBOUND_CALL,
    callerIdNumber: b.channel.ids.callerIdNumber,
    origCallerIdNumber: a.channel.ids.origCallerIdNumber,
    calleeIdName: OUTBOUND_CALL,
    calleeIdNumber: b.channel.destination,
    ani: a.channel.ids.ani,
  };
  if (a.channel.networkAddr !== undefined) b.channel.networkAddr = a.channel.networkAddr;
  b.channel.otherType = 'originator';
  b.channel.otherLeg = asOtherLeg(a);
}

/** Variables switch_ivr_originate gives a B leg from its A leg before dialling (04b CHANNEL_CREATE). */
export function inheritedVars(a: CallLeg): Header[] {
  const vars: Header[] = [
    ['max_forwards', '70'],
    ['originator_codec', 'PCMA@8000h@20i'],
    ['originator', a.uuid],
    ['signal_bond', a.uuid],
    ['switch_m_sdp', a.vars.get('switch_r_sdp') ?? ''],
    ['call_uuid', a.uuid],
    ['originating_leg_uuid', a.uuid],
  ];
  const ignoreEarlyMedia = a.vars.get('ignore_early_media');
  if (ignoreEarlyMedia !== undefined) vars.push(['ignore_early_media', ignoreEarlyMedia]);
  return vars;
}

function link(a: CallLeg, b: CallLeg): void {
  a.bridge = { peer: b, side: 'a' };
  b.bridge = { peer: a, side: 'b' };
  a.bridgedAtUs ||= a.now();
  b.bridgedAtUs ||= b.now();
  a.channel.otherType = 'originatee';
  a.channel.otherLeg = asOtherLeg(b);
  // A B leg dialled by `bridge` keeps the view of A taken when it was created (04b).
  if (b.channel.otherLeg === undefined) {
    b.channel.otherType = 'originator';
    b.channel.otherLeg = asOtherLeg(a);
  }
}

/**
 * uuid_bridge on two parked legs: each gets a new caller profile (index 2, Transfer-Source) and
 * the bridge variables before its park loop notices, so CHANNEL_UNPARK already carries them.
 */
export function transferToBridge(a: CallLeg, b: CallLeg): void {
  a.vars.set('uuid_bridge', b.uuid);
  for (const [leg, peer] of [
    [a, b],
    [b, a],
  ] as const) {
    const ch = leg.channel;
    const source = `${Math.floor(leg.now() / 1_000_000)}:${randomUUID()}:uuid_br:${peer.uuid}`;
    leg.vars.setAll([
      ['bridge_channel', peer.channel.name],
      ['bridge_uuid', peer.uuid],
      ['signal_bond', peer.uuid],
      ['original_destination_number', ch.destination],
      ['original_caller_id_name', ch.ids.callerIdName ?? ''],
      ['original_caller_id_number', ch.ids.callerIdNumber],
      ['transfer_history', source],
      ['transfer_source', source],
    ]);
    ch.profileIndex = 2;
    ch.transferSource = source;
    ch.times.profileCreated = leg.now();
  }
  // The A leg's new profile is the inbound side of the transfer; B's new profile calls from A's id (04).
  a.channel.logicalDirection = 'inbound';
  b.channel.ids = { ...b.channel.ids, callerIdNumber: a.channel.ids.callerIdNumber };
  link(a, b);
  a.requestBridge(b, 'a');
  b.requestBridge(a, 'b');
}

/** CALL_UPDATE that sofia sends each leg once bridged: the peer's identity as the new callee. */
function announcePeer(leg: CallLeg, peer: CallLeg): void {
  const name = peer.channel.ids.callerIdName ?? OUTBOUND_CALL;
  const number = peer.channel.ids.callerIdNumber;
  leg.vars.setAll([
    ['bridge_to', peer.uuid],
    ['last_bridge_to', peer.uuid],
    ['bridge_channel', peer.channel.name],
    ['bridge_uuid', peer.uuid],
    ['last_sent_callee_id_name', name],
    ['last_sent_callee_id_number', number],
  ]);
  leg.channel.calleeDirection = 'SEND';
  leg.emit('sofiaUpdate', {
    before: [
      ['Direction', 'SEND'],
      ['Sent-Callee-ID-Name', name],
      ['Sent-Callee-ID-Number', number],
      ['Bridged-To', peer.uuid],
    ],
  });
}

function bridgeIds(a: CallLeg, b: CallLeg): Header[] {
  return [
    ['Bridge-A-Unique-ID', a.uuid],
    ['Bridge-B-Unique-ID', b.uuid],
  ];
}

/** CHANNEL_BRIDGE on A, B into CS_EXCHANGE_MEDIA, CALL_UPDATE on both. */
function connect(a: CallLeg, b: CallLeg): void {
  const now = a.now();
  a.channel.times.bridged = now;
  b.channel.times.bridged = now;
  a.emit('bridge', { before: bridgeIds(a, b) });
  b.vars.set('call_uuid', a.uuid);
  b.enterState('CS_EXCHANGE_MEDIA');
  announcePeer(a, b);
  announcePeer(b, a);
}

/**
 * The parked leg's side of uuid_bridge after park has ended: hibernate, reset, soft-execute the
 * bridge, then stay bridged until the call ends. Resolves with the leg hung up (CHANNEL_HANGUP sent).
 */
export async function joinUuidBridge(leg: CallLeg, peer: CallLeg, side: BridgeSide): Promise<void> {
  leg.enterState('CS_HIBERNATE');
  leg.enterState('CS_RESET');
  leg.enterState('CS_SOFT_EXECUTE');
  leg.vars.unset('uuid_bridge');
  leg.runningApp = { app: 'uuid_bridge', arg: peer.uuid, appUuid: '' };
  leg.emit('bridgeExecute', {
    after: [
      ['Application', 'uuid_bridge'],
      ['Application-Data', peer.uuid],
    ],
  });
  if (side === 'b') {
    leg.enterState('CS_CONSUME_MEDIA');
  } else {
    // B walks to soft-execute on its own park loop; A connects on the next tick, once B is there.
    await leg.pause(0);
    connect(leg, peer);
  }
  await stayBridged(leg, peer, side);
  if (leg.channel.hangupCause === undefined) markHangup(leg, 'NORMAL_CLEARING');
}

/**
 * Dials the B legs of a `bridge` application (a dial list); `result` settles with `+OK <uuid>` or
 * `-ERR <cause>`, `winner()` is the leg that answered, `cancel` stops the ones still ringing.
 */
export type DialBLeg = (
  a: CallLeg,
  alternatives: ReadonlyArray<ReadonlyArray<DialTarget>>,
) => { readonly result: Promise<string>; winner(): CallLeg | undefined; cancel(cause: string): void };

/**
 * The `bridge` application on A: dial the B leg (A in RING_WAIT meanwhile) and, once it answers,
 * stay bridged until either ends. A failed B leg just ends the application; A hanging up while B
 * rings cancels B.
 */
export async function runBridgeApp(a: CallLeg, targetText: string, dial: DialBLeg): Promise<void> {
  const parsed = parseBridgeTarget(targetText);
  if (!parsed.ok) {
    a.vars.set('originate_disposition', parsed.cause);
    return;
  }
  a.setCallState('RING_WAIT');
  const b = dial(a, parsed.alternatives);
  const answered = await Promise.race([b.result, a.untilHangupRequest().then(() => undefined)]);
  if (answered === undefined) {
    b.cancel('ORIGINATOR_CANCEL');
    return;
  }
  const winner = b.winner();
  if (!answered.startsWith('+OK') || winner === undefined) {
    a.vars.set('originate_disposition', answered.slice('-ERR '.length).trim());
    a.setCallState('ACTIVE');
    return;
  }
  await bridgeAnswered(a, winner);
}

/** The `bridge` application's A side once the B leg has answered (04b). */
async function bridgeAnswered(a: CallLeg, b: CallLeg): Promise<void> {
  a.channel.ids = { ...a.channel.ids, calleeIdName: OUTBOUND_CALL, calleeIdNumber: b.channel.destination };
  link(a, b);
  // What switch_ivr_originate leaves on the A leg after a successful dial (04b).
  a.vars.setAll([
    ['originated_legs', `${b.uuid};${b.channel.name};${b.channel.destination}`],
    ['switch_m_sdp', b.vars.get('switch_r_sdp') ?? ''],
    ['video_media_flow', 'inactive'],
    ['text_media_flow', 'inactive'],
    ['originate_disposition', 'SUCCESS'],
    ['DIALSTATUS', 'SUCCESS'],
    ['originate_causes', `${b.uuid};NONE`],
    ['signal_bond', b.uuid],
  ]);
  a.setCallState('ACTIVE');
  connect(a, b);
  await stayBridged(a, b, 'a');
}

/** The B leg of a `bridge` application after it answered: bridged until either side ends, then torn down. */
export async function bLegConnected(b: CallLeg, a: CallLeg): Promise<void> {
  await stayBridged(b, a, 'b');
  if (b.channel.hangupCause === undefined) markHangup(b, 'NORMAL_CLEARING');
  // The bridge is over before the leg reports (04b: no bridge_to on B's HANGUP_COMPLETE).
  b.vars.unset('bridge_to');
  tearDown(b, b.hangupRequest?.by === 'remote' ? [] : [['sip_hangup_disposition', 'send_bye']], () => leaveBridge(b));
}

/**
 * Waits for either leg to end. The leg that hangs up first records its bridge role; the other
 * records the first one's cause. The A side emits CHANNEL_UNBRIDGE only once B is gone (04: B's
 * HANGUP_COMPLETE comes first; 04b: B's BYE, then A unbridges and hangs up).
 */
async function stayBridged(leg: CallLeg, peer: CallLeg, side: BridgeSide): Promise<void> {
  await Promise.race([leg.untilHangupRequest(), peer.finished]);
  const request = leg.hangupRequest;
  const peerCause = peer.channel.hangupCause;
  if (request !== undefined) {
    const record: Header[] =
      peerCause === undefined
        ? [['last_bridge_role', side === 'a' ? 'originator' : 'originatee']]
        : [['last_bridge_hangup_cause', peerCause]];
    if (peerCause !== undefined) leg.vars.unset('bridge_to');
    markHangup(leg, request.cause, [...(request.vars ?? []), ...record]);
    if (request.by === 'remote' && request.cause === 'NORMAL_CLEARING')
      leg.vars.set('sip_hangup_disposition', 'recv_bye');
    // A hangs B up at once; when B ends first, A notices B is gone and unbridges before hanging up (04b).
    if (side === 'a') peer.requestHangup({ cause: 'NORMAL_CLEARING', by: 'local' });
  }
  if (side === 'a') {
    await peer.finished;
    const cause = peer.channel.hangupCause ?? 'NORMAL_CLEARING';
    leg.vars.unset('bridge_to');
    if (request === undefined) {
      const sipCause = peer.vars.get('proto_specific_hangup_cause');
      if (sipCause !== undefined) leg.vars.set('sip_hangup_phrase', 'OK');
      leg.vars.set('last_bridge_hangup_cause', cause);
      if (sipCause !== undefined) leg.vars.set('last_bridge_proto_specific_hangup_cause', sipCause);
    }
    leg.vars.set('bridge_hangup_cause', cause);
    leg.emit('unbridge', { before: bridgeIds(leg, peer) });
  }
}

/** Between HANGUP_COMPLETE and DESTROY a bridged leg takes back its own call uuid (and B the bridge's cause). */
export function leaveBridge(leg: CallLeg): void {
  if (leg.bridge === undefined) return;
  leg.vars.set('call_uuid', leg.uuid);
  const peerCause = leg.vars.get('last_bridge_hangup_cause');
  if (leg.bridge.side === 'b' && peerCause !== undefined) leg.vars.set('bridge_hangup_cause', peerCause);
}
