import type { EventFormat } from './event.js';
import type { Header } from './frame.js';
import { fsUrlEncode } from './url-codec.js';

/**
 * Encoders for what FreeSWITCH writes, byte for byte as in esl-traces: used by
 * switch-sim and by tests that script a server.
 */

export const DISCONNECT_GOODBYE = 'Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n';
export const DISCONNECT_SHUTDOWN = 'The system is being shut down.\n';

/** Any frame: headers in the given order, then Content-Length last if a body is given. */
export function encodeFrame(headers: readonly Header[], body?: string | Buffer): Buffer {
  let head = '';
  for (const [name, value] of headers) head += `${name}: ${value}\n`;
  if (body === undefined) return Buffer.from(`${head}\n`);
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  return Buffer.concat([Buffer.from(`${head}Content-Length: ${bytes.length}\n\n`), bytes]);
}

export function encodeAuthRequest(): Buffer {
  return Buffer.from('Content-Type: auth/request\n\n');
}

/** `command/reply`; a bgapi reply also repeats its id in a `Job-UUID` header. */
export function encodeCommandReply(replyText: string, jobUuid?: string): Buffer {
  const job = jobUuid === undefined ? '' : `Job-UUID: ${jobUuid}\n`;
  return Buffer.from(`Content-Type: command/reply\nReply-Text: ${replyText}\n${job}\n`);
}

/** `api/response`: Content-Type first, then Content-Length (opposite of events). */
export function encodeApiResponse(body: string): Buffer {
  return encodeFrame([['Content-Type', 'api/response']], body);
}

export function encodeDisconnectNotice(text: string = DISCONNECT_GOODBYE): Buffer {
  return encodeFrame([['Content-Type', 'text/disconnect-notice']], text);
}

export interface LogLine {
  readonly level: number;
  readonly file: string;
  readonly func: string;
  readonly line: number;
  readonly channel?: number;
  readonly userData?: string;
  readonly text: string;
}

/** `log/data`: Content-Length comes second here, before the log fields. */
export function encodeLogData(log: LogLine): Buffer {
  const body = Buffer.from(log.text);
  const head =
    `Content-Type: log/data\nContent-Length: ${body.length}\nLog-Level: ${log.level}\n` +
    `Text-Channel: ${log.channel ?? 0}\nLog-File: ${log.file}\nLog-Func: ${log.func}\n` +
    `Log-Line: ${log.line}\nUser-Data: ${log.userData ?? ''}\n\n`;
  return Buffer.concat([Buffer.from(head), body]);
}

export interface EventContent {
  /** Headers in emission order, repeats allowed; any Content-Length here is recomputed. */
  readonly headerList: readonly Header[];
  readonly body?: string;
}

/** The body of a text/event-plain or text/event-json frame. */
export function encodeEventBody(event: EventContent, format: EventFormat): string {
  return format === 'plain' ? encodePlainBody(event) : encodeJsonBody(event);
}

/** A whole event frame: Content-Length first, then Content-Type. */
export function encodeEventFrame(event: EventContent, format: EventFormat): Buffer {
  const body = Buffer.from(encodeEventBody(event, format));
  const head = `Content-Length: ${body.length}\nContent-Type: text/event-${format}\n\n`;
  return Buffer.concat([Buffer.from(head), body]);
}

function encodePlainBody(event: EventContent): string {
  let out = '';
  for (const [name, value] of event.headerList) {
    if (name !== 'Content-Length') out += `${name}: ${fsUrlEncode(value)}\n`;
  }
  if (event.body === undefined) return `${out}\n`;
  return `${out}Content-Length: ${Buffer.byteLength(event.body)}\n\n${event.body}`;
}

/** Built by hand so repeated header names survive as duplicate keys, as FreeSWITCH emits them. */
function encodeJsonBody(event: EventContent): string {
  const parts: string[] = [];
  for (const [name, value] of event.headerList) {
    if (name !== 'Content-Length' && name !== '_body') parts.push(`${JSON.stringify(name)}:${JSON.stringify(value)}`);
  }
  if (event.body !== undefined) {
    parts.push(`"Content-Length":${JSON.stringify(String(Buffer.byteLength(event.body)))}`);
    parts.push(`"_body":${JSON.stringify(event.body)}`);
  }
  return `{${parts.join(',')}}`;
}
