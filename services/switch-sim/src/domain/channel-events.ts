import { channelHeaders, type Channel } from './channel.js';
import type { Header, SwitchEvent } from './esl-event.js';
import { coreHeaders, type CallSite, type SwitchIdentity } from './switch-identity.js';

/**
 * How FreeSWITCH lays out each channel event: where it is fired (Event-Calling-*), whether the
 * channel variables are appended (state/callstate/codec events carry none), and the event's own
 * headers before or after the channel block. Studied from the captures, one row per event kind.
 */
interface ChannelEventTemplate {
  readonly eventName: string;
  readonly site: CallSite;
  readonly withVariables: boolean;
}

const site = (file: string, func: string, line: number): CallSite => ({ file, func, line });

export const CHANNEL_EVENT_TEMPLATES = {
  outgoing: {
    eventName: 'CHANNEL_OUTGOING',
    site: site('switch_core_session.c', 'switch_core_session_outgoing_channel', 768),
    withVariables: false,
  },
  state: {
    eventName: 'CHANNEL_STATE',
    site: site('switch_channel.c', 'switch_channel_perform_set_running_state', 2408),
    withVariables: false,
  },
  create: {
    eventName: 'CHANNEL_CREATE',
    site: site('switch_core_state_machine.c', 'switch_core_session_run', 626),
    withVariables: true,
  },
  originate: {
    eventName: 'CHANNEL_ORIGINATE',
    site: site('switch_core_state_machine.c', 'switch_core_session_run', 632),
    withVariables: true,
  },
  progress: {
    eventName: 'CHANNEL_PROGRESS',
    site: site('switch_channel.c', 'switch_channel_perform_mark_ring_ready_value', 3505),
    withVariables: true,
  },
  progressMedia: {
    eventName: 'CHANNEL_PROGRESS_MEDIA',
    site: site('switch_channel.c', 'switch_channel_perform_mark_pre_answered', 3560),
    withVariables: true,
  },
  callState: {
    eventName: 'CHANNEL_CALLSTATE',
    site: site('switch_channel.c', 'switch_channel_perform_set_callstate', 301),
    withVariables: false,
  },
  readCodec: {
    eventName: 'CODEC',
    site: site('switch_core_codec.c', 'switch_core_session_set_real_read_codec', 168),
    withVariables: false,
  },
  writeCodec: {
    eventName: 'CODEC',
    site: site('switch_core_codec.c', 'switch_core_session_set_write_codec', 450),
    withVariables: false,
  },
  answer: {
    eventName: 'CHANNEL_ANSWER',
    site: site('switch_channel.c', 'switch_channel_perform_mark_answered', 3846),
    withVariables: true,
  },
  cidFlip: {
    eventName: 'CALL_UPDATE',
    site: site('switch_channel.c', 'switch_channel_flip_cid', 3277),
    withVariables: true,
  },
  sofiaUpdate: {
    eventName: 'CALL_UPDATE',
    site: site('mod_sofia.c', 'sofia_receive_message', 2100),
    withVariables: true,
  },
  execute: {
    eventName: 'CHANNEL_EXECUTE',
    site: site('switch_core_session.c', 'switch_core_session_exec', 2944),
    withVariables: true,
  },
  executeComplete: {
    eventName: 'CHANNEL_EXECUTE_COMPLETE',
    site: site('switch_core_session.c', 'switch_core_session_exec', 2967),
    withVariables: true,
  },
  bridgeExecute: {
    eventName: 'CHANNEL_EXECUTE',
    site: site('switch_ivr_bridge.c', 'uuid_bridge_on_soft_execute', 1236),
    withVariables: true,
  },
  park: { eventName: 'CHANNEL_PARK', site: site('switch_ivr.c', 'switch_ivr_park', 1002), withVariables: true },
  unpark: { eventName: 'CHANNEL_UNPARK', site: site('switch_ivr.c', 'switch_ivr_park', 1213), withVariables: true },
  bridge: {
    eventName: 'CHANNEL_BRIDGE',
    site: site('switch_ivr_bridge.c', 'switch_ivr_multi_threaded_bridge', 1689),
    withVariables: true,
  },
  unbridge: {
    eventName: 'CHANNEL_UNBRIDGE',
    site: site('switch_ivr_bridge.c', 'switch_ivr_multi_threaded_bridge', 1879),
    withVariables: true,
  },
  hangup: {
    eventName: 'CHANNEL_HANGUP',
    site: site('switch_channel.c', 'switch_channel_perform_hangup', 3445),
    withVariables: true,
  },
  hangupComplete: {
    eventName: 'CHANNEL_HANGUP_COMPLETE',
    site: site('switch_core_state_machine.c', 'switch_core_session_reporting_state', 943),
    withVariables: true,
  },
  destroy: {
    eventName: 'CHANNEL_DESTROY',
    site: site('switch_core_session.c', 'switch_core_session_perform_destroy', 1584),
    withVariables: true,
  },
  playbackStart: {
    eventName: 'PLAYBACK_START',
    site: site('switch_ivr_play_say.c', 'switch_ivr_play_file', 1646),
    withVariables: true,
  },
  playbackStop: {
    eventName: 'PLAYBACK_STOP',
    site: site('switch_ivr_play_say.c', 'switch_ivr_play_file', 2020),
    withVariables: true,
  },
  recordStart: {
    eventName: 'RECORD_START',
    site: site('switch_ivr_async.c', 'record_callback', 1481),
    withVariables: true,
  },
  recordStop: {
    eventName: 'RECORD_STOP',
    site: site('switch_ivr_async.c', 'send_record_stop_event', 1240),
    withVariables: true,
  },
  mediaBugStart: {
    eventName: 'MEDIA_BUG_START',
    site: site('switch_core_media_bug.c', 'switch_core_media_bug_add', 1014),
    withVariables: true,
  },
  mediaBugStop: {
    eventName: 'MEDIA_BUG_STOP',
    site: site('switch_core_media_bug.c', 'switch_core_media_bug_destroy', 84),
    withVariables: true,
  },
  privateCommand: {
    eventName: 'PRIVATE_COMMAND',
    site: site('switch_ivr.c', 'switch_ivr_parse_next_event', 804),
    withVariables: false,
  },
  dtmf: { eventName: 'DTMF', site: site('switch_channel.c', 'switch_channel_dequeue_dtmf', 677), withVariables: false },
  avmd: { eventName: 'CUSTOM', site: site('mod_avmd.c', 'avmd_fire_event', 700), withVariables: true },
  channelData: {
    eventName: 'CHANNEL_DATA',
    site: site('mod_commands.c', 'uuid_dump_function', 6468),
    withVariables: true,
  },
  hold: { eventName: 'CHANNEL_HOLD', site: site('switch_ivr.c', 'switch_ivr_hold', 1558), withVariables: true },
  unhold: { eventName: 'CHANNEL_UNHOLD', site: site('switch_ivr.c', 'switch_ivr_unhold', 1638), withVariables: true },
  uuidChange: {
    eventName: 'CHANNEL_UUID',
    site: site('switch_core_session.c', 'switch_core_session_set_uuid', 2051),
    withVariables: true,
  },
  detectedSpeech: {
    eventName: 'DETECTED_SPEECH',
    site: site('switch_ivr_async.c', 'speech_thread', 4673),
    withVariables: true,
  },
} as const satisfies Record<string, ChannelEventTemplate>;

