import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Bus, CallPlacements, STREAMS, stopWithin, type ConsumerHandle } from '@outbound/bus';
import { Keyspace, createRedis } from '@outbound/redis';
import { startGrpcServer, type GrpcServer } from '@outbound/rpc';
import { createPool } from '@outbound/store';
import type { Logger, Meter } from '@outbound/telemetry';
import { agentService } from './adapters/grpc/agent-service.js';
import { campaignService } from './adapters/grpc/campaign-service.js';
import { GrpcCallControl, GrpcComplianceGate, GrpcLeadDirectory } from './adapters/grpc/clients.js';
import { DialerMetrics } from './adapters/metrics/dialer-metrics.js';
import { NatsCampaignLeases } from './adapters/nats/campaign-leases.js';
import { startDialerConsumers } from './adapters/nats/consumers.js';
import { NatsEarlyFacts } from './adapters/nats/early-facts.js';
import { NatsFactRelay } from './adapters/nats/fact-relay.js';
import { NatsEnginePublisher } from './adapters/nats/publisher.js';
import { RedisAgentStates } from './adapters/redis/agent-states.js';
import { RedisCampaignCounters } from './adapters/redis/campaign-counters.js';
import { Hopper } from './adapters/redis/hopper.js';
import { RedisStateMarkers } from './adapters/redis/state-markers.js';
import { SqlAgentSessionStore } from './adapters/sql/agents-repo.js';
import { SqlAttemptStore } from './adapters/sql/attempts-repo.js';
import { SqlCampaignLeadStore } from './adapters/sql/campaign-leads-repo.js';
import { SqlCampaignStore } from './adapters/sql/campaigns-repo.js';
import { migrateDialerSchema } from './adapters/sql/migrations.js';
import { PacingDecisionLog } from './adapters/sql/pacing-decisions-repo.js';
import type { DialerConfig } from './config.js';
import { DEFAULT_LINE_HEALTH, LinePool } from './domain/line-pool.js';
import { nextStep } from './domain/retry-policy.js';
import { AgentDeskHub, AgentSessions, Dispositions } from './use-cases/agent-sessions.js';
import { ManageCampaigns } from './use-cases/campaigns.js';
import { createEngine, type Engine } from './use-cases/engine.js';
import { RedisRecovery } from './use-cases/recover-redis.js';

export interface AppDeps {
  readonly config: DialerConfig;
  readonly logger: Logger;
  /** Where the service's metrics go (runService's meter); none: not recorded. */
  readonly meter?: Meter;
}

export interface App {
  start(): Promise<{ port: number }>;
  /** Stop taking calls and launching dials; calls in flight are adopted by the next start. */
  stop(): Promise<void>;
}

