import type { Header } from '../domain/esl-event.js';
import type { CallLeg, QueuedApp } from './call-leg.js';
import { markHangup, tearDown } from './hangup.js';

/** Applications that need the switch (other legs), supplied by the core. */
export interface AppRunner {
  bridge(leg: CallLeg, dialString: string): Promise<void>;
  amd(leg: CallLeg): Promise<string>;
  avmdStart(leg: CallLeg): void;
  avmdStop(leg: CallLeg): void;
}

/** How long a playback lasts: silence_stream://<ms>, tone_stream durations, otherwise 1 s. */
export function playbackMs(file: string): number {
  const silence = /^silence_stream:\/\/(\d+)/.exec(file);
  if (silence !== null) return Number(silence[1]);
  const tone = /^tone_stream:\/\/%\((\d+),(\d+)/.exec(file);
  if (tone !== null) return Number(tone[1]) + Number(tone[2]);
  return 1000;
}

function fileType(file: string): string {
  const scheme = /^([a-z_]+):\/\//.exec(file);
  if (scheme !== null) return scheme[1] ?? 'file';
  return file.split('.').pop() ?? 'wav';
}

function appHeaders(app: string, arg: string): Header[] {
  return arg === '' ? [['Application', app]] : [['Application', app], ['Application-Data', arg]];
}

async function playback(leg: CallLeg, file: string): Promise<string> {
  const fileHeaders: Header[] = [['Playback-File-Type', fileType(file)], ['Playback-File-Path', file]];
  leg.emit('playbackStart', { after: fileHeaders });
  const ms = playbackMs(file);
  const complete = await leg.wait(ms);
  leg.vars.setAll([
    ['playback_last_offset_pos', String(ms * 8)], ['playback_seconds', String(Math.floor(ms / 1000))],
    ['playback_ms', String(ms)], ['playback_samples', String(ms * 8)],
  ]);
  leg.emit('playbackStop', { after: [...fileHeaders, ['Playback-Status', complete ? 'done' : 'break']] });
  return 'FILE PLAYED';
}

/** CHANNEL_EXECUTE … CHANNEL_EXECUTE_COMPLETE around one application. */
async function execute(leg: CallLeg, app: string, arg: string, runner: AppRunner, appUuid: string): Promise<void> {
  leg.vars.set('current_application', app);
  if (arg !== '') leg.vars.set('current_application_data', arg);
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
      response = await runner.amd(leg);
      break;
    case 'avmd_start':
      runner.avmdStart(leg);
      break;
    case 'avmd_stop':
      runner.avmdStop(leg);
      break;
    case 'hangup':
      leg.requestHangup({ cause: arg === '' ? 'NORMAL_CLEARING' : arg, by: 'local' });
      break;
    default:
      await leg.wait(0);
  }
  leg.runningApp = undefined;
  leg.vars.set('current_application_response', response);
  leg.emit('executeComplete', { after: [...appHeaders(app, arg), ['Application-Response', response], ['Application-UUID', appUuid]] });
}

/** park: sit in CS_EXECUTE running whatever sendmsg/uuid_broadcast queue, until hangup. */
async function parkLoop(leg: CallLeg, runner: AppRunner, appUuid: string): Promise<void> {
  leg.emit('park');
  for (;;) {
    await leg.waitForWork();
    if (leg.hangupRequest !== undefined) break;
    // The park loop notices queued messages on its next media frame, after the command's reply.
    await leg.pause(0);
    const queued: QueuedApp | undefined = leg.takeQueued();
    if (queued === undefined) continue;
    // switch_ivr_parse_event runs messaged apps in a loop (`loops` header, default 1) and says so.
    leg.vars.setAll([['current_loop', '1'], ['total_loops', '1']]);
    await execute(leg, queued.app, queued.arg, runner, queued.eventUuid ?? leg.newAppUuid());
    leg.runningApp = { app: 'park', arg: '', appUuid };
    leg.emit('privateCommand', { lead: queued.lead });
  }
  const request = leg.hangupRequest;
  markHangup(leg, request.cause, request.vars ?? []);
  if (request.by === 'remote' && request.cause === 'NORMAL_CLEARING') leg.vars.set('sip_hangup_disposition', 'recv_bye');
  leg.emit('unpark');
  const response = leg.vars.get('current_application_response') ?? '_none_';
  leg.emit('executeComplete', { after: [['Application', 'park'], ['Application-Response', response], ['Application-UUID', appUuid]] });
}

/**
 * Runs the originate application on a connected leg and, once it ends, hangs the leg up the way
 * FreeSWITCH does (cause from the request, or NORMAL_CLEARING when the application just finished).
 */
export async function runApplication(leg: CallLeg, target: { app: string; arg: string }, runner: AppRunner): Promise<void> {
  leg.enterState('CS_EXECUTE', 4);
  leg.vars.set('call_uuid', leg.uuid);
  await execute(leg, target.app, target.arg, runner, leg.newAppUuid());
  const request = leg.hangupRequest;
  if (leg.channel.hangupCause === undefined) {
    markHangup(leg, request?.cause ?? 'NORMAL_CLEARING', request?.vars ?? []);
  }
  const local = request === undefined || request.by === 'local';
  tearDown(leg, local ? [['sip_hangup_disposition', 'send_bye']] : []);
}
