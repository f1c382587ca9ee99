import { randomUUID } from 'node:crypto';
import type { Header } from '../domain/esl-event.js';
import type { DialplanStep } from '../domain/scenario.js';
import { execute, type AppRunner } from './applications.js';
import type { CallLeg } from './call-leg.js';
import { markHangup, tearDown } from './hangup.js';
import type { OriginateReport } from './outbound-call.js';

/**
 * mod_loopback as trace 26 shows it: `loopback/<ext>[/<context>]` makes two channels. A (the
 * originate's leg, outbound) is born under a temporary uuid that announces its codec, then takes
 * the origination uuid (CHANNEL_UUID, Old-Unique-ID); B (inbound, server-assigned uuid) routes
 * `<ext>` in the dialplan and runs its applications. A is answered when B answers; until then it
 * rings, and the originate ends NO_ANSWER at originate_timeout, hanging B up with it.
 */
export const L16 = { name: 'L16', rate: '8000', bitRate: '128000' } as const;

const READ_EXTRA: readonly Header[] = [
  ['channel-read-codec-name', L16.name],
  ['channel-read-codec-rate', L16.rate],
  ['channel-read-codec-bit-rate', L16.bitRate],
];
const WRITE_EXTRA: readonly Header[] = [
  ['Channel-Write-Codec-Name', L16.name],
  ['Channel-Write-Codec-Rate', L16.rate],
  ['Channel-Write-codec-bit-rate', L16.bitRate],
];

export interface LoopbackTarget {
  readonly extension: string;
  readonly context: string;
}

export function parseLoopback(target: string): LoopbackTarget {
  const [extension = '', context = 'default'] = target.split('/');
  return { extension, context };
}

/** The pieces of the switch a loopback pair needs. */
export interface LoopbackDeps {
  /** A new leg (not yet announced) with this uuid, channel name and session number. */
  readonly newLeg: (uuid: string, name: string, destination: string) => CallLeg;
  readonly register: (leg: CallLeg) => void;
  readonly runner: AppRunner;
  readonly dialplan: ReadonlyMap<string, readonly DialplanStep[]>;
  /** B is routing its extension. */
  readonly routing: () => void;
  /** The originate's own application, run on A once B answers. */
  readonly connected: (a: CallLeg) => Promise<void>;
}

function prepare(leg: CallLeg, direction: 'inbound' | 'outbound', target: LoopbackTarget): void {
  const ch = leg.channel;
  ch.direction = direction;
  ch.logicalDirection = direction;
  ch.codec = L16;
  ch.source = 'mod_loopback';
  ch.dialplan = 'xml';
  ch.ids = { ...ch.ids, calleeIdName: 'Outbound Call', calleeIdNumber: target.context };
  ch.hasProfile = false;
  ch.stateNumber = 0;
  ch.loopback = true;
}

function announceCodec(leg: CallLeg): void {
  leg.channel.codecReady = true;
  leg.emit('readCodec', { after: READ_EXTRA });
  leg.emit('writeCodec', { after: WRITE_EXTRA });
}

function codecVars(): Header[] {
  return [
    ['read_codec', L16.name],
    ['read_rate', L16.rate],
    ['write_codec', L16.name],
    ['write_rate', L16.rate],
  ];
}

