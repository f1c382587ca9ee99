import { createServer, type Server, type Socket } from 'node:net';
import {
  FrameParser,
  encodeApiResponse,
  encodeAuthRequest,
  encodeCommandReply,
  encodeDisconnectNotice,
  encodeEventFrame,
  headerValue,
  type EslFrame,
  type EventFormat,
  type Header,
} from '../../src/index.js';

export interface ServerScript {
  readonly password?: string;
  /** Body for `api <command>`; undefined means never answer. */
  readonly api?: (command: string, client: ScriptedClient) => string | undefined;
  /** Called after the bgapi reply was written. */
  readonly bgapi?: (command: string, jobUuid: string, client: ScriptedClient) => void;
}

/** One accepted socket with the minimal ESL server behaviour our tests need. */
export class ScriptedClient {
  readonly commands: string[] = [];
  format: EventFormat = 'plain';
  /** After an unanswered api the server stalls, as a blocking `api originate` stalls FreeSWITCH. */
  private stalled = false;
  private readonly parser = new FrameParser({ commands: true });

  constructor(
    readonly socket: Socket,
    private readonly script: ServerScript,
  ) {
    socket.on('data', (chunk) => {
      for (const result of this.parser.push(chunk)) if (result.kind === 'frame') this.handle(result);
    });
    socket.on('error', () => undefined);
    socket.write(encodeAuthRequest());
  }

  sendEvent(headerList: Header[], body?: string): void {
    this.socket.write(encodeEventFrame(body === undefined ? { headerList } : { headerList, body }, this.format));
  }

  sendBackgroundJob(jobUuid: string, body: string): void {
    this.sendEvent(
      [
        ['Event-Name', 'BACKGROUND_JOB'],
        ['Job-UUID', jobUuid],
        ['Job-Command', 'status'],
      ],
      body,
    );
  }

  private handle(frame: EslFrame): void {
    const line = frame.command ?? '';
    this.commands.push(line);
    if (this.stalled) return;
    const [word = '', ...rest] = line.split(' ');
    const args = rest.join(' ');
    switch (word) {
      case 'auth':
        if (args === (this.script.password ?? 'ClueCon')) {
          this.socket.write(encodeCommandReply('+OK accepted'));
        } else {
          this.socket.write(Buffer.concat([encodeCommandReply('-ERR invalid'), encodeDisconnectNotice()]));
          this.socket.end();
        }
        return;
      case 'event':
        this.format = rest[0] === 'json' ? 'json' : 'plain';
        this.socket.write(encodeCommandReply(`+OK event listener enabled ${this.format}`));
        return;
      case 'filter':
        this.socket.write(encodeCommandReply(`+OK filter added. [${rest[0] ?? ''}]=[${rest[1] ?? ''}]`));
        return;
      case 'api': {
        const body = this.script.api?.(args, this);
        if (body === undefined) this.stalled = true;
        else this.socket.write(encodeApiResponse(body));
        return;
      }
      case 'bgapi': {
        const jobUuid = headerValue(frame.headers, 'Job-UUID') ?? 'server-minted';
        this.socket.write(encodeCommandReply(`+OK Job-UUID: ${jobUuid}`, jobUuid));
        this.script.bgapi?.(args, jobUuid, this);
        return;
      }
      case 'exit':
        this.socket.write(Buffer.concat([encodeCommandReply('+OK bye'), encodeDisconnectNotice()]));
        this.socket.end();
        return;
      default:
        this.socket.write(encodeCommandReply('-ERR command not found'));
    }
  }
}

export class ScriptedServer {
  readonly clients: ScriptedClient[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;

  private constructor(script: ServerScript) {
    this.server = createServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      this.clients.push(new ScriptedClient(socket, script));
    });
  }

  static async start(script: ServerScript = {}): Promise<ScriptedServer> {
    const scripted = new ScriptedServer(script);
    await new Promise<void>((resolve) => scripted.server.listen(0, '127.0.0.1', resolve));
    return scripted;
  }

  get port(): number {
    const address = this.server.address();
    return typeof address === 'object' && address !== null ? address.port : 0;
  }

  get lastClient(): ScriptedClient {
    const client = this.clients[this.clients.length - 1];
    if (client === undefined) throw new Error('no client connected yet');
    return client;
  }

  /** Drops every connected socket without a goodbye, as a crashing switch would. */
  dropClients(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  async close(): Promise<void> {
    this.dropClients();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
