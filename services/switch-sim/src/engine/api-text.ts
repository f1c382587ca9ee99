import { PCMA, type Channel } from '../domain/channel.js';
import type { SwitchIdentity } from '../domain/switch-identity.js';
import { localStamp } from '../domain/switch-identity.js';

/** `status` body, same lines and trailing newline as FreeSWITCH 1.10.12. */
export function statusText(
  identity: SwitchIdentity,
  uptimeMs: number,
  stats: { sinceStartup: number; active: number; peak: number },
): string {
  return `UP ${uptimeWords(uptimeMs)}\nFreeSWITCH (Version 1.10.12-release  64bit) is ready\n${stats.sinceStartup} session(s) since startup\n${stats.active} session(s) - peak ${stats.peak}, last 5min ${stats.peak} \n0 session(s) per Sec out of max ${identity.sessionsPerSecond}, peak 1, last 5min 1 \n${identity.maxSessions} session(s) max\nmin idle cpu 0.00/99.00\nCurrent Stack Size/Max 240K/8192K\n`;
}

export function uptimeWords(uptimeMs: number): string {
  const s = Math.floor(uptimeMs / 1000);
  return `0 years, ${Math.floor(s / 86400)} days, ${Math.floor(s / 3600) % 24} hours, ${Math.floor(s / 60) % 60} minutes, ${s % 60} seconds, ${Math.floor(uptimeMs) % 1000} milliseconds, 0 microseconds`;
}

export function versionText(identity: SwitchIdentity): string {
  return `FreeSWITCH Version ${identity.version} ( 64bit)\n`;
}

/** One row of `show channels as json`; `running` is the application the channel is in right now. */
export function channelRow(
  channel: Channel,
  hostname: string,
  running?: { app: string; arg: string },
): Record<string, string> {
  const app = running?.app ?? '';
  const answered = channel.codecReady;
  const codec = channel.codec ?? PCMA;
  return {
    uuid: channel.uuid,
    direction: channel.direction ?? 'outbound',
    created: localStamp(channel.times.created),
    created_epoch: String(Math.floor(channel.times.created / 1_000_000)),
    name: channel.name,
    state: channel.state,
    cid_name: channel.ids.callerIdName ?? '',
    cid_num: channel.ids.callerIdNumber,
    // The core db's ip_addr is the caller's network address: empty on every outbound leg captured.
    ip_addr: '',
    dest: channel.destination,
    application: app,
    application_data: running?.arg ?? '',
    dialplan: '',
    context: 'default',
    read_codec: answered ? codec.name : '',
    read_rate: answered ? codec.rate : '',
    read_bit_rate: answered ? codec.bitRate : '',
    write_codec: answered ? codec.name : '',
    write_rate: answered ? codec.rate : '',
    write_bit_rate: answered ? codec.bitRate : '',
    secure: '',
    hostname,
    presence_id: '',
    presence_data: '',
    accountcode: '',
    callstate: channel.callState,
    callee_name: channel.ids.calleeIdName ?? '',
    callee_num: channel.ids.calleeIdNumber ?? '',
    callee_direction: channel.calleeDirection ?? '',
    call_uuid: channel.vars.get('call_uuid') ?? channel.uuid,
    sent_callee_name: channel.vars.get('last_sent_callee_id_name') ?? '',
    sent_callee_num: channel.vars.get('last_sent_callee_id_number') ?? '',
    initial_cid_name: channel.ids.origCallerIdName ?? '',
    initial_cid_num: channel.ids.origCallerIdNumber,
    initial_ip_addr: '',
    initial_dest: channel.initialDestination,
    initial_dialplan: '',
    initial_context: 'default',
  };
}

const CALL_COLUMNS = [
  'uuid',
  'direction',
  'created',
  'created_epoch',
  'name',
  'state',
  'cid_name',
  'cid_num',
  'ip_addr',
  'dest',
  'presence_id',
  'presence_data',
  'accountcode',
  'callstate',
  'callee_name',
  'callee_num',
  'callee_direction',
] as const;

/**
 * One row of `show calls` from two `show channels` rows: the A leg, `call_uuid`/`hostname`, then the
 * bridged B leg as b_* (all empty for a channel alone, 27, and then no call_created_epoch either).
 */
export function callRow(
  rowA: Readonly<Record<string, string>>,
  rowB: Readonly<Record<string, string>> | undefined,
  hostname: string,
): Record<string, string> {
  const row: Record<string, string> = {};
  for (const key of CALL_COLUMNS) row[key] = rowA[key] ?? '';
  Object.assign(row, {
    call_uuid: rowA['call_uuid'],
    hostname,
    sent_callee_name: rowA['sent_callee_name'],
    sent_callee_num: rowA['sent_callee_num'],
  });
  for (const key of [...CALL_COLUMNS, 'sent_callee_name', 'sent_callee_num']) row[`b_${key}`] = rowB?.[key] ?? '';
  row['call_created_epoch'] = rowB === undefined ? '' : (rowA['created_epoch'] ?? '');
  return row;
}

/** FreeSWITCH prints the empty result differently from a non-empty one (space, newline). */
export function rowsJson(rows: ReadonlyArray<Record<string, string>>): string {
  if (rows.length === 0) return '{"row_count": 0}\n';
  return JSON.stringify({ row_count: rows.length, rows });
}

export function rowsText(rows: ReadonlyArray<Record<string, string>>): string {
  if (rows.length === 0) return '\n0 total.\n';
  const keys = Object.keys(rows[0] ?? {});
  const lines = [keys.join(','), ...rows.map((r) => keys.map((k) => r[k] ?? '').join(','))];
  return `${lines.join('\n')}\n\n${rows.length} total.\n`;
}
