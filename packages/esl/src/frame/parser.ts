import { ByteQueue } from './byte-queue.js';
import {
  headerValue,
  type EslFrame,
  type FrameFault,
  type FrameFaultCode,
  type FrameResult,
  type Header,
} from './frame.js';

export interface FrameLimits {
  readonly maxHeaderBytes: number;
  readonly maxBodyBytes: number;
}

export const DEFAULT_FRAME_LIMITS: FrameLimits = {
  maxHeaderBytes: 1024 * 1024,
  maxBodyBytes: 16 * 1024 * 1024,
};

export interface FrameParserOptions extends Partial<FrameLimits> {
  /** Parse client commands: the first line is the command (`api status`), not a header. */
  readonly commands?: boolean;
}

const LF = 0x0a;
const CR = 0x0d;
/** Longest Content-Length we accept as a number; beyond it the value cannot be exact. */
const CONTENT_LENGTH_PATTERN = /^[0-9]{1,15}$/;

type State =
  | { readonly name: 'head' }
  | { readonly name: 'body'; readonly head: ParsedHead; readonly body: Buffer; filled: number }
  | { readonly name: 'skip'; remaining: number }
  | { readonly name: 'failed' };

interface ParsedHead {
  readonly command: string | undefined;
  readonly headers: Header[];
  readonly badLine: string | undefined;
}

/**
 * Pure ESL framer: Buffer chunks in (split anywhere), frames out. Knows nothing
 * about sockets; never throws on input; reports problems as FrameFault results.
 * Accepts `\r\n` line ends so telnet users can talk to a server built on it.
 */
export class FrameParser {
  private readonly limits: FrameLimits;
  private readonly commands: boolean;
  private readonly head = new ByteQueue();
  private state: State = { name: 'head' };

  constructor(options: FrameParserOptions = {}) {
    this.limits = {
      maxHeaderBytes: options.maxHeaderBytes ?? DEFAULT_FRAME_LIMITS.maxHeaderBytes,
      maxBodyBytes: options.maxBodyBytes ?? DEFAULT_FRAME_LIMITS.maxBodyBytes,
    };
    this.commands = options.commands ?? false;
  }

  /** True after a fatal fault: nothing more is parsed until reset(). */
  get failed(): boolean {
    return this.state.name === 'failed';
  }

  push(chunk: Buffer): FrameResult[] {
    const out: FrameResult[] = [];
    let pos = 0;
    while (pos < chunk.length) {
      const state = this.state;
      switch (state.name) {
        case 'failed':
          return out;
        case 'skip': {
          const taken = Math.min(state.remaining, chunk.length - pos);
          state.remaining -= taken;
          pos += taken;
          if (state.remaining === 0) this.state = { name: 'head' };
          break;
        }
        case 'body': {
          const taken = Math.min(state.body.length - state.filled, chunk.length - pos);
          chunk.copy(state.body, state.filled, pos, pos + taken);
          state.filled += taken;
          pos += taken;
          if (state.filled === state.body.length) {
            this.state = { name: 'head' };
            out.push(toFrame(state.head, state.body));
          }
          break;
        }
        case 'head':
          pos = this.readHead(chunk, pos, out);
          break;
      }
    }
    return out;
  }

  /** Call at end of stream: a partly received frame is reported, then the parser is reset. */
  end(): FrameFault | undefined {
    const state = this.state;
    const truncated =
      state.name === 'body' ||
      (state.name === 'skip' && state.remaining > 0) ||
      (state.name === 'head' && this.head.length > 0);
    this.reset();
    return truncated ? fault('TRUNCATED', 'stream ended inside a frame', true) : undefined;
  }

  reset(): void {
    this.head.clear();
    this.state = { name: 'head' };
  }

  /** Consumes header bytes from chunk[pos…]; returns the new position. */
  private readHead(chunk: Buffer, pos: number, out: FrameResult[]): number {
    if (this.head.length === 0) {
      pos = skipBlankLines(chunk, pos);
      if (pos >= chunk.length) return pos;
    }
    const end = this.findHeadEnd(chunk, pos);
    if (end === undefined) {
      if (this.head.length + (chunk.length - pos) > this.limits.maxHeaderBytes)
        return this.fail('HEADER_TOO_LARGE', out);
      this.head.append(chunk, pos, chunk.length);
      return chunk.length;
    }
    let parsed: ParsedHead;
    if (this.head.length === 0) {
      if (end.headEnd - pos > this.limits.maxHeaderBytes) return this.fail('HEADER_TOO_LARGE', out);
      parsed = parseHead(chunk, pos, end.headEnd, this.commands);
    } else {
      if (end.queuedHeadEnd === undefined) this.head.append(chunk, pos, end.headEnd);
      const headLength = end.queuedHeadEnd ?? this.head.length;
      if (headLength > this.limits.maxHeaderBytes) return this.fail('HEADER_TOO_LARGE', out);
      parsed = parseHead(this.head.view(), 0, headLength, this.commands);
      this.head.clear();
    }
    return this.startBody(parsed, chunk, end.next, out);
  }

