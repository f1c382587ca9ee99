import { randomUUID } from 'node:crypto';
import type { EventStamp } from '../domain/channel-events.js';
import { buildChannelEvent } from '../domain/channel-events.js';
import { destinationNumber, parseOriginate, type DialTarget } from '../domain/dial-string.js';
import { encodeEventBody } from '@outbound/esl';
import { toEventContent, type Header, type SwitchEvent } from '../domain/esl-event.js';
import { maskNumber, planAgentCall, planCall, type CallPlan, type Scenario } from '../domain/scenario.js';
import { coreHeaders, type SwitchIdentity } from '../domain/switch-identity.js';
import { callRow, channelRow, rowsJson, rowsText, statusText, versionText } from './api-text.js';
import { runApplication, type AppRunner } from './applications.js';
import { startAvmd, stopAvmd } from './avmd.js';
import { bLegConnected, inheritedVars, markOriginatedBy, runBridgeApp, transferToBridge } from './bridge.js';
import { CallLeg } from './call-leg.js';
import type { SimClock } from './clock.js';
import { runOutboundCall, type OriginateReport } from './outbound-call.js';

/** One line of ground truth: what really happened to a call (number masked). */
export interface GroundTruthRecord {
  readonly uuid: string;
  /** `agent` for a `user/<id>` leg (an agent's phone), `customer` for every other. */
  readonly party: 'agent' | 'customer';
  readonly number: string;
  readonly outcome: string;
  readonly cause: string;
  readonly ringMs: number;
  readonly talkMs: number;
  readonly amd: string;
  readonly startedAt: string;
  readonly answeredAt: string | null;
  readonly bridgedAt: string | null;
  readonly endedAt: string;
}

export interface SwitchCoreDeps {
  readonly identity: SwitchIdentity;
  readonly scenario: Scenario;
  readonly seed: number;
  readonly clock: SimClock;
  readonly recordTruth: (record: GroundTruthRecord) => void;
}

export type EventListener = (event: SwitchEvent) => void;

const PROFILES = new Set(['external', 'internal']);

interface PlacementOptions {
  readonly blocking: boolean;
  /** What the leg does once connected (see OriginateOptions.connected). */
  readonly connected: (leg: CallLeg) => Promise<void>;
  /** The A leg whose `bridge` application dials this one. */
  readonly originator?: CallLeg;
}

/** The simulated switch: channel table, event bus, API commands. Knows nothing about sockets. */
export class SwitchCore {
  private readonly listeners = new Set<EventListener>();
  private readonly legs = new Map<string, CallLeg>();
  private readonly perNumberCount = new Map<string, number>();
  private sequence = 1;
  private sessionCounter = 0;
  private peak = 0;
  private readonly startedUs: number;

  constructor(private readonly deps: SwitchCoreDeps) {
    this.startedUs = deps.clock.nowUs();
  }

