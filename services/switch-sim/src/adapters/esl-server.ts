import { randomUUID } from 'node:crypto';
import net from 'node:net';
import {
  DISCONNECT_GOODBYE,
  DISCONNECT_SHUTDOWN,
  encodeApiResponse,
  encodeAuthRequest,
  encodeCommandReply,
  encodeDisconnectNotice,
  encodeEventFrame,
  encodeFrame,
  encodeLogData,
  FrameParser,
  type EslFrame,
} from '@outbound/esl';
import { toEventContent, type Header, type SwitchEvent } from '../domain/esl-event.js';
import { encodeXmlEventFrame } from '../domain/event-xml.js';
import { Subscription } from '../domain/subscription.js';
import type { SwitchCore } from '../engine/switch-core.js';

export interface EslServerOptions {
  readonly host: string;
  readonly port: number;
  readonly password: string;
}

/** One inbound ESL connection, as mod_event_socket's listener: commands are handled in order. */
class EslSession {
  private authed = false;
  private closing = false;
  private logLevel: number | undefined;
  private readonly subscription = new Subscription();
  private readonly parser = new FrameParser({ commands: true });
  private queue: Promise<void> = Promise.resolve();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly socket: net.Socket,
    private readonly core: SwitchCore,
    private readonly password: string,
  ) {
    this.unsubscribe = core.subscribe((event) => this.deliver(event));
    socket.on('data', (chunk: Buffer) => {
      for (const result of this.parser.push(chunk)) {
        // Framing lost (oversized or unreadable header block): nothing later can be trusted.
        if (result.kind === 'error') {
          if (result.fatal) socket.destroy();
          continue;
        }
        // Blocking api commands hold the connection (head-of-line), like FreeSWITCH.
        this.queue = this.queue
          .then(() => this.handle(result))
          .catch(() => {
            this.socket.destroy();
          });
      }
    });
    socket.on('close', () => this.unsubscribe());
    socket.on('error', () => socket.destroy());
    this.write(encodeAuthRequest());
  }

  private write(bytes: Buffer): void {
    if (!this.socket.destroyed && !this.socket.writableEnded) this.socket.write(bytes);
  }

  private deliver(event: SwitchEvent): void {
    if (!this.authed || this.closing || !this.subscription.active || !this.subscription.wants(event)) return;
    const format = this.subscription.format;
    this.write(format === 'xml' ? encodeXmlEventFrame(event) : encodeEventFrame(toEventContent(event), format));
  }

  private async handle(command: EslFrame): Promise<void> {
    if (this.closing) return;
    const line = (command.command ?? '').trim();
    const [word = '', ...rest] = line.split(/\s+/);
    const verb = word.toLowerCase();
    const args = line.slice(word.length).trim();
    // api/bgapi take everything after one separator: `api  hostname` names the empty command (29).
    const apiArgs = line.slice(word.length + 1);
    if (!this.authed) {
      if (verb !== 'auth') {
        this.write(encodeCommandReply('-ERR command not found'));
        return;
      }
      if (args === this.password) {
        this.authed = true;
        this.write(encodeCommandReply('+OK accepted'));
      } else {
        this.write(encodeCommandReply('-ERR invalid'));
        this.hangUp(DISCONNECT_GOODBYE);
      }
      return;
    }
    switch (verb) {
      case 'event':
        return this.event(rest);
      case 'nixevent':
        this.subscription.remove(rest);
        return this.write(encodeCommandReply('+OK events nixed'));
      case 'noevents':
        this.subscription.clear();
        return this.write(encodeCommandReply('+OK no longer listening for events'));
      case 'filter':
        return this.filter(rest);
      case 'api':
        return this.api(apiArgs);
      case 'bgapi':
        return this.bgapi(apiArgs, command);
      case 'sendmsg':
        return this.sendmsg(args, command);
      case 'log':
        this.logLevel = Number(rest[0] ?? '7');
        return this.write(encodeCommandReply(`+OK log level ${rest[0] ?? '7'} [${this.logLevel}]`));
      case 'nolog':
        this.logLevel = undefined;
        return this.write(encodeCommandReply('+OK no longer logging'));
      case 'linger':
      case 'nolinger':
        // Only an outbound (socket application) connection controls a session (28).
        return this.write(encodeCommandReply('-ERR not controlling a session'));
      case 'exit':
        this.write(encodeCommandReply('+OK bye'));
        return this.hangUp(DISCONNECT_GOODBYE);
      default:
        return this.write(encodeCommandReply('-ERR command not found'));
    }
  }

  private event(words: readonly string[]): void {
    const [format = '', ...names] = words;
    const kind = format.toLowerCase();
    const named = kind === 'json' || kind === 'plain' || kind === 'xml';
    if (!this.subscription.add(named ? names : words)) {
      this.write(encodeCommandReply('-ERR no keywords supplied'));
      return;
    }
    this.subscription.format = kind === 'json' ? 'json' : kind === 'xml' ? 'xml' : 'plain';
    this.write(encodeCommandReply(`+OK event listener enabled ${this.subscription.format}`));
  }

  private filter(words: readonly string[]): void {
    if (words[0]?.toLowerCase() === 'delete') {
      const [, name = '', value] = words;
      this.subscription.deleteFilter(name, value);
      this.write(encodeCommandReply(`+OK filter deleted. [${name}][${value ?? ''}]`));
      return;
    }
    const [name, ...valueWords] = words;
    if (name === undefined || valueWords.length === 0) {
      this.write(encodeCommandReply('-ERR invalid syntax'));
      return;
    }
    const value = valueWords.join(' ');
    this.subscription.addFilter(name, value);
    this.write(encodeCommandReply(`+OK filter added. [${name}]=[${value}]`));
  }

  private async api(args: string): Promise<void> {
    const [command = '', ...rest] = args.split(' ');
    const argText = rest.join(' ');
    if (command === 'originate') {
      // Written from inside the call flow so it precedes the answer events, as on a real switch.
      await new Promise<void>((resolve) => {
        this.core.originate(
          argText,
          (result) => {
            this.write(encodeApiResponse(result));
            this.core.apiEvent(command, argText);
            resolve();
          },
          true,
        );
      });
      return;
    }
    const body = await this.core.api(command, argText);
    this.write(encodeApiResponse(body));
    if (command === 'reloadxml' && this.logLevel !== undefined && this.logLevel >= 6) {
      const stamp = new Date().toISOString().replace('T', ' ').replace('Z', '');
      this.write(
        encodeLogData({
          level: 6,
          file: 'switch_time.c',
          func: 'switch_load_timezones',
          line: 1436,
          text: `${stamp} 99.00% [INFO] switch_time.c:1436 Timezone reloaded 597 definitions\n`,
        }),
      );
      this.core.publishSystem('RELOADXML', { file: 'switch_xml.c', func: 'switch_xml_open_root', line: 2385 }, []);
    }
    this.core.apiEvent(command, argText);
  }

  private bgapi(args: string, command: EslFrame): void {
    const jobUuid = command.headers.find(([n]) => n.toLowerCase() === 'job-uuid')?.[1] ?? randomUUID();
    this.write(encodeCommandReply(`+OK Job-UUID: ${jobUuid}`, jobUuid));
    const [name = '', ...rest] = args.split(' ');
    const argText = rest.join(' ');
    const finish = (result: string): void => {
      this.core.apiEvent(name, argText);
      this.core.backgroundJobEvent(jobUuid, name, argText, result);
    };
    if (name === 'originate') {
      this.core.originate(argText, finish);
      return;
    }
    void this.core.api(name, argText).then(finish);
  }

  private sendmsg(args: string, command: EslFrame): void {
    const uuid = args.split(/\s+/)[0] ?? '';
    const leg = this.core.leg(uuid);
    if (leg === undefined) {
      this.write(encodeCommandReply(`-ERR invalid session id [${uuid}]`));
      return;
    }
    const header = (name: string): string | undefined => command.headers.find(([n]) => n.toLowerCase() === name)?.[1];
    const callCommand = header('call-command');
    this.write(encodeCommandReply('+OK'));
    const lead: Header[] = [['Command', `sendmsg ${uuid}`], ...command.headers];
    if (callCommand === 'hangup') {
      const cause = header('hangup-cause') ?? 'NORMAL_CLEARING';
      // A parked channel reads the message in its park loop; any other app is interrupted at once.
      if (leg.parked) leg.enqueue({ kind: 'hangup', cause, lead });
      else leg.requestHangup({ cause, by: 'local' });
    } else if (callCommand === 'execute') {
      const eventUuid = header('event-uuid');
      leg.enqueue({
        kind: 'execute',
        app: header('execute-app-name') ?? '',
        arg: header('execute-app-arg') ?? '',
        ...(eventUuid === undefined ? {} : { eventUuid }),
        lead,
      });
    }
  }

  private hangUp(notice: string): void {
    this.closing = true;
    this.write(encodeDisconnectNotice(notice));
    this.socket.end();
  }

  /** Shutdown: the disconnect notice, then FreeSWITCH's truncated last frame, then close. */
  shutdown(): void {
    this.write(encodeDisconnectNotice(DISCONNECT_SHUTDOWN));
    this.write(
      encodeFrame([
        ['Content-Length', '650'],
        ['Content-Type', 'text/event-plain'],
      ]),
    );
    this.closing = true;
    this.socket.end();
  }
}

export interface EslServer {
  readonly address: { host: string; port: number };
  close(): Promise<void>;
}

export async function startEslServer(
  core: SwitchCore,
  options: EslServerOptions,
): Promise<EslServer & { sessionsShutdown(): void }> {
  const sessions = new Set<EslSession>();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    const session = new EslSession(socket, core, options.password);
    sessions.add(session);
    sockets.add(socket);
    socket.on('close', () => {
      sessions.delete(session);
      sockets.delete(socket);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const bound = server.address();
  const port = typeof bound === 'object' && bound !== null ? bound.port : options.port;
  return {
    address: { host: options.host, port },
    sessionsShutdown: () => {
      for (const session of sessions) session.shutdown();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
