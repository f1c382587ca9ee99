import { EslConnection, type EslEvent, type EventFormat } from '@outbound/esl';
import { UnavailableError, backoffDelayMs, sleep } from '@outbound/errors';
import type { Logger } from '@outbound/telemetry';
import type { EslNodeConfig } from '../config.js';
import { SUBSCRIBED_EVENTS, SUBSCRIBED_SUBCLASSES } from '../domain/channel-signal.js';

export interface EslPoolOptions {
  readonly nodes: readonly EslNodeConfig[];
  readonly logger: Logger;
  readonly eventFormat?: EventFormat;
  readonly commandTimeoutMs?: number;
  /** A node disconnected this long is reported as taken out of rotation. */
  readonly nodeDownAfterMs?: number;
  /** `arrivedAtMs`: `performance.now()` as the connection delivered the event (latency measurement). */
  readonly onEvent: (node: string, event: EslEvent, arrivedAtMs: number) => void;
  /** After a reconnect (and after the first connect): reconcile the node's calls. */
  readonly onReady: (node: string, reason: 'connected' | 'reconnected') => void;
}

interface NodeHandle {
  readonly config: EslNodeConfig;
  readonly connection: EslConnection;
  downSince: number | undefined;
  downTimer: NodeJS.Timeout | undefined;
}

const CONNECT_RETRY = { initialDelayMs: 100, maxDelayMs: 5_000, multiplier: 2, maxAttempts: Number.POSITIVE_INFINITY };

/**
 * One EslConnection per FreeSWITCH node. The initial connect is retried here with back-off (the
 * connection makes one attempt); later drops are handled by the connection's own reconnect, which
 * replays the subscription. A node is healthy only while its connection is ready.
 */
export class EslPool {
  private readonly nodes = new Map<string, NodeHandle>();
  private readonly stopping = new AbortController();
  private readonly connecting: Promise<void>[] = [];

  constructor(private readonly options: EslPoolOptions) {
    for (const config of options.nodes) {
      const connection = new EslConnection({
        host: config.host,
        port: config.port,
        password: config.password,
        eventFormat: options.eventFormat ?? 'plain',
        commandTimeoutMs: options.commandTimeoutMs ?? 5_000,
      });
      const handle: NodeHandle = { config, connection, downSince: undefined, downTimer: undefined };
      const log = options.logger.child({ node: config.name });
      connection.on('event', (event) => options.onEvent(config.name, event, performance.now()));
      connection.on('disconnected', ({ error }) => {
        log.warn({ code: error.code }, 'ESL connection lost; reconnecting');
        this.markDown(handle);
      });
      connection.on('reconnected', ({ attempt }) => {
        log.info({ attempt }, 'ESL connection re-established');
        this.markUp(handle);
        options.onReady(config.name, 'reconnected');
      });
      connection.on('error', (error) => log.warn({ code: error.code, err: error.message }, 'ESL connection fault'));
      this.nodes.set(config.name, handle);
    }
  }

  /** Starts connecting every node; resolves at once (nodes join when they come up). */
  start(): void {
    for (const handle of this.nodes.values()) this.connecting.push(this.connectLoop(handle));
  }

  /** Resolves when every node is connected (tests, readiness). */
  async waitForAll(): Promise<void> {
    await Promise.all(this.connecting);
  }

  names(): string[] {
    return [...this.nodes.keys()];
  }

  isHealthy(name: string): boolean {
    return this.nodes.get(name)?.connection.state === 'ready';
  }

  /** The node's connection, or UnavailableError when it is down. */
  connection(name: string): EslConnection {
    const handle = this.nodes.get(name);
    if (handle === undefined || handle.connection.state !== 'ready') {
      throw new UnavailableError(`media node ${name} is not connected`, {
        reason: 'NODE_UNAVAILABLE',
        details: { node: name },
      });
    }
    return handle.connection;
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    for (const handle of this.nodes.values()) if (handle.downTimer) clearTimeout(handle.downTimer);
    await Promise.allSettled(this.connecting);
    await Promise.allSettled([...this.nodes.values()].map((h) => h.connection.close()));
  }

  private async connectLoop(handle: NodeHandle): Promise<void> {
    const log = this.options.logger.child({ node: handle.config.name });
    this.markDown(handle);
    for (let attempt = 1; !this.stopping.signal.aborted; attempt++) {
      try {
        await handle.connection.connect();
        await handle.connection.subscribe(
          this.options.eventFormat ?? 'plain',
          SUBSCRIBED_EVENTS,
          SUBSCRIBED_SUBCLASSES,
        );
        log.info({ host: handle.config.host, port: handle.config.port }, 'ESL connected');
        this.markUp(handle);
        this.options.onReady(handle.config.name, 'connected');
        return;
      } catch (error) {
        if (handle.connection.state === 'ready') await handle.connection.close().catch(() => undefined);
        if (handle.connection.state !== 'idle') return; // closed under us (stop)
        const delay = backoffDelayMs(CONNECT_RETRY, attempt);
        log.warn({ attempt, delayMs: delay, err: (error as Error).message }, 'ESL connect failed; retrying');
        await sleep(Math.max(delay, 50), this.stopping.signal);
      }
    }
  }

  private markDown(handle: NodeHandle): void {
    if (handle.downSince !== undefined) return;
    handle.downSince = Date.now();
    handle.downTimer = setTimeout(() => {
      this.options.logger.error({ node: handle.config.name }, 'media node stays down: new calls go to the other nodes');
    }, this.options.nodeDownAfterMs ?? 5_000);
    handle.downTimer.unref();
  }

  private markUp(handle: NodeHandle): void {
    handle.downSince = undefined;
    if (handle.downTimer) clearTimeout(handle.downTimer);
    handle.downTimer = undefined;
  }
}
