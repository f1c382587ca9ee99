/** One `Name: value` line; names may repeat, so frames keep an ordered list. */
export type Header = readonly [name: string, value: string];

/** A complete ESL message: header block plus the optional Content-Length body. */
export interface EslFrame {
  readonly kind: 'frame';
  /** First line of a client command (`api status`); absent on server frames. */
  readonly command?: string;
  readonly headers: readonly Header[];
  readonly body?: Buffer;
}

export type FrameFaultCode =
  'HEADER_TOO_LARGE' | 'BAD_CONTENT_LENGTH' | 'BODY_TOO_LARGE' | 'BAD_HEADER_LINE' | 'TRUNCATED';

/**
 * What the parser returns instead of throwing. `fatal` means the frame boundary
 * is lost and the connection must be dropped; otherwise the parser has already
 * skipped the bad frame and keeps going.
 */
export interface FrameFault {
  readonly kind: 'error';
  readonly code: FrameFaultCode;
  readonly detail: string;
  readonly fatal: boolean;
}

export type FrameResult = EslFrame | FrameFault;

/** Content types FreeSWITCH sends (see esl-traces/README.md). */
export const SERVER_CONTENT_TYPES = [
  'auth/request',
  'command/reply',
  'api/response',
  'text/event-plain',
  'text/event-json',
  'text/disconnect-notice',
  'log/data',
] as const;
export type ServerContentType = (typeof SERVER_CONTENT_TYPES)[number];

/** First value of a header, names compared case-insensitively (telnet users type `content-length`). */
export function headerValue(headers: readonly Header[], name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of headers) {
    if (key.length === wanted.length && key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

export function contentType(frame: EslFrame): string | undefined {
  return headerValue(frame.headers, 'Content-Type');
}

export function bodyText(frame: EslFrame): string {
  return frame.body === undefined ? '' : frame.body.toString('utf8');
}
