import { randomUUID } from 'node:crypto';
import type { EventStamp } from '../domain/channel-events.js';
import { buildChannelEvent } from '../domain/channel-events.js';
import { destinationNumber, parseOriginate, type DialTarget } from '../domain/dial-string.js';
import { encodeEventBody } from '@outbound/esl';
import { toEventContent, type Header, type SwitchEvent } from '../domain/esl-event.js';
import { maskNumber, planAgentCall, planCall, type CallPlan, type Scenario } from '../domain/scenario.js';
import { knownCause } from '../domain/hangup-causes.js';
import { CAPTURED_MODULES, coreHeaders, type SwitchIdentity } from '../domain/switch-identity.js';
import { callRow, rowsJson, rowsText, statusText, versionText } from './api-text.js';
import { runApplication, type AppRunner } from './applications.js';
import { startAvmd, stopAvmd } from './avmd.js';
import { bLegConnected, inheritedVars, markOriginatedBy, runBridgeApp, transferToBridge } from './bridge.js';
import { CallLeg } from './call-leg.js';
import { discardRecordings, startRecording, stopRecording, type MediaFiles } from './recording.js';
import type { SimClock } from './clock.js';
import { runOutboundCall, type OriginateReport } from './outbound-call.js';
import { parseLoopback, runLoopback } from './loopback.js';
import { dialList } from './dial-list.js';
import { detectSpeech, eavesdrop } from './ivr.js';
import { scheduleHangup } from './applications.js';
import { hold, parseTransfer, transferLeg, unhold } from './transfer.js';

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
  /** Where recordings are written and played files found (default: nowhere, every file plays). */
  readonly recordings?: MediaFiles;
}

export type EventListener = (event: SwitchEvent) => void;

const PROFILES = new Set(['external', 'internal']);

