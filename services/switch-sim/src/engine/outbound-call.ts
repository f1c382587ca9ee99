import type { Header } from '../domain/esl-event.js';
import {
  createVarsHead,
  createVarsTail,
  dialogVars,
  EP_CODEC_VAR,
  mediaVars,
  refusalVars,
  REMOTE_BYE_VARS,
  REMOTE_SDP_VAR,
  replyVars,
} from '../domain/channel-vars.js';
import { detectBeep } from './avmd.js';
import { farEndSpeech } from './ivr.js';
import { markHangup, tearDown } from './hangup.js';
import { HANGUP_CAUSES, type FinalResponse } from '../domain/hangup-causes.js';
import type { CallPlan } from '../domain/scenario.js';
import type { CallLeg } from './call-leg.js';

export interface OriginateOptions {
  readonly originatorVars: readonly Header[];
  readonly ignoreEarlyMedia: boolean;
  readonly timeoutMs: number;
  /** What the connected leg does until it ends: run the originate application, or stay bridged (a B leg). */
  readonly connected: (leg: CallLeg) => Promise<void>;
  /** Outbound legs of `originate` swap caller/callee ids at answer (CALL_UPDATE); a bridge B leg does not (04b). */
  readonly flipCallerIdOnAnswer: boolean;
  /** Blocking `api originate`: the reply goes out before the answer events reach the socket. */
  readonly blocking: boolean;
}

/** Called once with the originate result text (`+OK <uuid>\n` / `-ERR CAUSE\n`). */
export type OriginateReport = (result: string) => void;

const CODEC_READ_EXTRA: readonly Header[] = [
  ['channel-read-codec-name', 'PCMA'],
  ['channel-read-codec-rate', '8000'],
  ['channel-read-codec-bit-rate', '64000'],
];
const CODEC_WRITE_EXTRA: readonly Header[] = [
  ['Channel-Write-Codec-Name', 'PCMA'],
  ['Channel-Write-Codec-Rate', '8000'],
  ['Channel-Write-codec-bit-rate', '64000'],
];

function negotiateCodec(leg: CallLeg): void {
  if (leg.channel.codecReady) return;
  leg.channel.codecReady = true;
  leg.emit('readCodec', { after: CODEC_READ_EXTRA });
  leg.emit('writeCodec', { after: CODEC_WRITE_EXTRA });
}

/** From the first CHANNEL_OUTGOING to CS_CONSUME_MEDIA, before any SIP response. */
function startLeg(leg: CallLeg, options: OriginateOptions): void {
  leg.emit('outgoing');
  leg.enterState('CS_INIT', 1);
  leg.vars.setAll(createVarsHead(leg.facts));
  leg.vars.setAll(options.originatorVars);
  leg.vars.setAll(createVarsTail(leg.facts));
  leg.channel.stateNumber = 2;
  leg.emit('create');
  leg.emit('originate');
  leg.enterState('CS_ROUTING', 2);
  leg.enterState('CS_CONSUME_MEDIA', 7);
}

/** The far end's reply echoes our From; it has a display name when the caller name is set (bridge B legs, 04b). */
function replyWithDisplay(leg: CallLeg): void {
  leg.vars.setAll(replyVars(leg.facts));
  const display = leg.channel.ids.callerIdName;
  if (display !== undefined) leg.vars.set('sip_from_display', display);
}

function ringing(leg: CallLeg): void {
  leg.channel.networkAddr = leg.facts.toHost;
  replyWithDisplay(leg);
  leg.vars.setAll(dialogVars(leg.facts));
  leg.channel.times.progress = leg.now();
  leg.emit('progress');
  leg.setCallState('RINGING');
}

function earlyMedia(leg: CallLeg): void {
  leg.channel.networkAddr = leg.facts.toHost;
  replyWithDisplay(leg);
  leg.vars.set(...EP_CODEC_VAR);
  leg.vars.setAll(dialogVars(leg.facts));
  leg.vars.set(...REMOTE_SDP_VAR);
  leg.vars.set('endpoint_disposition', 'EARLY MEDIA');
  leg.channel.times.progressMedia = leg.now();
  leg.channel.answerState = 'early';
  leg.emit('progressMedia');
  leg.setCallState('EARLY');
  negotiateCodec(leg);
}

