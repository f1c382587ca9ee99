import type { EventContent } from '@outbound/esl';

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

/** The shared codec's view of an event: the same ordered headers (repeats kept) and body. */
export function toEventContent(event: SwitchEvent): EventContent {
  return event.body === undefined ? { headerList: event.headers } : { headerList: event.headers, body: event.body };
}
