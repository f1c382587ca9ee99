import { reportingVars, rtpStatsVars } from '../domain/channel-vars.js';
import type { Header } from '../domain/esl-event.js';
import { q850Of } from '../domain/hangup-causes.js';
import type { CallLeg } from './call-leg.js';
import { stopRecording } from './recording.js';

/** CHANNEL_HANGUP: the moment the cause is known. */
export function markHangup(leg: CallLeg, cause: string, extraVars: readonly Header[] = []): void {
  leg.channel.hangupCause = cause;
  leg.channel.answerState = 'hangup';
  leg.channel.stateNumber = 10;
  leg.channel.times.hangup = leg.now();
  leg.vars.unset('current_loop');
  leg.vars.unset('total_loops');
  leg.vars.setAll(extraVars);
  leg.emit('hangup');
}

/** CS_HANGUP through CS_DESTROY; `beforeDestroy` lets BACKGROUND_JOB slot in where FreeSWITCH puts it. */
export function tearDown(leg: CallLeg, finalVars: readonly Header[], beforeDestroy?: () => void): void {
  const cause = leg.channel.hangupCause ?? 'NORMAL_CLEARING';
  leg.enterState('CS_HANGUP', 10);
  stopRecording(leg, leg.recordings, 'success-silence');
  const t = leg.channel.times;
  const end = leg.now();
  leg.endedAtUs = end;
  const q850 = q850Of(cause);
  const callerId =
    leg.channel.ids.callerIdName === undefined
      ? leg.channel.ids.callerIdNumber
      : `"${leg.channel.ids.callerIdName}" <${leg.channel.ids.callerIdNumber}>`;
  // Cause and timestamps are set before CALLSTATE(HANGUP), SIP disposition and RTP stats before
  // CS_REPORTING: only visible when state events carry variables (07d, shutdown).
  leg.vars.setAll(
    reportingVars(
      cause,
      q850,
      {
        start: t.created,
        answer: t.answered,
        progress: t.progress,
        progressMedia: t.progressMedia,
        bridge: t.bridged,
        end,
      },
      callerId,
      leg.lastApp,
      leg.held === undefined ? leg.holdEvents : [[leg.held.sinceUs, end], ...leg.holdEvents],
    ),
  );
  leg.setCallState('HANGUP');
  leg.vars.setAll(finalVars);
  if (leg.channel.codecReady && leg.channel.loopback !== true)
    leg.vars.setAll(rtpStatsVars((end - (t.answered || t.progressMedia || end)) / 1000));
  leg.enterState('CS_REPORTING', 12);
  leg.emit('hangupComplete', { before: [['Hangup-Cause', cause]] });
  beforeDestroy?.();
  leg.emit('destroy');
  leg.enterState('CS_DESTROY', 12);
  leg.finish();
}
