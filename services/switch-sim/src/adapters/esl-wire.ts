/**
 * Minimal ESL framing for the server side, kept behind this small interface until
 * `@outbound/esl` provides a shared parser/encoder. Client → server: a command line, optional
 * header lines, a blank line (`\n\n`, `\r\n` accepted). Server → client: header blocks.
 */
export interface ClientCommand {
  readonly line: string;
  readonly headers: ReadonlyArray<readonly [string, string]>;
}

const MAX_COMMAND_BYTES = 1024 * 1024;

/** Accepts any chunking; yields complete commands. Oversized input is dropped, never thrown. */
export class ClientCommandParser {
  private buffer = '';

  push(chunk: Buffer): ClientCommand[] {
    this.buffer += chunk.toString('utf8').replace(/\r\n/g, '\n');
    if (this.buffer.length > MAX_COMMAND_BYTES) this.buffer = '';
    const out: ClientCommand[] = [];
    for (;;) {
      const trimmed = this.buffer.replace(/^\n+/, '');
      this.buffer = trimmed;
      const end = this.buffer.indexOf('\n\n');
      if (end < 0) break;
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const [line = '', ...rest] = block.split('\n');
      const headers = rest.map((h) => {
        const colon = h.indexOf(':');
        return colon < 0 ? ([h.trim(), ''] as const) : ([h.slice(0, colon).trim(), h.slice(colon + 1).trim()] as const);
      });
      out.push({ line: line.trim(), headers });
    }
    return out;
  }
}

export function authRequest(): string {
  return 'Content-Type: auth/request\n\n';
}

export function commandReply(text: string, extra: ReadonlyArray<readonly [string, string]> = []): string {
  return `Content-Type: command/reply\nReply-Text: ${text}\n${extra.map(([n, v]) => `${n}: ${v}\n`).join('')}\n`;
}

export function apiResponse(body: string): string {
  return `Content-Type: api/response\nContent-Length: ${Buffer.byteLength(body)}\n\n${body}`;
}

export function eventFrame(contentType: 'text/event-plain' | 'text/event-json', body: string): string {
  return `Content-Length: ${Buffer.byteLength(body)}\nContent-Type: ${contentType}\n\n${body}`;
}

export const GOODBYE = 'Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n';
export const SHUTTING_DOWN = 'The system is being shut down.\n';

export function disconnectNotice(body: string): string {
  return `Content-Type: text/disconnect-notice\nContent-Length: ${Buffer.byteLength(body)}\n\n${body}`;
}

export function logData(level: number, text: string, site: { file: string; func: string; line: number }): string {
  return `Content-Type: log/data\nContent-Length: ${Buffer.byteLength(text)}\nLog-Level: ${level}\nText-Channel: 0\nLog-File: ${site.file}\nLog-Func: ${site.func}\nLog-Line: ${site.line}\nUser-Data: \n\n${text}`;
}