function answered(leg: CallLeg, flipCallerIdOnAnswer: boolean): void {
  leg.vars.setAll(replyVars(leg.facts));
  leg.vars.setAll(dialogVars(leg.facts));
  leg.vars.set(...REMOTE_SDP_VAR);
  leg.vars.set(...EP_CODEC_VAR);
  leg.vars.setAll(mediaVars(leg.facts));
  negotiateCodec(leg);
  const now = leg.now();
  leg.channel.times.answered = now;
  leg.answeredAtUs = now;
  leg.channel.answerState = 'answered';
  leg.emit('answer');
  leg.setCallState('ACTIVE');
  if (flipCallerIdOnAnswer) flipCallerId(leg, 'ANSWER');
  else leg.vars.set('endpoint_disposition', 'ANSWER');
}

/** After answer FreeSWITCH swaps caller and callee ids on an outbound leg and says so. */
function flipCallerId(leg: CallLeg, disposition: string): void {
  const ids = leg.channel.ids;
  leg.channel.ids = {
    callerIdName: 'Outbound Call',
    callerIdNumber: leg.channel.destination,
    ...(ids.origCallerIdName === undefined ? {} : { origCallerIdName: ids.origCallerIdName }),
    origCallerIdNumber: ids.origCallerIdNumber,
    ...(ids.callerIdName === undefined ? {} : { calleeIdName: ids.callerIdName }),
    calleeIdNumber: ids.callerIdNumber,
    ani: ids.ani,
  };
  leg.channel.hitDialplan = true;
  leg.vars.set('endpoint_disposition', disposition);
  if (ids.callerIdName !== undefined) leg.vars.set('pre_transfer_caller_id_name', ids.callerIdName);
  leg.vars.set('pre_transfer_caller_id_number', ids.callerIdNumber);
  leg.vars.set('channel_cid_flipped', 'yes');
  leg.channel.calleeDirection = 'RECV';
  leg.emit('cidFlip', { before: [['Direction', 'RECV']] });
}

function refuse(
  leg: CallLeg,
  response: FinalResponse,
  report: OriginateReport,
  establishedDialog: boolean,
  blocking: boolean,
): void {
  if (!establishedDialog) leg.vars.set('sip_call_id', leg.facts.sipCallId);
  if (leg.channel.codecReady) {
    // Early media had been negotiated: the media layer records it when the call ends.
    leg.vars.setAll(mediaVars(leg.facts));
    leg.vars.set('endpoint_disposition', 'EARLY MEDIA');
  }
  leg.channel.networkAddr = leg.facts.toHost;
  leg.vars.setAll(replyVars(leg.facts));
  markHangup(leg, response.cause, refusalVars(response.status, response.phrase, HANGUP_CAUSES[response.cause] ?? 16));
  const result = `-ERR ${response.cause}\n`;
  if (blocking) {
    report(result);
    tearDown(leg, []);
  } else {
    tearDown(leg, [], () => report(result));
  }
}

function networkFailure(leg: CallLeg, report: OriginateReport): void {
  leg.vars.setAll([
    ['sip_call_id', leg.facts.sipCallId],
    ['sip_local_network_addr', '127.0.0.1'],
    ['sip_reply_port', leg.facts.toPort],
    ['sip_network_port', leg.facts.toPort],
  ]);
  markHangup(leg, 'NORMAL_TEMPORARY_FAILURE', refusalVars(503, 'Service Unavailable', 41));
  tearDown(leg, [], () => report('-ERR NORMAL_TEMPORARY_FAILURE\n'));
}

/** The state machine thread picks the hangup up a moment later; a blocked client gets its reply first. */
const REAP_DELAY_MS = 20;

async function localCancel(leg: CallLeg, cause: string, report: OriginateReport): Promise<void> {
  markHangup(leg, cause);
  report(`-ERR ${cause}\n`);
  await leg.pause(REAP_DELAY_MS);
  tearDown(leg, [
    ['sip_hangup_disposition', 'send_cancel'],
    ['sip_invite_failure_status', '487'],
    ['sip_invite_failure_phrase', 'CANCEL'],
  ]);
}

const BUSY: FinalResponse = { status: 486, phrase: 'Busy Here', cause: 'USER_BUSY' };

const FINAL_RESPONSES: Partial<Record<CallPlan['outcome'], FinalResponse>> = {
  busy: BUSY,
  invalid: { status: 404, phrase: 'Not Found', cause: 'UNALLOCATED_NUMBER' },
  decline: { status: 603, phrase: 'Decline', cause: 'CALL_REJECTED' },
  unavailable: { status: 480, phrase: 'Temporarily Unavailable', cause: 'NO_USER_RESPONSE' },
};

/**
 * Drives one outbound sofia leg from INVITE to destroy, as the far end in `plan` behaves.
 * `options.connected` runs once the far end is connected (answer, or 183 without ignore_early_media).
 */
