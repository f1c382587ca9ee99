import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { serializeJson, serializePlain, type SwitchEvent } from '../domain/esl-event.js';
import { Subscription } from '../domain/subscription.js';
import type { SwitchCore } from '../engine/switch-core.js';
import {
  apiResponse, authRequest, ClientCommandParser, commandReply, disconnectNotice, eventFrame, GOODBYE, logData,
  SHUTTING_DOWN, type ClientCommand,
} from './esl-wire.js';

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
  private readonly parser = new ClientCommandParser();
  private queue: Promise<void> = Promise.resolve();
  private readonly unsubscribe: () => void;

  constructor(private readonly socket: net.Socket, private readonly core: SwitchCore, private readonly password: string) {
    this.unsubscribe = core.subscribe((event) => this.deliver(event));
    socket.on('data', (chunk) => {
      for (const command of this.parser.push(chunk)) {
        // Blocking api commands hold the connection (head-of-line), like FreeSWITCH.
        this.queue = this.queue.then(() => this.handle(command)).catch(() => {
          this.socket.destroy();
        });
      }
    });
    socket.on('close', () => this.unsubscribe());
    socket.on('error', () => socket.destroy());
    this.write(authRequest());
  }

  private write(text: string): void {
    if (!this.socket.destroyed && !this.socket.writableEnded) this.socket.write(text);
  }

  private deliver(event: SwitchEvent): void {
    if (!this.authed || this.closing || !this.subscription.active || !this.subscription.wants(event)) return;
    if (this.subscription.format === 'json') this.write(eventFrame('text/event-json', serializeJson(event)));
    else this.write(eventFrame('text/event-plain', serializePlain(event)));
  }

  private async handle(command: ClientCommand): Promise<void> {
    if (this.closing) return;
    const [word = '', ...rest] = command.line.split(/\s+/);
    const verb = word.toLowerCase();
    const args = command.line.slice(word.length).trim();
    if (!this.authed) {
      if (verb !== 'auth') {
        this.write(commandReply('-ERR command not found'));
        return;
      }
      if (args === this.password) {
        this.authed = true;
        this.write(commandReply('+OK accepted'));
      } else {
        this.write(commandReply('-ERR invalid'));
        this.hangUp(GOODBYE);
      }
      return;
    }
    switch (verb) {
      case 'event': return this.event(rest);
      case 'nixevent':
        this.subscription.remove(rest);
        return this.write(commandReply('+OK events nixed'));
      case 'noevents':
        this.subscription.clear();
        return this.write(commandReply('+OK no longer listening for events'));
      case 'filter': return this.filter(rest);
      case 'api': return this.api(args);
      case 'bgapi': return this.bgapi(args, command);
      case 'sendmsg': return this.sendmsg(args, command);
      case 'log':
        this.logLevel = Number(rest[0] ?? '7');
        return this.write(commandReply(`+OK log level ${rest[0] ?? '7'} [${this.logLevel}]`));
      case 'nolog':
        this.logLevel = undefined;
        return this.write(commandReply('+OK no longer logging'));
      case 'exit':
        this.write(commandReply('+OK bye'));
        return this.hangUp(GOODBYE);
      default:
        return this.write(commandReply('-ERR command not found'));
    }
  }

  private event(words: readonly string[]): void {
    const [format = '', ...names] = words;
    const json = format.toLowerCase() === 'json';
    if (!this.subscription.add(json || format.toLowerCase() === 'plain' ? names : words)) {
      this.write(commandReply('-ERR no keywords supplied'));
      return;
    }
    this.subscription.format = json ? 'json' : 'plain';
    this.write(commandReply(`+OK event listener enabled ${this.subscription.format}`));
  }

  private filter(words: readonly string[]): void {
    if (words[0]?.toLowerCase() === 'delete') {
      const [, name = '', value] = words;
      this.subscription.deleteFilter(name, value);
      this.write(commandReply(`+OK filter deleted. [${name}][${value ?? ''}]`));
      return;
    }
    const [name, ...valueWords] = words;
    if (name === undefined || valueWords.length === 0) {
      this.write(commandReply('-ERR invalid syntax'));
      return;
    }
    const value = valueWords.join(' ');
    this.subscription.addFilter(name, value);
    this.write(commandReply(`+OK filter added. [${name}]=[${value}]`));
  }

  private async api(args: string): Promise<void> {
    const [command = '', ...rest] = args.split(' ');
    const argText = rest.join(' ');
    if (command === 'originate') {
      // Written from inside the call flow so it precedes the answer events, as on a real switch.
      await new Promise<void>((resolve) => {
        this.core.originate(argText, (result) => {
          this.write(apiResponse(result));
          this.core.apiEvent(command, argText);
          resolve();
        }, true);
      });
      return;
    }
    const body = await this.core.api(command, argText);
    this.write(apiResponse(body));
    if (command === 'reloadxml' && this.logLevel !== undefined && this.logLevel >= 6) {
      const stamp = new Date().toISOString().replace('T', ' ').replace('Z', '');
      this.write(logData(6, `${stamp} 99.00% [INFO] switch_time.c:1436 Timezone reloaded 597 definitions\n`, { file: 'switch_time.c', func: 'switch_load_timezones', line: 1436 }));
      this.core.publishSystem('RELOADXML', { file: 'switch_xml.c', func: 'switch_xml_open_root', line: 2385 }, []);
    }
    this.core.apiEvent(command, argText);
  }

  private bgapi(args: string, command: ClientCommand): void {
    const jobUuid = command.headers.find(([n]) => n.toLowerCase() === 'job-uuid')?.[1] ?? randomUUID();
    this.write(commandReply(`+OK Job-UUID: ${jobUuid}`, [['Job-UUID', jobUuid]]));
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

  private sendmsg(args: string, command: ClientCommand): void {
    const uuid = args.split(/\s+/)[0] ?? '';
    const leg = this.core.leg(uuid);
    if (leg === undefined) {
      this.write(commandReply(`-ERR invalid session id [${uuid}]`));
      return;
    }
    const header = (name: string): string | undefined => command.headers.find(([n]) => n.toLowerCase() === name)?.[1];
    const callCommand = header('call-command');
    this.write(commandReply('+OK'));
    if (callCommand === 'hangup') {
      leg.requestHangup({ cause: header('hangup-cause') ?? 'NORMAL_CLEARING', by: 'local' });
    } else if (callCommand === 'execute') {
      const eventUuid = header('event-uuid');
      leg.enqueue({
        app: header('execute-app-name') ?? '',
        arg: header('execute-app-arg') ?? '',
        ...(eventUuid === undefined ? {} : { eventUuid }),
        lead: [['Command', `sendmsg ${uuid}`], ...command.headers],
      });
    }
  }

  private hangUp(notice: string): void {
    this.closing = true;
    this.write(disconnectNotice(notice));
    this.socket.end();
  }

  /** Shutdown: the disconnect notice, then FreeSWITCH's truncated last frame, then close. */
  shutdown(): void {
    this.write(disconnectNotice(SHUTTING_DOWN));
    this.write('Content-Length: 650\nContent-Type: text/event-plain\n\n');
    this.closing = true;
    this.socket.end();
  }
}

export interface EslServer {
  readonly address: { host: string; port: number };
  close(): Promise<void>;
}

export async function startEslServer(core: SwitchCore, options: EslServerOptions): Promise<EslServer & { sessionsShutdown(): void }> {
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
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}