/** The directory domain of the captured install (its local address). */
const DOMAIN = '127.0.0.1';

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
    const handler = Object.hasOwn(this.commands, command) ? this.commands[command] : undefined;
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
    sofia: (args) => this.sofia(args),
    module_exists: (args) => String(this.hasModule(args.split(/\s+/)[0] ?? '')),
    reloadxml: () => '+OK [Success]\n',
    show: (args) => this.show(args),
    uuid_kill: (args) => {
      const [uuid, cause] = args.split(/\s+/);
      const leg = this.legs.get(uuid ?? '');
      if (leg === undefined || leg.hangupRequest !== undefined) return '-ERR No such channel!\n';
      leg.requestHangup({ cause: knownCause(cause), by: 'local' });
      return '+OK\n';
    },
    // `sched_hangup +<secs>|<epoch> <uuid> [cause]` (mod_commands): hang up later, ALLOTTED_TIMEOUT by default.
    sched_hangup: (args) => {
      const [when = '', uuid = '', cause] = args.split(/\s+/);
      const leg = this.legs.get(uuid);
      if (leg === undefined) return '-ERR No such channel!\n';
      scheduleHangup(leg, when, cause);
      return '+OK\n';
    },
    // `uuid_break <uuid> [all]`: stop what the channel is playing (PLAYBACK_STOP says break).
    uuid_break: (args) => {
      const [uuid = '', all] = args.split(/\s+/);
      const leg = this.legs.get(uuid);
      if (leg === undefined) return '-ERR No such channel!\n';
      leg.breakMedia(all === 'all');
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
    // FreeSWITCH: `uuid_setvar_multi <uuid> <name>=<value>;<name>=<value>` (an empty value unsets).
    uuid_setvar_multi: (args) => {
      const match = /^(\S+)\s+(\S.*)$/.exec(args);
      const leg = this.legs.get(match?.[1] ?? '');
      if (match === null || leg === undefined) return '-ERR No such channel!\n';
      for (const pair of (match[2] ?? '').split(';')) {
        const at = pair.indexOf('=');
        if (at <= 0) continue;
        const name = pair.slice(0, at);
        const value = pair.slice(at + 1);
        if (value === '') leg.vars.unset(name);
        else leg.vars.set(name, value);
      }
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
        if (leg.recording === undefined) startRecording(leg, path, leg.recordings);
        return '+OK Success\n';
      }
      if (action === 'stop') {
        // `stop <path>` or `stop all`; nothing running → FreeSWITCH's error (25).
        if (leg.recording === undefined || (path !== 'all' && path !== leg.recording.path))
          return '-ERR Cannot stop record session!\n';
        stopRecording(leg, leg.recordings, 'success-maxtime');
        return '+OK Success\n';
      }
      return '-USAGE: <uuid> [start|stop|mask|unmask] <path> [<limit>] [<recording_vars>]\n';
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
      const command = parseTransfer(args);
      if (command === undefined) return '-USAGE: <uuid> [-bleg|-both] <dest-exten> [<dialplan>] [<context>]\n';
      const leg = this.legs.get(command.uuid);
      if (leg === undefined || leg.hangupRequest !== undefined) return '-ERR No such channel!\n';
      // -bleg on a call without a B leg transfers the A leg itself (24).
      const peer = leg.bridge?.peer;
      if (command.side === 'bleg' && peer !== undefined) transferLeg(peer, command.target);
      else transferLeg(leg, command.target);
      if (command.side === 'both' && peer !== undefined) transferLeg(peer, command.target);
      return '+OK\n';
    },
    uuid_hold: (args) => {
      const words = args.split(/\s+/).filter((w) => w !== '');
      const mode = words[0] === 'off' || words[0] === 'toggle' ? words.shift() : 'on';
      const leg = this.legs.get(words[0] ?? '');
      if (leg === undefined || leg.hangupRequest !== undefined) return '-ERR No such channel!\n';
      if (leg.channel.answerState !== 'answered') return '-ERR Operation failed\n';
      const wantsHold = mode === 'on' || (mode === 'toggle' && leg.held === undefined);
      if (wantsHold && leg.held === undefined) hold(leg);
      else if (!wantsHold) unhold(leg, true);
      return '+OK Success\n';
    },
    hupall: (args) => {
      const cause = args.split(/\s+/)[0] ? knownCause(args.split(/\s+/)[0]) : 'MANAGER_REQUEST';
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

  /** `sofia status gateway <name>`: the scenario's gateways (any name when it declares none). */
  private sofia(args: string): string {
    const [what, kind, name] = args.split(/\s+/);
    if (what !== 'status' || kind !== 'gateway' || name === undefined)
      return '-USAGE: sofia status gateway <name> (the simulator knows only this form)\n';
    if (!this.gatewayExists(name)) return 'Invalid Gateway!\n';
    const rule = '='.repeat(97);
    return `${rule}\nName    \t${name}\nProfile \texternal\nScheme  \tDigest\nRealm   \t${name}\nUsername\toutbound\nPassword\tno\nFrom    \t<sip:outbound@${name}>\nContact \t<sip:gw+${name}@127.0.0.1:5080;transport=udp;gw=${name}>\nExten   \toutbound\nTo      \tsip:outbound@${name}\nProxy   \tsip:${name}\nContext \tpublic\nExpires \t3600\nFreq    \t3600\nPing    \t0\nPingFreq\t0\nPingState\t0/0/0\nState   \tNOREG\nStatus  \tUP\nUptime  \t0s\nCallsIN \t0\nCallsOUT\t0\nFailedCallsIN\t0\nFailedCallsOUT\t0\n${rule}\n`;
  }

  private show(args: string): string {
    const [what, as, format] = args.split(/\s+/);
    const nowUs = this.deps.clock.nowUs();
    const hostname = this.deps.identity.hostname;
    const withHost = (row: Readonly<Record<string, string>>) => ({ ...row, hostname });
    const snapshots = [...this.legs.values()].flatMap((l) => l.dbRow(nowUs) ?? []);
    if (what === 'calls') {
      // One row per call: a bridged pair shows as its A leg with the B leg in b_* columns (04).
      const rows = snapshots
        .filter((s) => s.bridge?.side !== 'b')
        .map((s) => {
          const peer = s.bridge?.peer.dbRow(nowUs)?.row;
          return callRow(withHost(s.row), peer === undefined ? undefined : withHost(peer), hostname);
        });
      return as === 'as' && format === 'json' ? rowsJson(rows) : rowsText(rows);
    }
    if (what !== 'channels')
      return `-USAGE: show codec|endpoint|application|api|dialplan|file|timer|calls [count]|channels [count|like <match string>]|calls|detailed_calls|bridged_calls|detailed_bridged_calls|aliases|complete|chat|management|modules|nat_map|say|interfaces|interface_types|tasks|limits|status\n`;
    const rows = snapshots.map((s) => withHost(s.row));
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
    const legCount = request.alternatives.reduce((n, group) => n + group.length, 0);
    if (legCount > 1) {
      const app =
        request.destination.kind === 'app'
          ? request.destination
          : { app: 'transfer', arg: request.destination.extension };
      dialList(
        request.alternatives,
        {
          place: (target, legReport, connected) => this.placeOne(target, legReport, connected, blocking),
          connected: (leg) => runApplication(leg, app, this.runner),
        },
        report,
      );
      return;
    }
    if (endpoint.kind === 'sofia' && !PROFILES.has(endpoint.profile)) {
      report('-ERR INVALID_PROFILE\n');
      return;
    }
    const uuid = variable(request, 'origination_uuid') ?? randomUUID();
    if (this.legs.has(uuid)) {
      report('-ERR DESTINATION_OUT_OF_ORDER\n');
      return;
    }
    // user/<id> is looked up in the directory before any session exists: no channel events (26).
    const directoryFailure = this.directoryFailure(endpoint);
    if (directoryFailure !== undefined) {
      report(`-ERR ${directoryFailure}\n`);
      return;
    }
    // sessions-per-second: over the limit the session is refused before it exists (rate test 10).
    if (!this.admitSession()) {
      report('-ERR DESTINATION_OUT_OF_ORDER\n');
      return;
    }
    this.sessionCounter += 1;
    if (endpoint.kind === 'sofia' && endpoint.host === undefined) {
      this.destroyHalfMade(uuid, 'USER_NOT_REGISTERED', report, blocking);
      return;
    }
    if (endpoint.kind === 'gateway' && !this.gatewayExists(endpoint.gateway)) {
      this.destroyHalfMade(uuid, 'INVALID_GATEWAY', report, blocking);
      return;
    }
    const destination =
      request.destination.kind === 'app'
        ? request.destination
        : { app: 'transfer', arg: request.destination.extension };
    if (endpoint.kind === 'loopback') {
      this.placeLoopback(uuid, request, endpoint.target, destination, report, blocking);
      return;
    }
    // originate_retries: that many more attempts after a failure, originate_retry_sleep_ms apart.
    const retries = Math.min(100, Math.max(0, Math.floor(Number(variable(request, 'originate_retries') ?? 0) || 0)));
    const sleepMs = Math.max(0, Number(variable(request, 'originate_retry_sleep_ms') ?? 1000) || 0);
    const attempt = (left: number): void => {
      let retrying = false;
      const leg = this.placeCall(
        uuid,
        request,
        (text) => {
          if (text.startsWith('-ERR') && left > 0 && !text.includes('ORIGINATOR_CANCEL')) retrying = true;
          else report(text);
        },
        { blocking, connected: (l) => runApplication(l, destination, this.runner) },
      );
      void leg.finished.then(async () => {
        if (!retrying) return;
        await this.deps.clock.sleep(sleepMs);
        while (this.legs.has(uuid)) await this.deps.clock.sleep(1);
        this.sessionCounter += 1;
        attempt(left - 1);
      });
    };
    attempt(retries);
  }

  /** loopback/<ext>[/<context>]: two legs, B running the scenario's dialplan for <ext> (26). */
  private placeLoopback(
    uuid: string,
    request: DialTarget,
    target: string,
    destination: { app: string; arg: string },
    report: OriginateReport,
    blocking: boolean,
  ): void {
    const parsed = parseLoopback(target);
    const callerIdNumber = variable(request, 'origination_caller_id_number') ?? '0000000000';
    const timeoutMs = this.ringLimitMs(request);
    let reported = false;
    const reportOnce: OriginateReport = (text) => {
      if (reported) return;
      reported = true;
      report(text);
    };
    const newLeg = (legUuid: string, name: string, dest: string): CallLeg => {
      if (legUuid !== uuid) this.sessionCounter += 1;
      const leg = new CallLeg(
        this.legContext(),
        this.facts(legUuid, dest, undefined, this.sessionCounter, callerIdNumber),
        {
          destination: dest,
          callerIdNumber,
          name,
        },
      );
      return leg;
    };
    const startedUs = this.deps.clock.nowUs();
    const register = (leg: CallLeg): void => {
      this.legs.set(leg.uuid, leg);
      this.peak = Math.max(this.peak, this.legs.size);
      void leg.finished.then(() => this.legs.delete(leg.uuid));
    };
    void runLoopback(
      {
        newLeg,
        register,
        runner: this.runner,
        dialplan: this.deps.scenario.dialplan,
        // The XML dialplan checks for mod_enum through the API while routing (26).
        routing: () => this.apiEvent('module_exists', 'mod_enum'),
        connected: (a) => runApplication(a, destination, this.runner),
      },
      { uuid, target: parsed, variables: request.variables },
      timeoutMs,
      blocking ? reportOnce : reportOnce,
    ).finally(() => {
      const a = this.legs.get(uuid);
      if (a !== undefined) this.legs.delete(uuid);
      this.deps.recordTruth({
        uuid,
        party: 'customer',
        number: maskNumber(parsed.extension),
        outcome: 'loopback',
        cause: 'NORMAL_CLEARING',
        ringMs: 0,
        talkMs: 0,
        amd: 'none',
        startedAt: new Date(startedUs / 1000).toISOString(),
        answeredAt: null,
        bridgedAt: null,
        endedAt: new Date(this.deps.clock.nowUs() / 1000).toISOString(),
      });
    });
  }

  /**
   * originate_timeout in whole seconds, measured on second-resolution time as FreeSWITCH does: the
   * call rings until the wall-clock second has advanced that many times, up to a second short
   * (a requested 15 s rang 14.65 s; 03e's 5 s, 4.66 s).
   */
  private ringLimitMs(request: DialTarget): number {
    const seconds = Number(variable(request, 'originate_timeout') ?? '60');
    const whole = Number.isFinite(seconds) && seconds > 0 ? Math.floor(seconds) : 60;
    const nowUs = this.deps.clock.nowUs();
    const deadlineUs = (Math.floor(nowUs / 1_000_000) + whole) * 1_000_000;
    return (deadlineUs - nowUs) / 1000;
  }

  /** USER_NOT_REGISTERED / SUBSCRIBER_ABSENT for a `user/<id>` the scenario's directory does not have registered. */
  private directoryFailure(endpoint: DialTarget['endpoint']): string | undefined {
    const directory = this.deps.scenario.agents.directory;
    if (endpoint.kind !== 'user' || directory === undefined) return undefined;
    const entry = directory.get(endpoint.id);
    if (entry === undefined) return 'SUBSCRIBER_ABSENT';
    // The user's dial-string looks the contact up through the API, which the ALL listener sees (26).
    this.apiEvent('sofia_contact', `*/${endpoint.id}@${DOMAIN}`);
    this.apiEvent('verto_contact', `${endpoint.id}@${DOMAIN}`);
    return entry === 'registered' ? undefined : 'USER_NOT_REGISTERED';
  }

  private gatewayExists(name: string): boolean {
    const gateways = this.deps.scenario.gateways;
    return gateways === undefined || gateways.has(name);
  }

  private spsWindow = { second: -1, count: 0 };

  /** FreeSWITCH's sessions-per-second throttle, counted per second of (simulated) time. */
  private admitSession(): boolean {
    const second = Math.floor(this.deps.clock.nowUs() / 1_000_000);
    if (this.spsWindow.second !== second) this.spsWindow = { second, count: 0 };
    if (this.spsWindow.count >= this.deps.scenario.sessionsPerSecond) return false;
    this.spsWindow.count += 1;
    return true;
  }

  /**
   * A dial string without host (03g) or an unknown gateway (26): FreeSWITCH destroys a half-made
   * session (a lone CHANNEL_DESTROY, no CREATE) and reports the cause; a blocked client first.
   */
  private destroyHalfMade(uuid: string, cause: string, report: OriginateReport, blocking: boolean): void {
    if (blocking) report(`-ERR ${cause}\n`);
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
    if (!blocking) report(`-ERR ${cause}\n`);
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
    const callerIdName = variable(request, 'origination_caller_id_name');
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
    const leg = new CallLeg(this.legContext(), facts, {
      destination: number,
      callerIdNumber,
      ...(callerIdName === undefined ? {} : { callerIdName }),
      name: channelName,
    });
    if (how.originator !== undefined) markOriginatedBy(leg, how.originator);
    leg.amdTruth = {
      verdict: plan.amdVerdict === 'machine' ? 'MACHINE' : plan.amdVerdict === 'human' ? 'HUMAN' : 'NOTSURE',
      delayMs: plan.amdDelayMs,
    };
    this.legs.set(uuid, leg);
    this.peak = Math.max(this.peak, this.legs.size);
    const startedUs = this.deps.clock.nowUs();
    void runOutboundCall(
      leg,
      plan,
      {
        originatorVars: request.variables,
        ignoreEarlyMedia: variable(request, 'ignore_early_media') === 'true',
        timeoutMs: this.ringLimitMs(request),
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
    return {
      clock: this.deps.clock,
      publish: (build: (stamp: EventStamp) => SwitchEvent) => this.publish(build),
      recordings: this.deps.recordings ?? discardRecordings,
    };
  }

  /** Whether `name` is loaded: the captured install's modules plus the scenario's (module_exists). */
  hasModule(name: string): boolean {
    return CAPTURED_MODULES.includes(name) || this.deps.scenario.modules.has(name);
  }

  private get runner(): AppRunner {
    const runner: AppRunner = {
      bridge: (leg, target) => runBridgeApp(leg, target, (a, parsed) => this.dialBLeg(a, parsed)),
    };
    // mod_amd is not part of FreeSWITCH 1.10.12: only a scenario that loads it gets `amd`.
    if (this.hasModule('mod_amd')) runner.amd = runAmd;
    runner.extra = (app) => {
      if (app === 'detect_speech')
        return async (leg, arg) => Promise.resolve(detectSpeech(leg, arg, (name) => this.hasModule(name)));
      if (app === 'eavesdrop') return async (leg, arg) => eavesdrop(leg, this.legs.get(arg.trim()));
      return undefined;
    };
    return runner;
  }

  /** Dials the B legs of A's `bridge` application (a dial list); `result` settles with the originate result text. */
  private dialBLeg(
    a: CallLeg,
    alternatives: ReadonlyArray<ReadonlyArray<DialTarget>>,
  ): { result: Promise<string>; winner(): CallLeg | undefined; cancel(cause: string): void } {
    let settle: (result: string) => void = () => undefined;
    const result = new Promise<string>((resolve) => {
      settle = resolve;
    });
    const run = dialList(
      alternatives,
      {
        place: (target, report, connected) => this.placeOne(target, report, connected, false, a),
        connected: (b) => bLegConnected(b, a),
      },
      (text) => settle(text),
    );
    return { result, winner: run.winner, cancel: run.cancel };
  }

  /**
   * One leg of a dial list: the directory, the throttle and the gateway are checked as for a
   * single originate; undefined (after reporting) when no channel was made.
   */
  private placeOne(
    target: DialTarget,
    report: OriginateReport,
    connected: (leg: CallLeg) => Promise<void>,
    blocking: boolean,
    originator?: CallLeg,
  ): CallLeg | undefined {
    const endpoint = target.endpoint;
    if (endpoint.kind === 'sofia' && !PROFILES.has(endpoint.profile)) {
      report('-ERR INVALID_PROFILE\n');
      return undefined;
    }
    const directoryFailure = this.directoryFailure(endpoint);
    if (directoryFailure !== undefined) {
      report(`-ERR ${directoryFailure}\n`);
      return undefined;
    }
    if (!this.admitSession()) {
      report('-ERR DESTINATION_OUT_OF_ORDER\n');
      return undefined;
    }
    this.sessionCounter += 1;
    const uuid = variable(target, 'origination_uuid');
    const legUuid = uuid === undefined || this.legs.has(uuid) ? randomUUID() : uuid;
    if ((endpoint.kind === 'sofia' && endpoint.host === undefined) || endpoint.kind === 'loopback') {
      this.destroyHalfMade(
        legUuid,
        endpoint.kind === 'loopback' ? 'CHAN_NOT_IMPLEMENTED' : 'USER_NOT_REGISTERED',
        report,
        blocking,
      );
      return undefined;
    }
    if (endpoint.kind === 'gateway' && !this.gatewayExists(endpoint.gateway)) {
      this.destroyHalfMade(legUuid, 'INVALID_GATEWAY', report, blocking);
      return undefined;
    }
    const withInherited =
      originator === undefined ? target : { ...target, variables: [...inheritedVars(originator), ...target.variables] };
    return this.placeCall(legUuid, withInherited, report, {
      blocking,
      connected,
      ...(originator === undefined ? {} : { originator }),
    });
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

/** mod_amd's `amd`: the verdict after its delay, in the variables mod_amd sets (amd_result, amd_cause). */
async function runAmd(leg: CallLeg): Promise<string> {
  const verdict = leg.amdTruth.verdict;
  await leg.wait(leg.amdTruth.delayMs);
  leg.vars.set('amd_result', verdict);
  leg.vars.set('amd_cause', verdict === 'MACHINE' ? 'LONGGREETING' : 'HUMAN');
  return verdict;
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
