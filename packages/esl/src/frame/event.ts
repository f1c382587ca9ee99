import { contentType, type EslFrame, type Header } from './frame.js';
import { safeUrlDecode } from './url-codec.js';

export type EventFormat = 'plain' | 'json';

/** One FreeSWITCH event, the same shape whether it came as text/event-plain or text/event-json. */
export interface EslEvent {
  readonly name: string;
  readonly format: EventFormat;
  /** `Event-Subclass` of CUSTOM events (`avmd::beep`). */
  readonly subclass?: string;
  /** `Unique-ID`: the channel uuid, absent on system events and BACKGROUND_JOB. */
  readonly uuid?: string;
  /** `Job-UUID` of BACKGROUND_JOB. */
  readonly jobUuid?: string;
  /**
   * Header values by name. A repeated name keeps its last value, deliberately:
   * that is all JSON.parse can give for the json format, so both formats agree.
   */
  readonly headers: ReadonlyMap<string, string>;
  /** Every header in wire order with repeats (json format: repeats already lost on the wire). */
  readonly headerList: readonly Header[];
  readonly body?: string;
  /** Names of headers whose %-escapes were malformed; their raw value was kept. */
  readonly undecodedHeaders?: readonly string[];
}

export type EventFaultCode = 'NOT_AN_EVENT' | 'BAD_EVENT_JSON' | 'NO_EVENT_NAME' | 'BAD_EVENT_BODY';

export type EventDecodeResult =
  | { readonly kind: 'event'; readonly event: EslEvent }
  | { readonly kind: 'error'; readonly code: EventFaultCode; readonly detail: string };

const INNER_BLANK_LINE = Buffer.from('\n\n');
const BODY_KEY = '_body';

/** Decodes a text/event-plain or text/event-json frame; never throws. */
export function decodeEvent(frame: EslFrame): EventDecodeResult {
  const type = contentType(frame);
  const body = frame.body ?? Buffer.alloc(0);
  if (type === 'text/event-plain') return decodePlain(body);
  if (type === 'text/event-json') return decodeJson(body);
  return eventFault('NOT_AN_EVENT', `content type ${type ?? '(none)'} is not an event`);
}

function decodePlain(raw: Buffer): EventDecodeResult {
  const blank = raw.indexOf(INNER_BLANK_LINE);
  const headEnd = blank === -1 ? raw.length : blank;
  const headerList: Header[] = [];
  const undecoded: string[] = [];
  for (const line of raw.toString('utf8', 0, headEnd).split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon);
    const decoded = safeUrlDecode(line.charCodeAt(colon + 1) === 0x20 ? line.slice(colon + 2) : line.slice(colon + 1));
    if (!decoded.ok) undecoded.push(name);
    headerList.push([name, decoded.value]);
  }
  const headers = new Map(headerList);
  let body: string | undefined;
  const declared = headers.get('Content-Length');
  if (declared !== undefined) {
    const length = Number(declared);
    const start = headEnd + INNER_BLANK_LINE.length;
    if (!Number.isSafeInteger(length) || length < 0 || start + length > raw.length) {
      return eventFault('BAD_EVENT_BODY', `event body shorter than its Content-Length ${declared}`);
    }
    body = raw.toString('utf8', start, start + length);
  }
  return buildEvent('plain', headerList, headers, body, undecoded);
}

function decodeJson(raw: Buffer): EventDecodeResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch (error) {
    return eventFault('BAD_EVENT_JSON', error instanceof Error ? error.message : 'unparseable JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return eventFault('BAD_EVENT_JSON', 'event JSON is not an object');
  }
  const headerList: Header[] = [];
  let body: string | undefined;
  for (const [name, value] of Object.entries(parsed)) {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    if (name === BODY_KEY) body = text;
    else headerList.push([name, text]);
  }
  return buildEvent('json', headerList, new Map(headerList), body, []);
}

function buildEvent(
  format: EventFormat,
  headerList: Header[],
  headers: Map<string, string>,
  body: string | undefined,
  undecoded: string[],
): EventDecodeResult {
  const name = headers.get('Event-Name');
  if (name === undefined || name === '') return eventFault('NO_EVENT_NAME', 'event has no Event-Name');
  const event: {
    name: string;
    format: EventFormat;
    subclass?: string;
    uuid?: string;
    jobUuid?: string;
    headers: ReadonlyMap<string, string>;
    headerList: readonly Header[];
    body?: string;
    undecodedHeaders?: readonly string[];
  } = { name, format, headers, headerList };
  const subclass = headers.get('Event-Subclass');
  if (subclass !== undefined) event.subclass = subclass;
  const uuid = headers.get('Unique-ID');
  if (uuid !== undefined) event.uuid = uuid;
  const jobUuid = headers.get('Job-UUID');
  if (jobUuid !== undefined) event.jobUuid = jobUuid;
  if (body !== undefined) event.body = body;
  if (undecoded.length > 0) event.undecodedHeaders = undecoded;
  return { kind: 'event', event };
}

function eventFault(code: EventFaultCode, detail: string): EventDecodeResult {
  return { kind: 'error', code, detail };
}
