import { fsUrlEncode } from './fs-url.js';

/** One `Name: value` pair; names may repeat inside an event (FreeSWITCH emits duplicates). */
export type Header = readonly [name: string, value: string];

/** An event as FreeSWITCH builds it: ordered headers (raw values) and an optional body. */
export interface SwitchEvent {
  readonly name: string;
  /** For CUSTOM events. */
  readonly subclass?: string;
  readonly headers: readonly Header[];
  readonly body?: string;
}

/** The header lookup a filter uses: first value wins, like switch_event_get_header. */
export function headerValue(event: SwitchEvent, name: string): string | undefined {
  const lower = name.toLowerCase();
  return event.headers.find(([n]) => n.toLowerCase() === lower)?.[1];
}

/**
 * Body of a `text/event-plain` frame: URL-encoded header block, blank line, then the event's own
 * body announced by a trailing Content-Length header (as mod_event_socket serialises it).
 */
export function serializePlain(event: SwitchEvent): string {
  let text = '';
  for (const [name, value] of event.headers) text += `${name}: ${fsUrlEncode(value)}\n`;
  if (event.body !== undefined) {
    text += `Content-Length: ${Buffer.byteLength(event.body)}\n\n${event.body}`;
  } else {
    text += '\n';
  }
  return text;
}

/**
 * Body of a `text/event-json` frame: one flat object, values unencoded strings, same order as the
 * plain form. Repeated header names are emitted as repeated keys, exactly as FreeSWITCH does, so
 * the object is assembled by hand rather than through JSON.stringify of a map.
 */
export function serializeJson(event: SwitchEvent): string {
  const parts = event.headers.map(([name, value]) => `${JSON.stringify(name)}:${JSON.stringify(value)}`);
  if (event.body !== undefined) {
    parts.push(`"Content-Length":${JSON.stringify(String(Buffer.byteLength(event.body)))}`);
    parts.push(`"_body":${JSON.stringify(event.body)}`);
  }
  return `{${parts.join(',')}}`;
}