  get identity(): SwitchIdentity {
    return this.deps.identity;
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(build: (stamp: EventStamp) => SwitchEvent): void {
    const event = build({ identity: this.deps.identity, nowUs: this.deps.clock.nowUs(), sequence: this.sequence++ });
    for (const listener of this.listeners) listener(event);
  }

  /** Events not tied to a channel (API, BACKGROUND_JOB, HEARTBEAT …). */
  publishSystem(
    name: string,
    site: { file: string; func: string; line: number },
    extra: readonly Header[],
    body?: string,
  ): void {
    this.publish((stamp) => {
      const headers = [...coreHeaders(stamp.identity, name, site, stamp.nowUs, stamp.sequence), ...extra];
      return body === undefined ? { name, headers } : { name, headers, body };
    });
  }

  apiEvent(command: string, args: string): void {
    const extra: Header[] = [['API-Command', command]];
    if (args !== '') extra.push(['API-Command-Argument', args]);
    this.publishSystem('API', { file: 'switch_loadable_module.c', func: 'switch_api_execute', line: 2954 }, extra);
  }

  backgroundJobEvent(jobUuid: string, command: string, args: string, result: string): void {
    const extra: Header[] = [
      ['Job-UUID', jobUuid],
      ['Job-Command', command],
    ];
    if (args !== '') extra.push(['Job-Command-Arg', args]);
    this.publishSystem('BACKGROUND_JOB', { file: 'mod_event_socket.c', func: 'api_exec', line: 1572 }, extra, result);
  }

  heartbeat(): void {
    const uptimeMs = (this.deps.clock.nowUs() - this.startedUs) / 1000;
    this.publishSystem('HEARTBEAT', { file: 'switch_core.c', func: 'send_heartbeat', line: 95 }, [
      ['Event-Info', 'System Ready'],
      [
        'Up-Time',
        `0 years, 0 days, 0 hours, 0 minutes, ${Math.floor(uptimeMs / 1000)} seconds, 0 milliseconds, 0 microseconds`,
      ],
      ['FreeSWITCH-Version', this.deps.identity.version],
      ['Uptime-msec', String(Math.floor(uptimeMs))],
      ['Session-Count', String(this.legs.size)],
      ['Max-Sessions', String(this.deps.identity.maxSessions)],
      ['Session-Per-Sec', String(this.deps.identity.sessionsPerSecond)],
      ['Session-Per-Sec-Last', '0'],
      ['Session-Per-Sec-Max', '1'],
      ['Session-Per-Sec-FiveMin', '1'],
      ['Session-Since-Startup', String(this.sessionCounter)],
      ['Session-Peak-Max', String(this.peak)],
      ['Session-Peak-FiveMin', String(this.peak)],
      ['Idle-CPU', '99.000000'],
    ]);
    const runtime = String(Math.floor(this.deps.clock.nowUs() / 1_000_000) + 20);
    this.publishSystem('RE_SCHEDULE', { file: 'switch_scheduler.c', func: 'switch_scheduler_execute', line: 73 }, [
      ['Task-ID', '1'],
      ['Task-Desc', 'heartbeat'],
      ['Task-Group', 'core'],
      ['Task-Runtime', runtime],
    ]);
  }

  leg(uuid: string): CallLeg | undefined {
    return this.legs.get(uuid);
  }

  /**
   * Runs `api <command> <args>` and resolves with the api/response body. `originate` resolves
   * when the call is answered or fails, as FreeSWITCH's blocking originate does.
   */
  async api(command: string, args: string): Promise<string> {
    const handler = this.commands[command];
    if (handler === undefined) return `-ERR ${command} Command not found!\n`;
    return handler(args.trim());
  }

  private readonly commands: Record<string, (args: string) => string | Promise<string>> = {
    status: () =>
      statusText(this.deps.identity, (this.deps.clock.nowUs() - this.startedUs) / 1000, {
        sinceStartup: this.sessionCounter,
        active: this.legs.size,
        peak: this.peak,
      }),
    version: () => versionText(this.deps.identity),
    hostname: () => this.deps.identity.hostname,
    reloadxml: () => '+OK [Success]\n',
    show: (args) => this.show(args),
    uuid_kill: (args) => {
      const [uuid, cause] = args.split(/\s+/);
      const leg = this.legs.get(uuid ?? '');
      if (leg === undefined || leg.hangupRequest !== undefined) return '-ERR No such channel!\n';
      leg.requestHangup({ cause: cause ?? 'NORMAL_CLEARING', by: 'local' });
      return '+OK\n';
    },
    uuid_exists: (args) => String(this.legs.has(args.split(/\s+/)[0] ?? '')),
    uuid_getvar: (args) => {
      const [uuid, name] = args.split(/\s+/);
      const leg = this.legs.get(uuid ?? '');
      if (leg === undefined) return '-ERR No such channel!\n';
      return leg.vars.get(name ?? '') ?? '_undef_';
    },
    uuid_setvar: (args) => {
      const match = /^(\S+)\s+(\S+)(?:\s+(.*))?$/.exec(args);
      const leg = this.legs.get(match?.[1] ?? '');
      if (match === null || leg === undefined) return '-ERR No such channel!\n';
      const [, , name = '', value] = match;
      if (value === undefined || value === '') leg.vars.unset(name);
      else leg.vars.set(name, value);
      return '+OK\n';
    },
    uuid_dump: (args) => {
      const leg = this.legs.get(args.split(/\s+/)[0] ?? '');
      if (leg === undefined) return '-ERR No such channel!\n';
      const event = buildChannelEvent('channelData', leg.channel, {
        identity: this.deps.identity,
        nowUs: this.deps.clock.nowUs(),
        sequence: this.sequence++,
      });
      return encodeEventBody(toEventContent(event), 'json');
    },
    uuid_record: (args) => {
      const [uuid, action, path = ''] = args.split(/\s+/);
      const leg = this.legs.get(uuid ?? '');
      if (leg === undefined) return '-ERR Cannot locate session!\n';
      if (action === 'start') {
        leg.recording = path;
        // The media bug starts on the next media frame, after the reply and the API event.
        void leg.pause(0).then(() => {
          leg.emit('recordStart', { after: [['Record-File-Path', path]] });
          leg.emit('mediaBugStart', {
            before: [
              ['Media-Bug-Function', 'session_record'],
              ['Media-Bug-Target', path],
            ],
          });
        });
      } else if (action === 'stop' && leg.recording !== undefined) {
        const file = leg.recording;
        leg.recording = undefined;
        leg.emit('recordStop', {
          after: [
            ['Record-File-Path', file],
            ['Record-Completion-Cause', 'success-silence'],
          ],
        });
        leg.emit('mediaBugStop', {
          before: [
            ['Media-Bug-Function', 'session_record'],
            ['Media-Bug-Target', file],
          ],
        });
      }
      return '+OK Success\n';
    },
    uuid_broadcast: (args) => {
      const [uuid, file = ''] = args.split(/\s+/);
      const leg = this.legs.get(uuid ?? '');
      if (leg === undefined) return '-ERR invalid uuid\n';
      const [app, arg] = file.includes('::') ? (file.split('::') as [string, string]) : ['playback', file];
      leg.enqueue({
        kind: 'execute',
        app,
        arg,
        // uuid_broadcast builds a COMMAND event and queues it; PRIVATE_COMMAND later carries it whole.
        lead: [
          ...coreHeaders(
            this.deps.identity,
            'COMMAND',
            { file: 'switch_ivr_async.c', func: 'switch_ivr_broadcast', line: 5731 },
            this.deps.clock.nowUs(),
            this.sequence++,
          ),
          ['call-command', 'execute'],
          ['execute-app-name', app],
          ['execute-app-arg', arg],
          ['event-lock', 'true'],
          ['lead-frames', '5'],
        ],
      });
      return '+OK Message sent\n';
    },
    uuid_send_dtmf: (args) => {
      const [uuid, digits = ''] = args.split(/\s+/);
      const leg = this.legs.get(uuid ?? '');
      if (leg === undefined) return '-ERR No such channel!\n';
      // Sending digits records the (default) tone length on the channel; 06 shows 1500 afterwards.
      leg.vars.set('last_dtmf_duration', '1500');
      return `+OK ${uuid} sent DTMF ${digits}.\n`;
    },
    uuid_bridge: (args) => {
      const [a, b] = args.split(/\s+/);
      const legA = this.legs.get(a ?? '');
      const legB = this.legs.get(b ?? '');
      if (legA === undefined || legB === undefined) return '-ERR Invalid uuid\n';
      // Both legs must be in park (the dialer flow); a queued app (playback) finishes first.
      if (!legA.inPark || !legB.inPark || legA.pendingBridge !== undefined || legB.pendingBridge !== undefined)
        return '-ERR Invalid uuid\n';
      transferToBridge(legA, legB);
      return `+OK ${legB.uuid}\n`;
    },
    uuid_transfer: (args) => {
      const [uuid] = args.split(/\s+/);
      if (!this.legs.has(uuid ?? '')) return '-ERR No such channel!\n';
      return '+OK\n';
    },
    hupall: (args) => {
      const cause = args.split(/\s+/)[0] || 'MANAGER_REQUEST';
      for (const leg of this.legs.values()) leg.requestHangup({ cause, by: 'local' });
      return '+OK hangup all channels with cause ' + cause + '\n';
    },
    avmd: (args) => {
      const [uuid, action] = args.split(/\s+/);
      const leg = this.legs.get(uuid ?? '');
      if (leg === undefined) return '-ERR No such channel!\n';
      // The reply goes out before the media bug's events, as in 08.
      if (action === 'start') {
        void leg.pause(0).then(() => startAvmd(leg, 'api'));
        return `+OK\n [${leg.uuid}] [${leg.channel.name}] started!\n\n`;
      }
      void leg.pause(0).then(() => stopAvmd(leg, 'api'));
      return `+OK\n [${leg.uuid}] [${leg.channel.name}] stopped\n\n`;
    },
  };

  private show(args: string): string {
    const [what, as, format] = args.split(/\s+/);
    const legs = [...this.legs.values()];
    const hostname = this.deps.identity.hostname;
    if (what === 'calls') {
      // One row per call: a bridged pair shows as its A leg with the B leg in b_* columns (04).
      const rows = legs
        .filter((l) => l.bridge?.side !== 'b')
        .map((l) => callRow(l.channel, l.bridge?.peer.channel, hostname));
      return as === 'as' && format === 'json' ? rowsJson(rows) : rowsText(rows);
    }
    if (what !== 'channels')
      return `-USAGE: show codec|endpoint|application|api|dialplan|file|timer|calls [count]|channels [count|like <match string>]|calls|detailed_calls|bridged_calls|detailed_bridged_calls|aliases|complete|chat|management|modules|nat_map|say|interfaces|interface_types|tasks|limits|status\n`;
    const rows = legs.map((l) => channelRow(l.channel, hostname, l.runningApp));
    return as === 'as' && format === 'json' ? rowsJson(rows) : rowsText(rows);
  }

  /** originate: `report` receives the result text exactly once. */
  originate(args: string, report: OriginateReport, blocking = false): void {
    const parsed = parseOriginate(args);
    if (!parsed.ok) {
      report(parsed.reply);
      return;
    }
    const request = parsed.request;
    const endpoint = request.endpoint;
    if (endpoint.kind === 'sofia' && !PROFILES.has(endpoint.profile)) {
      report('-ERR INVALID_PROFILE\n');
      return;
    }
    const uuid = variable(request, 'origination_uuid') ?? randomUUID();
    if (this.legs.has(uuid)) {
      report('-ERR DESTINATION_OUT_OF_ORDER\n');
      return;
    }
    this.sessionCounter += 1;
    if (endpoint.kind === 'sofia' && endpoint.host === undefined) {
      this.unregisteredUser(uuid, report);
      return;
    }
    const destination =
      request.destination.kind === 'app'
        ? request.destination
        : { app: 'transfer', arg: request.destination.extension };
    this.placeCall(uuid, request, report, {
      blocking,
      connected: (leg) => runApplication(leg, destination, this.runner),
    });
  }

  /** A dial string without host: FreeSWITCH destroys a half-made session and reports USER_NOT_REGISTERED. */
  private unregisteredUser(uuid: string, report: OriginateReport): void {
    const leg = new CallLeg(this.legContext(), this.facts(uuid, 'x', undefined, this.sessionCounter), {
      destination: '',
      callerIdNumber: '',
      name: 'N/A',
    });
    leg.channel.hasProfile = false;
    leg.channel.stateNumber = 0;
    leg.vars.setAll([
      ['direction', 'outbound'],
      ['is_outbound', 'true'],
      ['uuid', uuid],
      ['call_uuid', uuid],
      ['session_id', String(this.sessionCounter)],
    ]);
    leg.emit('destroy');
    leg.channel.state = 'CS_DESTROY';
    leg.emit('state');
    report('-ERR USER_NOT_REGISTERED\n');
  }

  private placeCall(uuid: string, request: DialTarget, report: OriginateReport, how: PlacementOptions): CallLeg {
    const endpoint = request.endpoint;
    const number = destinationNumber(endpoint);
    const port = endpoint.kind === 'sofia' ? endpoint.port : undefined;
    const nth = (this.perNumberCount.get(number) ?? 0) + 1;
    this.perNumberCount.set(number, nth);
    const plan: CallPlan =
      endpoint.kind === 'user'
        ? planAgentCall(this.deps.scenario, { seed: this.deps.seed, key: `user/${number}#${nth}` })
        : planCall(this.deps.scenario, {
            number,
            ...(port === undefined ? {} : { port }),
            elapsedMs: (this.deps.clock.nowUs() - this.startedUs) / 1000,
            seed: this.deps.seed,
            key: `${number}#${nth}`,
          });
    const callerIdNumber = variable(request, 'origination_caller_id_number') ?? '0000000000';
    const channelName =
      endpoint.kind === 'sofia'
        ? `sofia/${endpoint.profile}/${endpoint.user}@${endpoint.host ?? ''}${endpoint.port ? `:${endpoint.port}` : ''}`
        : request.endpointText;
    const facts = this.facts(
      uuid,
      number,
      endpoint.kind === 'sofia' ? endpoint : undefined,
      this.sessionCounter,
      callerIdNumber,
    );
    const leg = new CallLeg(this.legContext(), facts, { destination: number, callerIdNumber, name: channelName });
    if (how.originator !== undefined) markOriginatedBy(leg, how.originator);
    leg.amdTruth = {
      verdict: plan.amdVerdict === 'machine' ? 'MACHINE' : plan.amdVerdict === 'human' ? 'HUMAN' : 'NOTSURE',
      delayMs: plan.amdDelayMs,
    };
    this.legs.set(uuid, leg);
    this.peak = Math.max(this.peak, this.legs.size);
    const timeoutSec = Number(variable(request, 'originate_timeout') ?? '60');
    const startedUs = this.deps.clock.nowUs();
    void runOutboundCall(
      leg,
      plan,
      {
        originatorVars: request.variables,
        ignoreEarlyMedia: variable(request, 'ignore_early_media') === 'true',
        timeoutMs: Number.isFinite(timeoutSec) ? timeoutSec * 1000 : 60_000,
        connected: how.connected,
        flipCallerIdOnAnswer: how.originator === undefined,
        blocking: how.blocking,
      },
      report,
    ).finally(() => {
      this.legs.delete(uuid);
      this.deps.recordTruth(truth(leg, plan, number, startedUs, endpoint.kind === 'user' ? 'agent' : 'customer'));
    });
    return leg;
  }

  private facts(
    uuid: string,
    number: string,
    sofia: { user: string; host?: string; port?: number } | undefined,
    session: number,
    callerIdNumber = '0000000000',
  ) {
    const host = sofia?.host ?? '127.0.0.1';
    const port = String(sofia?.port ?? 5060);
    const short = uuid.replace(/-/g, '');
    return {
      uuid,
      sessionId: session,
      channelName: `sofia/external/${number}@${host}:${port}`,
      requestUri: `${sofia?.user ?? number}@${host}:${port}`,
      toHost: host,
      toPort: port,
      toUser: sofia?.user ?? number,
      callerIdNumber,
      mediaPort: 16384 + ((session * 2) % 16000),
      sipCallId: `${short.slice(0, 8)}-sim-${short.slice(8, 20)}`,
      fromTag: short.slice(0, 13),
      toTag: `${session}Sim${short.slice(13, 17)}`,
      branch: `z9hG4bK${short.slice(17, 30)}`,
      cseq: 123_000_000 + session,
    };
  }

  private legContext() {
    return { clock: this.deps.clock, publish: (build: (stamp: EventStamp) => SwitchEvent) => this.publish(build) };
  }

  private readonly runner: AppRunner = {
    bridge: (leg, target) => runBridgeApp(leg, target, (a, parsed) => this.dialBLeg(a, parsed)),
    amd: async (leg) => {
      const verdict = leg.amdTruth.verdict;
      await leg.wait(leg.amdTruth.delayMs);
      leg.vars.set('amd_result', verdict);
      leg.vars.set('amd_cause', verdict === 'MACHINE' ? 'LONGGREETING' : 'HUMAN');
      return verdict;
    },
  };

  /** Dials the B leg of A's `bridge` application; `result` settles with the originate result text. */
  private dialBLeg(a: CallLeg, target: DialTarget): { leg: CallLeg; result: Promise<string> } {
    this.sessionCounter += 1;
    let settle: (result: string) => void = () => undefined;
    const result = new Promise<string>((resolve) => {
      settle = resolve;
    });
    const withInherited = { ...target, variables: [...inheritedVars(a), ...target.variables] };
    const leg = this.placeCall(randomUUID(), withInherited, (text) => settle(text), {
      blocking: false,
      connected: (b) => bLegConnected(b, a),
      originator: a,
    });
    return { leg, result };
  }

  /** SIGTERM: hang every call up with SYSTEM_SHUTDOWN and wait for their teardown. */
  async shutdown(): Promise<void> {
    this.publishSystem('SHUTDOWN', { file: 'switch_core.c', func: 'switch_core_destroy', line: 3023 }, [
      ['Event-Info', 'System Shutting Down'],
    ]);
    const pending = [...this.legs.values()].map((leg) => {
      leg.channel.verboseEvents = true;
      leg.requestHangup({ cause: 'SYSTEM_SHUTDOWN', by: 'local' });
      return leg.finished;
    });
    await Promise.all(pending);
  }
}

function variable(request: DialTarget, name: string): string | undefined {
  let found: string | undefined;
  for (const [key, value] of request.variables) if (key === name) found = value;
  return found;
}

function truth(
  leg: CallLeg,
  plan: CallPlan,
  number: string,
  startedUs: number,
  party: 'agent' | 'customer',
): GroundTruthRecord {
  const answeredUs = leg.answeredAtUs;
  const endedUs = leg.endedAtUs || leg.now();
  return {
    uuid: leg.uuid,
    party,
    number: maskNumber(number),
    outcome: plan.outcome,
    cause: leg.channel.hangupCause ?? 'NORMAL_CLEARING',
    ringMs: Math.round(((answeredUs || endedUs) - startedUs) / 1000),
    talkMs: answeredUs ? Math.round((endedUs - answeredUs) / 1000) : 0,
    amd: plan.amdVerdict,
    startedAt: new Date(startedUs / 1000).toISOString(),
    answeredAt: answeredUs ? new Date(answeredUs / 1000).toISOString() : null,
    bridgedAt: leg.bridgedAtUs ? new Date(leg.bridgedAtUs / 1000).toISOString() : null,
    endedAt: new Date(endedUs / 1000).toISOString(),
  };
}
