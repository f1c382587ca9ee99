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
  const headers = new PlainHeaders(raw.toString('utf8', 0, headEnd));
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
  const name = headers.get('Event-Name');
  if (name === undefined || name === '') return eventFault('NO_EVENT_NAME', 'event has no Event-Name');
  return { kind: 'event', event: new PlainEvent(name, headers, body) };
}

/**
 * The header block of a plain event, split and %-decoded only when needed. A FreeSWITCH channel
 * event carries ~150 headers and a consumer such as media reads about ten, so `get` finds one
 * header in the raw text; iterating (or `headerList`) decodes all of them once. Either way the
 * answers are the same: the last value of a repeated name, the raw value when its %-escapes are
 * malformed.
 */
export class PlainHeaders implements ReadonlyMap<string, string> {
  private all?: { list: Header[]; map: Map<string, string>; undecoded: string[] };
  private readonly picked = new Map<string, string | undefined>();

  constructor(private readonly head: string) {}

  get(name: string): string | undefined {
    if (this.all) return this.all.map.get(name);
    if (this.picked.has(name)) return this.picked.get(name);
    const value = this.find(name);
    this.picked.set(name, value);
    return value;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  get size(): number {
    return this.decoded().map.size;
  }

  forEach(callback: (value: string, key: string, map: ReadonlyMap<string, string>) => void, thisArg?: unknown): void {
    for (const [key, value] of this.decoded().map) callback.call(thisArg, value, key, this);
  }

  entries(): MapIterator<[string, string]> {
    return this.decoded().map.entries();
  }

  keys(): MapIterator<string> {
    return this.decoded().map.keys();
  }

  values(): MapIterator<string> {
    return this.decoded().map.values();
  }

  [Symbol.iterator](): MapIterator<[string, string]> {
    return this.entries();
  }

  /** Every header in wire order, repeats included, and the names whose escapes were malformed. */
  decoded(): {
    readonly list: readonly Header[];
    readonly map: ReadonlyMap<string, string>;
    readonly undecoded: readonly string[];
  } {
    if (this.all) return this.all;
    const list: Header[] = [];
    const undecoded: string[] = [];
    for (const line of this.head.split('\n')) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon);
      const decoded = safeUrlDecode(
        line.charCodeAt(colon + 1) === 0x20 ? line.slice(colon + 2) : line.slice(colon + 1),
      );
      if (!decoded.ok) undecoded.push(name);
      list.push([name, decoded.value]);
    }
    this.all = { list, map: new Map(list), undecoded };
    return this.all;
  }

  // Where each name's (last) value starts, found in one pass without cutting or decoding values.
  private offsets?: Map<string, number>;

  private find(name: string): string | undefined {
    this.offsets ??= this.indexNames();
    let start = this.offsets.get(name);
    if (start === undefined) return undefined;
    if (this.head.charCodeAt(start) === 0x20) start++;
    const lineEnd = this.head.indexOf('\n', start);
    return safeUrlDecode(this.head.slice(start, lineEnd === -1 ? undefined : lineEnd)).value;
  }

  private indexNames(): Map<string, number> {
    const offsets = new Map<string, number>();
    const { head } = this;
    let lineStart = 0;
    while (lineStart < head.length) {
      const colon = head.indexOf(':', lineStart);
      if (colon === -1) break;
      // Lines without a colon before this one are skipped, so every byte is scanned a bounded number of times.
      let lineEnd = head.indexOf('\n', lineStart);
      while (lineEnd !== -1 && lineEnd < colon) {
        lineStart = lineEnd + 1;
        lineEnd = head.indexOf('\n', lineStart);
      }
      if (colon > lineStart) offsets.set(head.slice(lineStart, colon), colon + 1);
      if (lineEnd === -1) break;
      lineStart = lineEnd + 1;
    }
    return offsets;
  }

  get [Symbol.toStringTag](): string {
    return 'PlainHeaders';
  }
}

class PlainEvent implements EslEvent {
  readonly format = 'plain';
  readonly subclass?: string;
  readonly uuid?: string;
  readonly jobUuid?: string;
  readonly body?: string;

  constructor(
    readonly name: string,
    readonly headers: PlainHeaders,
    body: string | undefined,
  ) {
    Object.assign(this, eventIds(headers));
    if (body !== undefined) this.body = body;
  }

  get headerList(): readonly Header[] {
    return this.headers.decoded().list;
  }

  get undecodedHeaders(): readonly string[] | undefined {
    const { undecoded } = this.headers.decoded();
    return undecoded.length > 0 ? undecoded : undefined;
  }
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
  const headers = new Map(headerList);
  const name = headers.get('Event-Name');
  if (name === undefined || name === '') return eventFault('NO_EVENT_NAME', 'event has no Event-Name');
  return {
    kind: 'event',
    event: { name, format: 'json', headers, headerList, ...eventIds(headers), ...(body === undefined ? {} : { body }) },
  };
}

/** The ids consumers match events by, present only when the event carries them. */
function eventIds(headers: ReadonlyMap<string, string>): { subclass?: string; uuid?: string; jobUuid?: string } {
  const ids: { subclass?: string; uuid?: string; jobUuid?: string } = {};
  const subclass = headers.get('Event-Subclass');
  if (subclass !== undefined) ids.subclass = subclass;
  const uuid = headers.get('Unique-ID');
  if (uuid !== undefined) ids.uuid = uuid;
  const jobUuid = headers.get('Job-UUID');
  if (jobUuid !== undefined) ids.jobUuid = jobUuid;
  return ids;
}

function eventFault(code: EventFaultCode, detail: string): EventDecodeResult {
  return { kind: 'error', code, detail };
}