/** The dialer's composition root: stores, clients, the engine, the agents' side and the gRPC API. */
export function createApp(deps: AppDeps): App {
  const { config, logger } = deps;
  const schema = config.dbSchema;
  const pool = createPool({
    url: config.databaseUrl,
    applicationName: 'dialer',
    onIdleError: (error) => logger.warn({ err: error }, 'idle PostgreSQL client error'),
  });
  const redis = createRedis({
    url: config.redisUrl,
    name: 'dialer',
    autoPipelining: true,
    onError: (error) => logger.warn({ err: error }, 'Redis error'),
  });
  const keys = new Keyspace('dialer', config.redisPrefix);
  const campaigns = new SqlCampaignStore(pool, schema);
  const attempts = new SqlAttemptStore(pool, schema);
  const leads = new SqlCampaignLeadStore(pool, schema);
  const decisions = new PacingDecisionLog(pool, schema, {
    batchSize: 200,
    flushEveryMs: 1_000,
    maxBuffered: 50_000,
    onError: (error) => logger.warn({ err: error }, 'pacing decisions not stored yet'),
  });
  const meter = deps.meter;
  const leadDirectory = new GrpcLeadDirectory(config.leadIngestAddress, config.leadIngestRevealToken, undefined, meter);
  const compliance = new GrpcComplianceGate(config.complianceAddress, undefined, undefined, meter);
  const calls = new GrpcCallControl(config.mediaAddress, undefined, meter);
  const board = new RedisAgentStates(redis, keys, { wrapUpMs: config.wrapUpMs });
  const desk = new AgentDeskHub({ board, leadDirectory, attempts, campaigns });
  const sessions = new SqlAgentSessionStore(pool, schema);
  const counters = new RedisCampaignCounters(redis, keys);
  let bus: Bus | undefined;
  let engine: Engine | undefined;
  // The per-campaign gauges read the engine's campaigns at each collection (none before start).
  const metrics = meter ? new DialerMetrics(meter, () => engine?.views() ?? []) : undefined;
  let server: GrpcServer | undefined;
  let consumers: ConsumerHandle[] = [];

  return {
    async start() {
      await migrateDialerSchema(pool, schema);
      bus = await Bus.connect({ url: config.natsUrl, name: 'dialer', logger, ...(meter ? { meter } : {}) });
      await bus.ensureStreams(STREAMS);
      const leases = await NatsCampaignLeases.open(bus, {
        bucket: `${config.durablePrefix}_campaign_owners`,
        ttlMs: config.leaseTtlMs,
        holder: `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`,
      });
      engine = createEngine({
        ...(config.lines
          ? {
              lines: new LinePool(config.lines, {
                ...DEFAULT_LINE_HEALTH,
                failureLimit: config.lineFailureLimit,
                probationMs: config.lineProbationMs,
              }),
            }
          : {}),
        earlyFacts: new NatsEarlyFacts(bus),
        ownership: {
          leases,
          relay: new NatsFactRelay(bus.connection, config.durablePrefix),
          everyMs: config.ownershipEveryMs,
          recovery: new RedisRecovery({
            markers: new RedisStateMarkers(redis, keys),
            attempts,
            counters,
            sessions,
            board,
            logger,
          }),
        },
        campaigns,
        leads,
        attempts,
        agents: board,
        desk,
        leadDirectory,
        compliance,
        calls,
        placements: await CallPlacements.open(bus, { bucket: config.placementsBucket }),
        hopper: new Hopper(redis, keys, { leaseMs: 15 * 60_000 }),
        counters,
        publisher: new NatsEnginePublisher(bus, attempts),
        decisions,
        nextStep,
        logger,
        ...(metrics ? { metrics } : {}),
        options: {
          tickMs: config.tickMs,
          staleCallMs: config.staleCallMs,
          abandonAfterMs: config.abandonAfterMs,
          amdWaitMs: config.amdWaitMs,
          channelsPerCampaign: config.channels,
          callsPerSecond: config.maxCps,
        },
      });
      decisions.start();
      board.start();
      // Running campaigns are adopted before the facts of their calls are taken in.
      await engine.start();
      const running = engine;
      consumers = await startDialerConsumers(bus, {
        durablePrefix: config.durablePrefix,
        onCallFact: (fact) => running.onCallFact(fact),
        onTask: (task) => running.onTask(task),
      });
      const manage = new ManageCampaigns({ campaigns, runtime: running.runtime, compliance });
      server = await startGrpcServer({
        address: config.grpcAddress,
        services: [
          campaignService({ manage, campaigns, attempts, figures: running.figures }, logger),
          agentService(
            {
              sessions: new AgentSessions({ board, campaigns, sessions }),
              desk,
              dispositions: new Dispositions({ board, attempts, leads, leadDirectory, compliance }),
              board,
              preview: running.preview,
            },
            logger,
          ),
        ],
        logger,
        ...(meter ? { meter } : {}),
      });
      return { port: server.port };
    },

    async stop() {
      await server?.shutdown(config.shutdownGraceMs);
      await Promise.all(consumers.map((c) => stopWithin(c, 5_000)));
      await engine?.stop();
      board.stop();
      await decisions.stop();
      await bus?.close();
      leadDirectory.close();
      compliance.close();
      calls.close();
      redis.disconnect();
      await pool.end();
    },
  };
}
