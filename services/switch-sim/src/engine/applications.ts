import type { Header } from '../domain/esl-event.js';
import { BEEP_DETECTION_MS, detectBeep, startAvmd, stopAvmd, toneFrequency } from './avmd.js';
import { joinUuidBridge, leaveBridge } from './bridge.js';
import type { BridgeSide, CallLeg, HangupRequest } from './call-leg.js';
import { markHangup, tearDown } from './hangup.js';
import { knownCause } from '../domain/hangup-causes.js';
import { playAndGetDigits } from './ivr.js';

/** Applications that need the switch (other legs, loaded modules), supplied by the core. */
export interface AppRunner {
  bridge(leg: CallLeg, dialString: string): Promise<void>;
  /** mod_amd's `amd`, only when the scenario loads mod_amd. */
  amd?(leg: CallLeg): Promise<string>;
  /** Applications of other modules the core provides (eavesdrop, play_and_get_digits …); undefined if unknown. */
  extra?(app: string): ((leg: CallLeg, arg: string) => Promise<string>) | undefined;
}

/** mod_dptools / mod_avmd applications the simulator runs itself. */
const BUILT_IN = new Set([
  'park',
  'playback',
  'bridge',
  'hangup',
  'avmd_start',
  'avmd_stop',
  'set',
  'export',
  'unset',
  'log',
  'sleep',
  'answer',
  'pre_answer',
  'transfer',
  'sched_hangup',
  'play_and_get_digits',
]);

/** Whether FreeSWITCH would find the application (an unknown one hangs the call up, see execute). */
export function knowsApplication(app: string, runner: AppRunner): boolean {
  if (BUILT_IN.has(app)) return true;
  if (app === 'amd') return runner.amd !== undefined;
  return runner.extra?.(app) !== undefined;
}

/**
 * How long a playback lasts: silence_stream://<ms>, tone_stream durations times `;loops=N` (06:
 * three loops of 400 ms took 1.2 s on the real switch), otherwise 1 s. Endless loops (-1) play once.
 */
