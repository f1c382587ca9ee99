import type { Header } from './esl-event.js';
import { localStamp } from './switch-identity.js';

/**
 * The channel variables FreeSWITCH (mod_sofia, the media layer and the core) sets at each step
 * of an outbound call, in the order it sets them. Names and order were studied from the captures;
 * values are computed from the simulated call.
 */
export interface SipLegFacts {
  readonly uuid: string;
  readonly sessionId: number;
  readonly channelName: string;
  /** `user@host:port` part of the dial string. */
  readonly requestUri: string;
  readonly toHost: string;
  readonly toPort: string;
  readonly toUser: string;
  readonly callerIdNumber: string;
  readonly mediaPort: number;
  readonly sipCallId: string;
  readonly fromTag: string;
  readonly toTag: string;
  readonly branch: string;
  readonly cseq: number;
}

const LOCAL_IP = '127.0.0.1';
const PROFILE_URL = 'sip:mod_sofia@127.0.0.1:5080';

function localSdp(port: number): string {
  return `v=0\r\no=FreeSWITCH 1795404291 1795404292 IN IP4 ${LOCAL_IP}\r\ns=FreeSWITCH\r\nc=IN IP4 ${LOCAL_IP}\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=ptime:20\r\na=sendrecv\r\n`;
}

const REMOTE_SDP =
  'v=0\r\no=sipp 53655765 2353687637 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=ptime:20\r\n';

/** Set when the session is created; originator variables go between the two halves. */
export function createVarsHead(leg: SipLegFacts): Header[] {
  return [
    ['direction', 'outbound'],
    ['is_outbound', 'true'],
    ['uuid', leg.uuid],
    ['call_uuid', leg.uuid],
    ['session_id', String(leg.sessionId)],
    ['sip_local_network_addr', LOCAL_IP],
    ['sip_profile_name', 'external'],
    ['video_media_flow', 'disabled'],
    ['text_media_flow', 'disabled'],
    ['channel_name', leg.channelName],
    ['sip_destination_url', `sip:${leg.requestUri}`],
  ];
}

export function createVarsTail(leg: SipLegFacts): Header[] {
  return [
    ['originate_early_media', 'false'],
    ['originate_endpoint', 'sofia'],
    ['rtp_use_codec_string', 'OPUS,G722,PCMU,PCMA,H264,VP8'],
    ['local_media_ip', LOCAL_IP],
    ['local_media_port', String(leg.mediaPort)],
    ['advertised_media_ip', LOCAL_IP],
    ['audio_media_flow', 'sendrecv'],
    ['rtp_local_sdp_str', localSdp(leg.mediaPort)],
    ['sip_outgoing_contact_uri', `<${PROFILE_URL}>`],
    ['sip_req_uri', leg.requestUri],
    ['sip_to_host', `${leg.toHost}:${leg.toPort}`],
    ['sip_from_host', LOCAL_IP],
    ['sofia_profile_name', 'external'],
    ['recovery_profile_name', 'external'],
    ['sofia_profile_url', PROFILE_URL],
  ];
}

/** Set on every SIP response received from the far end. */
export function replyVars(leg: SipLegFacts): Header[] {
  return [
    ['sip_local_network_addr', LOCAL_IP],
    ['sip_reply_host', leg.toHost],
    ['sip_reply_port', leg.toPort],
    ['sip_network_ip', leg.toHost],
    ['sip_network_port', leg.toPort],
  ];
}

/** Set when a provisional or final response establishes the dialog (180, 183, 200). */
export function dialogVars(leg: SipLegFacts): Header[] {
  const via = `SIP/2.0/UDP 127.0.0.1:5080;rport;branch=${leg.branch}`;
  return [
    ['sip_recover_contact', `<sip:${leg.toHost}:${leg.toPort};transport=UDP>`],
    ['sip_full_via', via],
    ['sip_recover_via', via],
    ['sip_full_from', `<sip:${leg.callerIdNumber}@${LOCAL_IP}>;tag=${leg.fromTag}`],
    ['sip_full_to', `<sip:${leg.requestUri}>;tag=${leg.toTag}`],
    ['sip_from_user', leg.callerIdNumber],
    ['sip_from_uri', `${leg.callerIdNumber}@${LOCAL_IP}`],
    ['sip_from_host', LOCAL_IP],
    ['sip_to_user', leg.toUser],
    ['sip_to_port', leg.toPort],
    ['sip_to_uri', leg.requestUri],
    ['sip_to_host', leg.toHost],
    ['sip_contact_params', 'transport=UDP'],
    ['sip_contact_user', 'nobody'],
    ['sip_contact_port', leg.toPort],
    ['sip_contact_uri', `nobody@${leg.toHost}:${leg.toPort}`],
    ['sip_contact_host', leg.toHost],
    ['sip_to_tag', leg.toTag],
    ['sip_from_tag', leg.fromTag],
    ['sip_cseq', String(leg.cseq)],
    ['sip_call_id', leg.sipCallId],
  ];
}

