import { Bus, CallPlacements } from '@outbound/bus';
import { startGrpcServer, type GrpcServer } from '@outbound/rpc';
import type { Logger, Meter } from '@outbound/telemetry';
import { CallPublisher, type MediaObserver } from './adapters/call-publisher.js';
import { EslPool } from './adapters/esl-pool.js';
import { mediaServiceBinding } from './adapters/grpc-media-service.js';
import { MediaController } from './adapters/media-controller.js';
import { MediaMetrics } from './adapters/media-metrics.js';
import type { MediaConfig } from './config.js';
import { DEFAULT_RESPONSIVENESS } from './domain/node-responsiveness.js';

export type { MediaConfig } from './config.js';
export type { MediaObserver } from './adapters/call-publisher.js';
export { loadMediaConfig, parseEslNodes } from './config.js';

export interface AppDeps {
  readonly config: Pick<
    MediaConfig,
    | 'eslNodes'
    | 'grpcAddress'
    | 'natsUrl'
    | 'placementsBucket'
    | 'defaultGateway'
    | 'amdDefault'
    | 'ringTimeoutMs'
    | 'recordingsDir'
    | 'nodeDownAfterMs'
    | 'eslCommandTimeoutMs'
  > &
    Partial<
      Pick<MediaConfig, 'originatesPerSecond' | 'originateBacklogSeconds' | 'nodeSlowCommandMs' | 'nodeSlowHoldMs'>
    >;
  readonly logger: Logger;
  readonly observer?: MediaObserver;
  /** Where the service's metrics go (runService's meter); none: not recorded. */
  readonly meter?: Meter;
}

export interface App {
  /** Connects NATS, starts connecting the ESL nodes (in the background) and serves gRPC. */
  start(): Promise<{ port: number }>;
  /** Resolves once every configured node is connected (tests, readiness). */
  nodesReady(): Promise<void>;
  /** Stop taking calls, let in-flight RPCs and publishes finish within `graceMs`, close. */
  stop(graceMs?: number): Promise<void>;
  readonly controller: MediaController;
}

export function createApp(deps: AppDeps): App {
  const { config, logger } = deps;
  let bus: Bus | undefined;
  let placements: CallPlacements | undefined;
  let grpc: GrpcServer | undefined;
  let stopping: Promise<void> | undefined;
  const nodeNames = config.eslNodes.map((node) => node.name);
  // Made before the pool and the controller it reads, which exist by the first collection.
  const metrics: MediaMetrics | undefined = deps.meter
    ? new MediaMetrics(deps.meter, {
        names: (): string[] => nodeNames,
        isHealthy: (node): boolean => pool.isHealthy(node),
        activeCallsOn: (node): number => controller.activeCallsOn(node),
      })
    : undefined;
  const publisher = new CallPublisher(() => bus, logger, observers(deps.observer, metrics));
  // The controller needs the pool and the pool's callbacks need the controller: the callbacks
  // only run after start(), by which time `controller` is initialised.
  const pool = new EslPool({
    nodes: config.eslNodes,
    logger,
    commandTimeoutMs: config.eslCommandTimeoutMs,
    nodeDownAfterMs: config.nodeDownAfterMs,
    onEvent: metrics
      ? (node, event, arrivedAtMs) => {
          metrics.eslEvent(node, event, Date.now());
          controller.onEslEvent(node, event, arrivedAtMs);
        }
      : (node, event, arrivedAtMs) => controller.onEslEvent(node, event, arrivedAtMs),
    onReady: (node, reason) => {
      if (reason === 'reconnected') metrics?.reconnected(node);
      void controller.reconcile(node);
    },
  });
  const controller = new MediaController({
    pool,
    publisher,
    logger,
    recordingsDir: config.recordingsDir,
    ...(config.originatesPerSecond === undefined ? {} : { originatesPerSecond: config.originatesPerSecond }),
    ...(config.originateBacklogSeconds === undefined
      ? {}
      : { originateBacklogSeconds: config.originateBacklogSeconds }),
    responsiveness: {
      slowMs: config.nodeSlowCommandMs ?? DEFAULT_RESPONSIVENESS.slowMs,
      holdMs: config.nodeSlowHoldMs ?? DEFAULT_RESPONSIVENESS.holdMs,
    },
    // Opened in start(), before the gRPC server takes an originate.
    placements: {
      claim: (attemptId, placement) => placements!.claim(attemptId, placement),
      release: (attemptId, callId) => placements!.release(attemptId, callId),
    },
  });

  return {
    controller,
    async start() {
      bus = await Bus.connect({
        url: config.natsUrl,
        name: 'media',
        logger,
        ...(deps.meter ? { meter: deps.meter } : {}),
      });
      await bus.ensureStreams();
      placements = await CallPlacements.open(bus, { bucket: config.placementsBucket });
      pool.start();
      grpc = await startGrpcServer({
        address: config.grpcAddress,
        services: [
          mediaServiceBinding(
            controller,
            { gateway: config.defaultGateway, amd: config.amdDefault, ringTimeoutMs: config.ringTimeoutMs },
            logger,
          ),
        ],
        logger,
        ...(deps.meter ? { meter: deps.meter } : {}),
      });
      return { port: grpc.port };
    },
    nodesReady: () => pool.waitForAll(),
    stop(graceMs = 5_000) {
      // Once: a second stop waits for the first.
      stopping ??= (async () => {
        // New calls are refused at once (and health says NOT_SERVING, so no new work is routed
        // here); the calls up are served until they end or the grace passes.
        grpc?.setServing('', false);
        grpc?.setServing('outbound.v1.MediaService', false);
        const left = await controller.drain(graceMs);
        if (left > 0) logger.warn({ activeCalls: left }, 'grace period over with calls still up');
        await grpc?.shutdown(1_000);
        await pool.stop();
        await publisher.flush();
        await bus?.close();
      })();
      return stopping;
    },
  };
}

/** The test's or bench's observer and the metrics, both told (either may be absent). */
function observers(...list: Array<MediaObserver | undefined>): MediaObserver | undefined {
  const present = list.filter((o): o is MediaObserver => o !== undefined);
  if (present.length <= 1) return present[0];
  return {
    eslToNatsMs: (ms) => {
      for (const o of present) o.eslToNatsMs(ms);
    },
    published: (event) => {
      for (const o of present) o.published?.(event);
    },
  };
}