export function playbackMs(file: string): number {
  const silence = /^silence_stream:\/\/(\d+)/.exec(file);
  if (silence !== null) return Number(silence[1]);
  const tone = /^tone_stream:\/\/%\((\d+),(\d+)/.exec(file);
  if (tone !== null) {
    const loops = Number(/;loops=(\d+)/.exec(file)?.[1] ?? 1);
    return (Number(tone[1]) + Number(tone[2])) * Math.max(1, loops);
  }
  return 1000;
}

/** Playback-File-Type, absent for silence_stream:// (06: it has no file format behind it). */
function fileTypeHeaders(file: string): Header[] {
  const scheme = /^([a-z_]+):\/\//.exec(file)?.[1];
  if (scheme === 'silence_stream') return [];
  return [['Playback-File-Type', scheme ?? file.split('.').pop() ?? 'wav']];
}

function appHeaders(app: string, arg: string): Header[] {
  return arg === ''
    ? [['Application', app]]
    : [
        ['Application', app],
        ['Application-Data', arg],
      ];
}

async function playback(leg: CallLeg, file: string): Promise<string> {
  const probe = leg.recordings.probe(file);
  // mod_dptools' playback: a missing file never starts (no PLAYBACK_START), the app answers FILE NOT FOUND.
  if (!probe.found) return 'FILE NOT FOUND';
  const fileHeaders: Header[] = [...fileTypeHeaders(file), ['Playback-File-Path', file]];
  leg.emit('playbackStart', { after: fileHeaders });
  const ms = probe.durationMs ?? playbackMs(file);
  const ended = await playTone(leg, file, ms);
  const complete = ended !== 'break';
  // A hangup during the playback is reported at once; the playback then stops (23b: CHANNEL_HANGUP,
  // then PLAYBACK_STOP and EXECUTE_COMPLETE carrying the cause and Answer-State: hangup — and
  // Playback-Status still `done`).
  if (ended === 'hangup') hangUpNow(leg);
  leg.vars.setAll([
    ['playback_last_offset_pos', String(ms * 8)],
    ['playback_seconds', String(Math.floor(ms / 1000))],
    ['playback_ms', String(ms)],
    ['playback_samples', String(ms * 8)],
  ]);
  leg.emit('playbackStop', { after: [...fileHeaders, ['Playback-Status', complete ? 'done' : 'break']] });
  return 'FILE PLAYED';
}

/** CHANNEL_HANGUP for a pending hangup request, unless already sent; the far end's BYE says so. */
export function hangUpNow(leg: CallLeg): void {
  const request = leg.hangupRequest;
  if (request === undefined || leg.channel.hangupCause !== undefined) return;
  markHangup(leg, request.cause, request.vars ?? []);
  if (request.by === 'remote' && request.cause === 'NORMAL_CLEARING')
    leg.vars.set('sip_hangup_disposition', 'recv_bye');
}

/** Plays for `ms`; avmd listening to our own audio reports a beep shortly into a tone (08). */
async function playTone(leg: CallLeg, file: string, ms: number): Promise<'done' | 'break' | 'hangup'> {
  const frequency = toneFrequency(file);
  if (leg.avmd?.hearsOwnAudio !== true || frequency === undefined || ms < BEEP_DETECTION_MS) return leg.playFor(ms);
  const first = await leg.playFor(BEEP_DETECTION_MS);
  if (first !== 'done') return first;
  detectBeep(leg, frequency);
  return leg.playFor(ms - BEEP_DETECTION_MS);
}

/** `sched_hangup`: `+<seconds>` from now or an epoch second; the cause defaults to ALLOTTED_TIMEOUT. */
export function scheduleHangup(leg: CallLeg, when: string, cause: string | undefined): void {
  const seconds = when.startsWith('+') ? Number(when.slice(1)) : Number(when) - leg.now() / 1_000_000;
  const delayMs = Number.isFinite(seconds) ? Math.max(0, seconds * 1000) : 0;
  void leg.wait(delayMs).then((waited) => {
    if (waited) leg.requestHangup({ cause: knownCause(cause ?? 'ALLOTTED_TIMEOUT'), by: 'local' });
  });
}

/** CHANNEL_EXECUTE … CHANNEL_EXECUTE_COMPLETE around one application. */
export async function execute(
  leg: CallLeg,
  app: string,
  arg: string,
  runner: AppRunner,
  appUuid: string,
): Promise<void> {
  if (!knowsApplication(app, runner)) {
    // switch_core_session_execute_application: "Invalid Application <app>", no CHANNEL_EXECUTE,
    // and the channel is hung up DESTINATION_OUT_OF_ORDER (FreeSWITCH 1.10.12 without mod_amd, issue 19).
    leg.requestHangup({ cause: 'DESTINATION_OUT_OF_ORDER', by: 'local' });
    return;
  }
  // switch_core_session_exec clears the previous app's response before the next one starts (06).
  leg.vars.unset('current_application_response');
  leg.vars.set('current_application', app);
  // An app without argument leaves no stale data from the previous one (08: avmd_stop).
  if (arg !== '') leg.vars.set('current_application_data', arg);
  else leg.vars.unset('current_application_data');
  leg.emit('execute', { after: [...appHeaders(app, arg), ['Application-UUID', appUuid]] });
  leg.runningApp = { app, arg, appUuid };
  leg.lastApp = { app, arg };
  let response = '_none_';
  switch (app) {
    case 'park':
      return parkLoop(leg, runner, appUuid);
    case 'playback':
      response = await playback(leg, arg);
      break;
    case 'bridge':
      await runner.bridge(leg, arg);
      break;
    case 'amd':
      response = (await runner.amd?.(leg)) ?? '_none_';
      break;
    case 'set':
    case 'export': {
      const eq = arg.indexOf('=');
      if (eq > 0) {
        const value = arg.slice(eq + 1);
        if (value === '') leg.vars.unset(arg.slice(0, eq));
        else leg.vars.set(arg.slice(0, eq), value);
      }
      break;
    }
    case 'unset':
      leg.vars.unset(arg);
      break;
    case 'log':
      break;
    case 'sleep':
      await leg.wait(Number(arg) || 0);
      break;
    case 'answer':
    case 'pre_answer':
      leg.onAnswerRequest?.(app);
      break;
    case 'avmd_start':
      startAvmd(leg, 'app', arg);
      break;
    case 'avmd_stop':
      stopAvmd(leg, 'app');
      break;
    case 'hangup':
      leg.requestHangup({ cause: knownCause(arg), by: 'local' });
      break;
    case 'play_and_get_digits':
      response = await playAndGetDigits(leg, arg, (file) => playback(leg, file));
      break;
    case 'sched_hangup': {
      const [when = '', cause] = arg.split(/\s+/);
      scheduleHangup(leg, when, cause);
      break;
    }
    default: {
      const run = runner.extra?.(app);
      if (run !== undefined) response = await run(leg, arg);
      else await leg.wait(0);
    }
  }
  // An application cut short by a hangup: CHANNEL_HANGUP comes first (23b, 26 sleep).
  hangUpNow(leg);
  leg.runningApp = undefined;
  // Only an application that answers something sets the variable; the event says _none_ (04b bridge).
  if (response !== '_none_') leg.vars.set('current_application_response', response);
  leg.emit('executeComplete', {
    after: [...appHeaders(app, arg), ['Application-Response', response], ['Application-UUID', appUuid]],
  });
}

/** park: sit in CS_EXECUTE running whatever sendmsg/uuid_broadcast queue, until hangup or uuid_bridge. */
async function parkLoop(leg: CallLeg, runner: AppRunner, appUuid: string): Promise<void> {
  leg.emit('park');
  leg.inPark = true;
  const outcome = await parkUntilInterrupted(leg, runner, appUuid);
  leg.inPark = false;
  if (outcome.kind === 'transfer') {
    // uuid_transfer ends park; runApplication routes the new profile (24).
    leg.emit('unpark');
    completePark(leg, appUuid);
    return;
  }
  if (outcome.kind === 'bridge') {
    // uuid_bridge ends park without a hangup; the leg then joins the bridge (04).
    leg.pendingBridge = undefined;
    leg.emit('unpark');
    completePark(leg, appUuid);
    return joinUuidBridge(leg, outcome.peer, outcome.side);
  }
  const { request, message } = outcome;
  if (leg.channel.hangupCause === undefined) {
    markHangup(leg, request.cause, request.vars ?? []);
    if (message !== undefined) leg.emit('privateCommand', { lead: message });
    if (request.by === 'remote' && request.cause === 'NORMAL_CLEARING')
      leg.vars.set('sip_hangup_disposition', 'recv_bye');
  }
  leg.emit('unpark');
  completePark(leg, appUuid);
}

function completePark(leg: CallLeg, appUuid: string): void {
  const response = leg.vars.get('current_application_response') ?? '_none_';
  leg.emit('executeComplete', {
    after: [
      ['Application', 'park'],
      ['Application-Response', response],
      ['Application-UUID', appUuid],
    ],
  });
}

type ParkOutcome =
  | { readonly kind: 'hangup'; readonly request: HangupRequest; readonly message?: readonly Header[] }
  | { readonly kind: 'bridge'; readonly peer: CallLeg; readonly side: BridgeSide }
  | { readonly kind: 'transfer' };

/** Runs queued apps until a hangup (`message`: the sendmsg that caused it, if any) or a uuid_bridge. */
async function parkUntilInterrupted(leg: CallLeg, runner: AppRunner, appUuid: string): Promise<ParkOutcome> {
  for (;;) {
    await leg.waitForWork();
    if (leg.hangupRequest !== undefined) return { kind: 'hangup', request: leg.hangupRequest };
    if (leg.pendingBridge !== undefined) return { kind: 'bridge', ...leg.pendingBridge };
    if (leg.pendingTransfer !== undefined) return { kind: 'transfer' };
    // The park loop notices queued messages on its next media frame, after the command's reply.
    await leg.pause(0);
    const queued = leg.takeQueued();
    if (queued === undefined) continue;
    if (queued.kind === 'hangup') {
      const request: HangupRequest = { cause: queued.cause, by: 'local' };
      leg.requestHangup(request);
      return { kind: 'hangup', request, message: queued.lead };
    }
    // switch_ivr_parse_event runs messaged apps in a loop (`loops` header, default 1) and says so.
    leg.vars.setAll([
      ['current_loop', '1'],
      ['total_loops', '1'],
    ]);
    await execute(leg, queued.app, queued.arg, runner, queued.eventUuid ?? leg.newAppUuid());
    // The loop counters live only while the messaged app runs (08: gone on the next media bug event).
    leg.vars.unset('current_loop');
    leg.vars.unset('total_loops');
    leg.runningApp = { app: 'park', arg: '', appUuid };
    leg.emit('privateCommand', { lead: queued.lead });
    for (const deliver of leg.afterMessage.splice(0)) deliver();
  }
}

/**
 * Runs the originate application on a connected leg and, once it ends, hangs the leg up the way
 * FreeSWITCH does (cause from the request, or NORMAL_CLEARING when the application just finished).
 */
export async function runApplication(
  leg: CallLeg,
  target: { app: string; arg: string },
  runner: AppRunner,
): Promise<void> {
  leg.enterState('CS_EXECUTE', 4);
  leg.vars.set('call_uuid', leg.uuid);
  await execute(leg, target.app, target.arg, runner, leg.newAppUuid());
  // uuid_transfer: the new caller profile routes and runs its dialplan's apps, until hangup or the next transfer.
  while (leg.pendingTransfer !== undefined && leg.hangupRequest === undefined) {
    const transfer = leg.pendingTransfer;
    leg.pendingTransfer = undefined;
    leg.enterState('CS_ROUTING');
    if (leg.channel.callState === 'UNHELD') leg.setCallState('ACTIVE');
    if (transfer.apps.length === 0) {
      leg.requestHangup({ cause: 'NO_ROUTE_DESTINATION', by: 'local' });
      break;
    }
    leg.enterState('CS_EXECUTE');
    leg.channel.rdnis = undefined;
    for (const next of transfer.apps) {
      await execute(leg, next.app, next.arg, runner, leg.newAppUuid());
      if (leg.hangupRequest !== undefined || leg.pendingTransfer !== undefined) break;
    }
  }
  const request = leg.hangupRequest;
  if (leg.channel.hangupCause === undefined) {
    markHangup(leg, request?.cause ?? 'NORMAL_CLEARING', request?.vars ?? []);
  }
  const local = request === undefined || request.by === 'local';
  tearDown(leg, local ? [['sip_hangup_disposition', 'send_bye']] : [], () => leaveBridge(leg));
}