export const REMOTE_SDP_VAR: Header = ['switch_r_sdp', REMOTE_SDP];
export const EP_CODEC_VAR: Header = ['ep_codec_string', 'CORE_PCM_MODULE.PCMA@8000h@20i@64000b'];

/** Set once media is negotiated (answer, or early media being used). */
export function mediaVars(leg: SipLegFacts): Header[] {
  return [
    ['rtp_use_codec_string', 'OPUS,G722,PCMU,PCMA,H264,VP8'],
    ['remote_video_media_flow', 'inactive'],
    ['remote_text_media_flow', 'inactive'],
    ['remote_audio_media_flow', 'sendrecv'],
    ['rtp_audio_recv_pt', '8'],
    ['rtp_use_codec_name', 'PCMA'],
    ['rtp_use_codec_rate', '8000'],
    ['rtp_use_codec_ptime', '20'],
    ['rtp_use_codec_channels', '1'],
    ['rtp_last_audio_codec_string', 'PCMA@8000h@20i@1c'],
    ['read_codec', 'PCMA'],
    ['original_read_codec', 'PCMA'],
    ['read_rate', '8000'],
    ['original_read_rate', '8000'],
    ['write_codec', 'PCMA'],
    ['write_rate', '8000'],
    ['dtmf_type', 'rfc2833'],
    ['local_media_ip', LOCAL_IP],
    ['local_media_port', String(leg.mediaPort)],
    ['advertised_media_ip', LOCAL_IP],
    ['rtp_use_timer_name', 'soft'],
    ['rtp_use_pt', '8'],
    ['rtp_use_ssrc', String(1_000_000_000 + leg.sessionId)],
    ['rtp_2833_send_payload', '101'],
    ['rtp_2833_recv_payload', '101'],
    ['remote_media_ip', LOCAL_IP],
    ['remote_media_port', '6000'],
  ];
}

/** A final SIP failure response (486, 404, 603, 480, locally generated 503). */
export function refusalVars(status: number, phrase: string, q850: number): Header[] {
  return [
    ['sip_hangup_disposition', 'recv_refuse'],
    ['sip_invite_failure_status', String(status)],
    ['sip_invite_failure_phrase', phrase],
    ['sip_term_status', String(status)],
    ['proto_specific_hangup_cause', `sip:${status}`],
    ['sip_term_cause', String(q850)],
  ];
}

/** The far end sent BYE. */
export const REMOTE_BYE_VARS: readonly Header[] = [
  ['sip_term_status', '200'],
  ['proto_specific_hangup_cause', 'sip:200'],
  ['sip_term_cause', '16'],
];

export interface CallTimesUs {
  readonly start: number;
  readonly answer: number;
  readonly progress: number;
  readonly progressMedia: number;
  readonly bridge: number;
  readonly end: number;
}

const epoch = (us: number): string => String(Math.floor(us / 1_000_000));
/** Whole-second differences of whole-second timestamps, as FreeSWITCH computes *sec. */
const secDiff = (toUs: number, fromUs: number): string =>
  toUs === 0 ? '0' : String(Math.floor(toUs / 1_000_000) - Math.floor(fromUs / 1_000_000));
const msDiff = (toUs: number, fromUs: number): string =>
  toUs === 0 ? '0' : String(Math.round((toUs - fromUs) / 1000));
const usDiff = (toUs: number, fromUs: number): string => (toUs === 0 ? '0' : String(toUs - fromUs));