export type ChannelEventKind = keyof typeof CHANNEL_EVENT_TEMPLATES;

export interface ChannelEventParts {
  /** Headers placed between the core block and the channel block (e.g. Original-Channel-Call-State). */
  readonly before?: readonly Header[];
  /** Headers placed last, after the variables (e.g. Application, Record-File-Path). */
  readonly after?: readonly Header[];
  /** Headers placed ahead of everything, including Event-Name (CUSTOM subclass, broadcast command). */
  readonly lead?: readonly Header[];
  readonly subclass?: string;
  readonly body?: string;
  /** Leave out the channel block and variables (mod_avmd's first copy of each event, 08). */
  readonly withoutChannel?: boolean;
}

export interface EventStamp {
  readonly identity: SwitchIdentity;
  readonly nowUs: number;
  readonly sequence: number;
}

export function buildChannelEvent(
  kind: ChannelEventKind,
  channel: Channel,
  stamp: EventStamp,
  parts: ChannelEventParts = {},
): SwitchEvent {
  const template: ChannelEventTemplate = CHANNEL_EVENT_TEMPLATES[kind];
  const headers: Header[] = [
    ...(parts.lead ?? []),
    ...coreHeaders(stamp.identity, template.eventName, template.site, stamp.nowUs, stamp.sequence),
    ...(parts.before ?? []),
    ...(parts.withoutChannel === true ? [] : channelHeaders(channel)),
    ...((template.withVariables || channel.verboseEvents === true) && parts.withoutChannel !== true
      ? channel.vars.asHeaders()
      : []),
    ...(parts.after ?? []),
  ];
  const event: { name: string; headers: Header[]; subclass?: string; body?: string } = {
    name: template.eventName,
    headers,
  };
  if (parts.subclass !== undefined) event.subclass = parts.subclass;
  if (parts.body !== undefined) event.body = parts.body;
  return event;
}