export async function runOutboundCall(
  leg: CallLeg,
  plan: CallPlan,
  options: OriginateOptions,
  report: OriginateReport,
): Promise<void> {
  startLeg(leg, options);
  const immediate = plan.outcome === 'invalid' || plan.outcome === 'network_failure';
  if (immediate) {
    if (!(await leg.wait(plan.ringMs)))
      return localCancel(leg, leg.hangupRequest?.cause ?? 'ORIGINATOR_CANCEL', report);
    if (plan.outcome === 'network_failure') return networkFailure(leg, report);
    return refuse(leg, FINAL_RESPONSES.invalid as FinalResponse, report, false, options.blocking);
  }
  if (plan.earlyMedia) earlyMedia(leg);
  else ringing(leg);
  if (plan.earlyMedia && !options.ignoreEarlyMedia) {
    // Without ignore_early_media FreeSWITCH treats 183+SDP as success and starts the app.
    leg.vars.setAll(mediaVars(leg.facts));
    flipCallerId(leg, 'EARLY MEDIA');
    report(`+OK ${leg.uuid}\n`);
    const farEnd = earlyFarEnd(leg, plan);
    await options.connected(leg);
    await farEnd;
    return;
  }
  const connects = plan.outcome === 'human' || plan.outcome === 'machine';
  const ringFor = plan.outcome === 'no_answer' ? options.timeoutMs : Math.min(plan.ringMs, options.timeoutMs);
  const completed = await leg.wait(ringFor);
  if (!completed) return localCancel(leg, leg.hangupRequest?.cause ?? 'ORIGINATOR_CANCEL', report);
  if (!connects || plan.ringMs > options.timeoutMs) {
    const response = FINAL_RESPONSES[plan.outcome];
    if (response === undefined) return localCancel(leg, 'NO_ANSWER', report);
    return refuse(leg, response, report, true, options.blocking);
  }
  if (options.blocking) report(`+OK ${leg.uuid}\n`);
  answered(leg, options.flipCallerIdOnAnswer);
  if (!options.blocking) report(`+OK ${leg.uuid}\n`);
  const farEnd = answeredFarEnd(leg, plan);
  await options.connected(leg);
  await farEnd;
}

/** 183 then a final refusal after ringMs while the app (park) already runs. */
async function earlyFarEnd(leg: CallLeg, plan: CallPlan): Promise<void> {
  if (!(await leg.wait(plan.ringMs))) return;
  const response = FINAL_RESPONSES[plan.outcome] ?? BUSY;
  leg.vars.setAll(replyVars(leg.facts));
  leg.requestHangup({
    cause: response.cause,
    by: 'remote',
    vars: refusalVars(response.status, response.phrase, HANGUP_CAUSES[response.cause] ?? 16),
  });
}

/** The frequency of a typical voicemail beep. */
const MACHINE_BEEP_HZ = 1000;

/** What the answered far end does on its own: DTMF, speech, BYE after talkMs. */
async function answeredFarEnd(leg: CallLeg, plan: CallPlan): Promise<void> {
  const started = leg.now();
  leg.farEndSpeech = plan.speech;
  const timeline: Array<{ atMs: number; act: () => void }> = [];
  for (const d of plan.dtmf) timeline.push({ atMs: d.atMs, act: () => sendDigits(leg, d.digits) });
  for (const s of plan.speech)
    timeline.push({
      atMs: s.atMs,
      act: () => farEndSpeech(leg, s.text),
    });
  // An answering machine's beep; only avmd, if running then, reports it.
  if (plan.beepMs !== undefined) timeline.push({ atMs: plan.beepMs, act: () => detectBeep(leg, MACHINE_BEEP_HZ) });
  if (plan.talkMs !== undefined) {
    timeline.push({
      atMs: plan.talkMs,
      act: () => leg.requestHangup({ cause: 'NORMAL_CLEARING', by: 'remote', vars: REMOTE_BYE_VARS }),
    });
  }
  timeline.sort((a, b) => a.atMs - b.atMs);
  for (const step of timeline) {
    const elapsedMs = (leg.now() - started) / 1000;
    if (!(await leg.wait(Math.max(0, step.atMs - elapsedMs)))) return;
    step.act();
  }
}

function sendDigits(leg: CallLeg, digits: string): void {
  for (const digit of digits) {
    for (const listener of [...leg.digitListeners]) listener(digit);
    leg.emit('dtmf', {
      after: [
        ['DTMF-Digit', digit],
        ['DTMF-Duration', '2240'],
        ['DTMF-Source', 'RTP'],
      ],
    });
  }
}