/** The CDR block written at CS_REPORTING (switch_channel_process_export + set_timestamps). */
export function reportingVars(
  cause: string,
  q850: number,
  t: CallTimesUs,
  callerId: string,
  lastApp: { app: string; arg: string } | undefined,
  holdEvents: ReadonlyArray<readonly [number, number]> = [],
): Header[] {
  const out: Header[] = [
    ['hangup_cause', cause],
    ['hangup_cause_q850', String(q850)],
    ['digits_dialed', 'none'],
    ['start_stamp', localStamp(t.start)],
    ['profile_start_stamp', localStamp(t.start)],
  ];
  if (t.answer) out.push(['answer_stamp', localStamp(t.answer)]);
  if (t.bridge) out.push(['bridge_stamp', localStamp(t.bridge)]);
  if (t.progress) out.push(['progress_stamp', localStamp(t.progress)]);
  if (t.progressMedia) out.push(['progress_media_stamp', localStamp(t.progressMedia)]);
  // Hold periods, most recent first (24: `{{start,end},{start,end}}` in µs).
  if (holdEvents.length > 0) out.push(['hold_events', `{${holdEvents.map(([a, b]) => `{${a},${b}}`).join(',')}}`]);
  out.push(
    ['end_stamp', localStamp(t.end)],
    ['start_epoch', epoch(t.start)],
    ['start_uepoch', String(t.start)],
    ['profile_start_epoch', epoch(t.start)],
    ['profile_start_uepoch', String(t.start)],
    ['answer_epoch', epoch(t.answer)],
    ['answer_uepoch', String(t.answer)],
    ['bridge_epoch', epoch(t.bridge)],
    ['bridge_uepoch', String(t.bridge)],
    ['last_hold_epoch', '0'],
    ['last_hold_uepoch', '0'],
    ['hold_accum_seconds', '0'],
    ['hold_accum_usec', '0'],
    ['hold_accum_ms', '0'],
    ['resurrect_epoch', '0'],
    ['resurrect_uepoch', '0'],
    ['progress_epoch', epoch(t.progress)],
    ['progress_uepoch', String(t.progress)],
    ['progress_media_epoch', epoch(t.progressMedia)],
    ['progress_media_uepoch', String(t.progressMedia)],
    ['end_epoch', epoch(t.end)],
    ['end_uepoch', String(t.end)],
  );
  if (lastApp !== undefined) {
    out.push(['last_app', lastApp.app]);
    if (lastApp.arg !== '') out.push(['last_arg', lastApp.arg]);
  }
  const billFrom = t.answer;
  out.push(
    ['caller_id', callerId],
    ['duration', secDiff(t.end, t.start)],
    ['billsec', billFrom ? secDiff(t.end, billFrom) : '0'],
    ['progresssec', secDiff(t.progress, t.start)],
    ['answersec', secDiff(t.answer, t.start)],
    ['waitsec', secDiff(t.bridge, t.start)],
    ['progress_mediasec', secDiff(t.progressMedia, t.start)],
    ['flow_billsec', billFrom ? secDiff(t.end, t.start) : '0'],
    ['mduration', msDiff(t.end, t.start)],
    ['billmsec', billFrom ? msDiff(t.end, billFrom) : '0'],
    ['progressmsec', msDiff(t.progress, t.start)],
    ['answermsec', msDiff(t.answer, t.start)],
    ['waitmsec', msDiff(t.bridge, t.start)],
    ['progress_mediamsec', msDiff(t.progressMedia, t.start)],
    ['flow_billmsec', billFrom ? msDiff(t.end, t.start) : '0'],
    ['uduration', usDiff(t.end, t.start)],
    ['billusec', billFrom ? usDiff(t.end, billFrom) : '0'],
    ['progressusec', usDiff(t.progress, t.start)],
    ['answerusec', usDiff(t.answer, t.start)],
    ['waitusec', usDiff(t.bridge, t.start)],
    ['progress_mediausec', usDiff(t.progressMedia, t.start)],
    ['flow_billusec', billFrom ? usDiff(t.end, t.start) : '0'],
  );
  return out;
}

/** RTP statistics written at hangup for a channel that had media. */
export function rtpStatsVars(mediaMs: number): Header[] {
  const packets = Math.max(0, Math.round(mediaMs / 20));
  const bytes = packets * 172;
  return [
    ['rtp_audio_in_raw_bytes', String(bytes)],
    ['rtp_audio_in_media_bytes', String(bytes)],
    ['rtp_audio_in_packet_count', String(packets)],
    ['rtp_audio_in_media_packet_count', String(packets)],
    ['rtp_audio_in_skip_packet_count', '0'],
    ['rtp_audio_in_jitter_packet_count', '0'],
    ['rtp_audio_in_dtmf_packet_count', '0'],
    ['rtp_audio_in_cng_packet_count', '0'],
    ['rtp_audio_in_flush_packet_count', '0'],
    ['rtp_audio_in_largest_jb_size', '0'],
    ['rtp_audio_in_jitter_min_variance', '0.00'],
    ['rtp_audio_in_jitter_max_variance', '0.00'],
    ['rtp_audio_in_jitter_loss_rate', '0.00'],
    ['rtp_audio_in_jitter_burst_rate', '0.00'],
    ['rtp_audio_in_mean_interval', '20.00'],
    ['rtp_audio_in_flaw_total', '0'],
    ['rtp_audio_in_quality_percentage', '100.00'],
    ['rtp_audio_in_mos', '4.50'],
    ['rtp_audio_out_raw_bytes', String(bytes)],
    ['rtp_audio_out_media_bytes', String(bytes)],
    ['rtp_audio_out_packet_count', String(packets)],
    ['rtp_audio_out_media_packet_count', String(packets)],
    ['rtp_audio_out_skip_packet_count', '0'],
    ['rtp_audio_out_dtmf_packet_count', '0'],
    ['rtp_audio_out_cng_packet_count', '0'],
    ['rtp_audio_rtcp_packet_count', '0'],
    ['rtp_audio_rtcp_octet_count', '0'],
  ];
}
