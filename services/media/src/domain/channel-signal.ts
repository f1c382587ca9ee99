/**
 * Normalised channel signals: the few facts of a FreeSWITCH event the call state machine needs.
 * `toSignal` is the one place that reads ESL header names; it is pure and never throws.
 */

export type ChannelSignal =
  | { readonly type: 'create'; readonly uuid: string; readonly atMs: number; readonly vars: ChannelVars }
  | {
      readonly type: 'progress';
      readonly uuid: string;
      readonly atMs: number;
      readonly earlyMedia: boolean;
      readonly vars: ChannelVars;
    }
  | { readonly type: 'answer'; readonly uuid: string; readonly atMs: number; readonly vars: ChannelVars }
  | {
      readonly type: 'bridge';
      readonly uuid: string;
      readonly atMs: number;
      readonly otherUuid: string;
      readonly vars: ChannelVars;
    }
  | {
      readonly type: 'app-complete';
      readonly uuid: string;
      readonly atMs: number;
      readonly app: string;
      readonly response: string;
      /** mod_amd's verdict variable (`amd_result`: HUMAN / MACHINE / NOTSURE), when set. */
      readonly amdResult?: string;
      readonly vars: ChannelVars;
    }
  | {
      readonly type: 'playback-start';
      readonly uuid: string;
      readonly atMs: number;
      readonly file: string;
      readonly vars: ChannelVars;
    }
  | { readonly type: 'beep'; readonly uuid: string; readonly atMs: number; readonly vars: ChannelVars }
  | {
      readonly type: 'dtmf';
      readonly uuid: string;
      readonly atMs: number;
      readonly digit: string;
      readonly vars: ChannelVars;
    }
  | {
      /** RECORD_STOP: a recording's file is closed on the node. */
      readonly type: 'record-stop';
      readonly uuid: string;
      readonly atMs: number;
      readonly path: string;
      readonly durationMs?: number;
      readonly sizeBytes?: number;
      readonly cause?: string;
      readonly vars: ChannelVars;
    }
  | {
      readonly type: 'hangup';
      readonly uuid: string;
      readonly atMs: number;
      readonly cause: string;
      readonly sipStatus?: number;
      readonly billsec?: number;
      /** CHANNEL_HANGUP_COMPLETE (final, with billing) vs CHANNEL_HANGUP (early notice). */
      readonly complete: boolean;
      readonly vars: ChannelVars;
    };

/** Our own channel variables, set in the dial string and echoed on every event. */
export interface ChannelVars {
  readonly campaignId?: string;
  readonly leadId?: string;
  readonly attemptId?: string;
  readonly traceparent?: string;
}

/**
 * The event names media subscribes to (plain or json). Not CHANNEL_HANGUP: CHANNEL_HANGUP_COMPLETE
 * carries the same cause and SIP status plus billing, and each event costs ~5 KB of headers to
 * decode, the largest share of media's CPU per call.
 */
export const SUBSCRIBED_EVENTS = [
  'CHANNEL_CREATE',
  'CHANNEL_PROGRESS',
  'CHANNEL_PROGRESS_MEDIA',
  'CHANNEL_ANSWER',
  'CHANNEL_BRIDGE',
  'CHANNEL_EXECUTE_COMPLETE',
  'CHANNEL_HANGUP_COMPLETE',
  'PLAYBACK_START',
  'DTMF',
  // Once per recording: the recording service takes the file only once the node has closed it.
  'RECORD_STOP',
] as const;
export const SUBSCRIBED_SUBCLASSES = ['avmd::beep'] as const;

/** Channel variable names media sets in the dial string. */
export const VAR = {
  campaignId: 'outbound_campaign_id',
  leadId: 'outbound_lead_id',
  attemptId: 'outbound_attempt_id',
  traceparent: 'traceparent',
} as const;

export interface RawEvent {
  readonly name: string;
  readonly subclass?: string;
  readonly uuid?: string;
  readonly headers: ReadonlyMap<string, string>;
}

