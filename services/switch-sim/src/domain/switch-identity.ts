import type { Header } from './esl-event.js';

/** What a FreeSWITCH box says about itself in every event and in `status`/`version`. */
export interface SwitchIdentity {
  readonly coreUuid: string;
  readonly hostname: string;
  readonly ipv4: string;
  readonly ipv6: string;
  readonly version: string;
  readonly maxSessions: number;
  readonly sessionsPerSecond: number;
}

export const DEFAULT_IDENTITY: Omit<SwitchIdentity, 'coreUuid'> = {
  hostname: 'vm',
  ipv4: '192.0.2.2',
  ipv6: 'fd00::2',
  version: '1.10.12-release~64bit',
  maxSessions: 1000,
  sessionsPerSecond: 30,
};

/** Where in FreeSWITCH's C sources an event is fired; clients see it as Event-Calling-* headers. */
export interface CallSite {
  readonly file: string;
  readonly func: string;
  readonly line: number;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** `YYYY-MM-DD hh:mm:ss` as FreeSWITCH prints local time (the simulated box runs on UTC). */
export function localStamp(epochUs: number): string {
  const d = new Date(Math.floor(epochUs / 1000));
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** The header block every event starts with (switch_event_prep_for_delivery). */
export function coreHeaders(
  identity: SwitchIdentity,
  eventName: string,
  site: CallSite,
  nowUs: number,
  sequence: number,
): Header[] {
  return [
    ['Event-Name', eventName],
    ['Core-UUID', identity.coreUuid],
    ['FreeSWITCH-Hostname', identity.hostname],
    ['FreeSWITCH-Switchname', identity.hostname],
    ['FreeSWITCH-IPv4', identity.ipv4],
    ['FreeSWITCH-IPv6', identity.ipv6],
    ['Event-Date-Local', localStamp(nowUs)],
    ['Event-Date-GMT', new Date(Math.floor(nowUs / 1000)).toUTCString()],
    ['Event-Date-Timestamp', String(nowUs)],
    ['Event-Calling-File', site.file],
    ['Event-Calling-Function', site.func],
    ['Event-Calling-Line-Number', String(site.line)],
    ['Event-Sequence', String(sequence)],
  ];
}

/** The modules of the captured install (traces README); a scenario may add more (mod_amd). */
export const CAPTURED_MODULES: readonly string[] = [
  'mod_console',
  'mod_logfile',
  'mod_event_socket',
  'mod_sofia',
  'mod_loopback',
  'mod_commands',
  'mod_db',
  'mod_dptools',
  'mod_expr',
  'mod_hash',
  'mod_dialplan_xml',
  'mod_sndfile',
  'mod_native_file',
  'mod_tone_stream',
  'mod_say_en',
  'mod_avmd',
];