/** Places a loopback pair for `originate`; `timeoutMs` is the (whole-second) originate_timeout. */
export async function runLoopback(
  deps: LoopbackDeps,
  request: { readonly uuid: string; readonly target: LoopbackTarget; readonly variables: readonly Header[] },
  timeoutMs: number,
  report: OriginateReport,
): Promise<void> {
  const { target } = request;
  // A's channel first exists under a uuid of its own, long enough to set up its codec.
  const temporary = deps.newLeg(randomUUID(), `loopback/${target.extension}/${target.context}-a`, target.extension);
  prepare(temporary, 'outbound', target);
  announceCodec(temporary);
  temporary.finish();

  const a = deps.newLeg(request.uuid, `loopback/${target.extension}-a`, target.extension);
  const b = deps.newLeg(randomUUID(), `loopback/${target.extension}-b`, target.extension);
  prepare(a, 'outbound', target);
  prepare(b, 'inbound', target);
  a.channel.codecReady = true;
  a.channel.hasProfile = true;
  a.channel.stateNumber = 1;
  a.vars.setAll([
    ['direction', 'outbound'],
    ['is_outbound', 'true'],
    ['session_id', String(a.facts.sessionId)],
    ...codecVars(),
    ['channel_name', a.channel.name],
    ['uuid', a.uuid],
    ['call_uuid', a.uuid],
  ]);
  deps.register(a);
  deps.register(b);
  a.emit('uuidChange', { before: [['Old-Unique-ID', temporary.uuid]] });
  a.emit('outgoing');
  a.enterState('CS_INIT', 2);
  announceCodec(b);
  b.channel.hasProfile = true;
  b.channel.hitDialplan = true;
  a.vars.setAll([
    ...request.variables,
    ['originate_early_media', 'false'],
    ['originate_endpoint', 'loopback'],
    ['other_loopback_leg_uuid', b.uuid],
    ['loopback_leg', 'A'],
  ]);
  a.emit('create');
  b.enterState('CS_INIT', 2);
  b.vars.setAll([
    ['direction', 'inbound'],
    ['uuid', b.uuid],
    ['call_uuid', b.uuid],
    ['session_id', String(b.facts.sessionId)],
    ['channel_name', b.channel.name],
    ...codecVars(),
    ['origination_uuid', a.uuid],
    ...request.variables.filter(([name]) => name === 'originate_timeout'),
    ['other_loopback_leg_uuid', a.uuid],
    ['loopback_leg', 'B'],
  ]);
  b.emit('create');
  a.emit('originate');
  b.setCallState('RINGING');
  b.enterState('CS_ROUTING');
  deps.routing();
  a.enterState('CS_ROUTING');
  a.enterState('CS_CONSUME_MEDIA');

  let answered = false;
  const bAnswered = new Promise<void>((resolve) => {
    b.onAnswerRequest = () => {
      if (answered) return;
      answered = true;
      const now = b.now();
      for (const leg of [b, a]) {
        leg.channel.times.answered = now;
        leg.answeredAtUs = now;
        leg.channel.answerState = 'answered';
        leg.emit('answer');
        leg.setCallState('ACTIVE');
      }
      resolve();
    };
  });
  const bDone = runDialplanLeg(b, target, deps);
  const first = await Promise.race([
    bAnswered.then(() => 'answered' as const),
    a.wait(timeoutMs).then((waited) => (waited ? ('timeout' as const) : ('cancelled' as const))),
    b.finished.then(() => 'b-gone' as const),
  ]);
  if (first === 'answered') {
    report(`+OK ${a.uuid}\n`);
    await deps.connected(a);
    b.requestHangup({ cause: a.channel.hangupCause ?? 'NORMAL_CLEARING', by: 'local' });
    await bDone;
    return;
  }
  const cause =
    first === 'timeout'
      ? 'NO_ANSWER'
      : first === 'b-gone'
        ? (b.channel.hangupCause ?? 'NORMAL_CLEARING')
        : (a.hangupRequest?.cause ?? 'ORIGINATOR_CANCEL');
  markHangup(a, cause);
  report(`-ERR ${cause}\n`);
  b.requestHangup({ cause, by: 'local' });
  tearDown(a, [['is_loopback', '1']]);
  await bDone;
}

/** B: route the extension and run its applications; no extension → NO_ROUTE_DESTINATION. */
async function runDialplanLeg(b: CallLeg, target: LoopbackTarget, deps: LoopbackDeps): Promise<void> {
  const steps = deps.dialplan.get(target.extension);
  if (steps === undefined) {
    b.requestHangup({ cause: 'NO_ROUTE_DESTINATION', by: 'local' });
  } else {
    b.enterState('CS_EXECUTE', 4);
    b.vars.set('DP_MATCH', `ARRAY::${target.extension}|:${target.extension}`);
    b.vars.set('call_uuid', b.uuid);
    for (const step of steps) {
      await execute(b, step.app, step.arg, deps.runner, b.newAppUuid());
      if (b.hangupRequest !== undefined) break;
    }
  }
  if (b.channel.hangupCause === undefined) markHangup(b, b.hangupRequest?.cause ?? 'NORMAL_CLEARING');
  tearDown(b, [['is_loopback', '1']]);
}