  /**
   * Finds the blank line closing the header block. When part of the block is
   * queued, the terminator may begin in the queue's last two bytes.
   */
  private findHeadEnd(chunk: Buffer, pos: number): HeadEnd | undefined {
    const queued = this.head.length;
    if (queued > 0) {
      const last = this.head.byteAt(queued - 1);
      const beforeLast = this.head.byteAt(queued - 2);
      if (last === LF) {
        if (chunk[pos] === LF) return { headEnd: 0, queuedHeadEnd: queued - 1, next: pos + 1 };
        if (chunk[pos] === CR && chunk[pos + 1] === LF) return { headEnd: 0, queuedHeadEnd: queued - 1, next: pos + 2 };
        if (chunk[pos] === CR && pos + 1 >= chunk.length) return undefined;
      } else if (last === CR && beforeLast === LF && chunk[pos] === LF) {
        return { headEnd: 0, queuedHeadEnd: queued - 2, next: pos + 1 };
      }
    }
    const found = findBlankLine(chunk, pos);
    return found === undefined ? undefined : { headEnd: found.headEnd, next: found.next };
  }

  private startBody(head: ParsedHead, chunk: Buffer, pos: number, out: FrameResult[]): number {
    const declared = headerValue(head.headers, 'Content-Length');
    let length = 0;
    if (declared !== undefined) {
      const trimmed = declared.trim();
      if (!CONTENT_LENGTH_PATTERN.test(trimmed)) return this.fail('BAD_CONTENT_LENGTH', out);
      length = Number(trimmed);
      if (length > this.limits.maxBodyBytes) {
        out.push(fault('BODY_TOO_LARGE', `body of ${length} bytes exceeds ${this.limits.maxBodyBytes}`, false));
        return this.skip(length, chunk, pos);
      }
    }
    if (head.badLine !== undefined) {
      out.push(fault('BAD_HEADER_LINE', `header line without a colon (${head.badLine.length} bytes)`, false));
      return this.skip(length, chunk, pos);
    }
    if (declared === undefined) {
      out.push(toFrame(head, undefined));
      return pos;
    }
    if (chunk.length - pos >= length) {
      // Zero-copy: the socket hands us a fresh Buffer per read, so a view is safe to keep.
      out.push(toFrame(head, chunk.subarray(pos, pos + length)));
      return pos + length;
    }
    const body = Buffer.allocUnsafe(length);
    this.state = { name: 'body', head, body, filled: 0 };
    return pos;
  }

  private skip(length: number, chunk: Buffer, pos: number): number {
    const taken = Math.min(length, chunk.length - pos);
    if (taken < length) this.state = { name: 'skip', remaining: length - taken };
    return pos + taken;
  }

  private fail(code: FrameFaultCode, out: FrameResult[]): number {
    const detail =
      code === 'HEADER_TOO_LARGE'
        ? `header block exceeds ${this.limits.maxHeaderBytes} bytes`
        : 'Content-Length is not a byte count';
    out.push(fault(code, detail, true));
    this.head.clear();
    this.state = { name: 'failed' };
    return Number.POSITIVE_INFINITY;
  }
}

interface HeadEnd {
  /** Index in the chunk where the header text ends (exclusive). */
  readonly headEnd: number;
  /** Set when the header text ended inside the queue, at this queue index. */
  readonly queuedHeadEnd?: number;
  /** Index in the chunk of the first byte after the blank line. */
  readonly next: number;
}

function findBlankLine(buf: Buffer, from: number): { headEnd: number; next: number } | undefined {
  let i = buf.indexOf(LF, from);
  while (i !== -1) {
    const after = buf[i + 1];
    if (after === LF) return { headEnd: i, next: i + 2 };
    if (after === CR && buf[i + 2] === LF) return { headEnd: i, next: i + 3 };
    i = buf.indexOf(LF, i + 1);
  }
  return undefined;
}

/** Blank lines between frames carry nothing (telnet users press Enter twice). */
function skipBlankLines(buf: Buffer, pos: number): number {
  while (pos < buf.length) {
    if (buf[pos] === LF) pos += 1;
    else if (buf[pos] === CR && buf[pos + 1] === LF) pos += 2;
    else return pos;
  }
  return pos;
}

function parseHead(buf: Buffer, start: number, end: number, commands: boolean): ParsedHead {
  const lines = buf.toString('utf8', start, end).split('\n');
  const headers: Header[] = [];
  let command: string | undefined;
  let badLine: string | undefined;
  for (let line of lines) {
    if (line.endsWith('\r')) line = line.slice(0, -1);
    // An empty line can only lead the block (a CR/LF pair split across reads).
    if (line === '') continue;
    if (commands && command === undefined) {
      command = line;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      // FreeSWITCH reads a client's block as command + headers and ignores other lines (two
      // commands without a blank line between get one reply, for the first); from a server
      // such a line means the stream is not ESL.
      if (!commands) badLine ??= line;
      continue;
    }
    const value = line.charCodeAt(colon + 1) === 0x20 ? line.slice(colon + 2) : line.slice(colon + 1);
    headers.push([line.slice(0, colon), value]);
  }
  return { command, headers, badLine };
}

function toFrame(head: ParsedHead, body: Buffer | undefined): EslFrame {
  const frame: { kind: 'frame'; command?: string; headers: readonly Header[]; body?: Buffer } = {
    kind: 'frame',
    headers: head.headers,
  };
  if (head.command !== undefined) frame.command = head.command;
  if (body !== undefined) frame.body = body;
  return frame;
}

function fault(code: FrameFaultCode, detail: string, fatal: boolean): FrameFault {
  return { kind: 'error', code, detail, fatal };
}