/** `[field, header]` pairs, built once: `vars` runs on every event. */
const VAR_HEADERS = (Object.entries(VAR) as [keyof ChannelVars, string][]).map(
  ([key, name]) => [key, `variable_${name}`] as const,
);

function vars(headers: ReadonlyMap<string, string>): ChannelVars {
  const out: { -readonly [K in keyof ChannelVars]: string } = {};
  for (const [key, header] of VAR_HEADERS) {
    const value = headers.get(header);
    if (value !== undefined && value !== '') out[key] = value;
  }
  return out;
}

function intOrUndefined(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}

/** `Event-Date-Timestamp` is microseconds since the epoch; fall back to the caller's clock. */
function eventTimeMs(headers: ReadonlyMap<string, string>, fallbackMs: number): number {
  const us = intOrUndefined(headers.get('Event-Date-Timestamp'));
  return us === undefined ? fallbackMs : Math.floor(us / 1000);
}

export function toSignal(event: RawEvent, nowMs: number): ChannelSignal | undefined {
  const uuid = event.uuid ?? event.headers.get('Unique-ID');
  if (uuid === undefined || uuid === '') return undefined;
  const h = event.headers;
  const base = { uuid, atMs: eventTimeMs(h, nowMs), vars: vars(h) };
  switch (event.name) {
    case 'CHANNEL_CREATE':
      return { type: 'create', ...base };
    case 'CHANNEL_PROGRESS':
      return { type: 'progress', ...base, earlyMedia: false };
    case 'CHANNEL_PROGRESS_MEDIA':
      return { type: 'progress', ...base, earlyMedia: true };
    case 'CHANNEL_ANSWER':
      return { type: 'answer', ...base };
    case 'CHANNEL_BRIDGE': {
      const a = h.get('Bridge-A-Unique-ID');
      const b = h.get('Bridge-B-Unique-ID') ?? h.get('Other-Leg-Unique-ID');
      const other = a === uuid ? b : a;
      return other === undefined ? undefined : { type: 'bridge', ...base, otherUuid: other };
    }
    case 'CHANNEL_EXECUTE_COMPLETE': {
      const amdResult = h.get('variable_amd_result');
      return {
        type: 'app-complete',
        ...base,
        app: h.get('Application') ?? '',
        response: h.get('Application-Response') ?? '',
        ...(amdResult === undefined || amdResult === '' ? {} : { amdResult }),
      };
    }
    case 'PLAYBACK_START':
      return { type: 'playback-start', ...base, file: h.get('Playback-File-Path') ?? '' };
    case 'DTMF': {
      const digit = h.get('DTMF-Digit');
      return digit === undefined || !/^[0-9*#A-D]$/.test(digit) ? undefined : { type: 'dtmf', ...base, digit };
    }
    case 'RECORD_STOP': {
      const path = h.get('Record-File-Path');
      if (path === undefined || path === '') return undefined;
      const durationMs = intOrUndefined(h.get('variable_record_ms'));
      const sizeBytes = intOrUndefined(h.get('variable_record_file_size'));
      const cause = h.get('Record-Completion-Cause');
      return {
        type: 'record-stop',
        ...base,
        path,
        ...(durationMs === undefined ? {} : { durationMs }),
        ...(sizeBytes === undefined ? {} : { sizeBytes }),
        ...(cause === undefined || cause === '' ? {} : { cause }),
      };
    }
    case 'CUSTOM':
      return event.subclass === 'avmd::beep' ? { type: 'beep', ...base } : undefined;
    case 'CHANNEL_HANGUP':
    case 'CHANNEL_HANGUP_COMPLETE': {
      const sipStatus = intOrUndefined(h.get('variable_sip_term_status'));
      const billsec = intOrUndefined(h.get('variable_billsec'));
      return {
        type: 'hangup',
        ...base,
        cause: h.get('Hangup-Cause') ?? h.get('variable_hangup_cause') ?? 'NORMAL_UNSPECIFIED',
        complete: event.name === 'CHANNEL_HANGUP_COMPLETE',
        ...(sipStatus === undefined ? {} : { sipStatus }),
        ...(billsec === undefined ? {} : { billsec }),
      };
    }
    default:
      return undefined;
  }
}
