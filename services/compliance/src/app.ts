import { fileURLToPath } from 'node:url';
import { Bus, STREAMS, stopWithin, type ConsumerHandle } from '@outbound/bus';
import { Keyspace, createRedis } from '@outbound/redis';
import { startGrpcServer, type GrpcServer } from '@outbound/rpc';
import { createPool, loadMigrations, migrate } from '@outbound/store';
import type { Logger, Meter } from '@outbound/telemetry';
import { DecisionMetrics } from './adapters/metrics/decision-metrics.js';
import { BlindIndexer } from '@outbound/blind-index';
import { complianceService } from './adapters/grpc/handlers.js';
import { startConsumers } from './adapters/nats/consumers.js';
import { AbandonCounts } from './adapters/redis/abandon-counts.js';
import { DialStateStore } from './adapters/redis/dial-state.js';
import { AuditLog } from './adapters/sql/audit.js';
import { EvidenceStore } from './adapters/sql/evidence.js';
import { Inbox, ListStore } from './adapters/sql/lists.js';
import { PolicyStore } from './adapters/sql/policies.js';
import { RegistryLoader } from './adapters/sql/registry-loader.js';
import { Housekeeping } from './adapters/timer/housekeeping.js';
import type { ComplianceConfig } from './config.js';
import { BlindIndex } from './domain/blind.js';
import { PackCatalogue, allPackVersions } from './domain/packs/index.js';
import { Registry } from './domain/registry.js';
import { AbandonStatus } from './use-cases/abandon-status.js';
import { AddDoNotCall } from './use-cases/add-do-not-call.js';
import { AuditTrail } from './use-cases/audit-trail.js';
import { DialChecker } from './use-cases/check-dial.js';
import { Consents } from './use-cases/consents.js';
import { CountCallOutcomes } from './use-cases/count-call-outcomes.js';
import { DncFilter } from './use-cases/filter-dnc.js';
import { enforceEvidenceRetention, verifyAuditChain } from './use-cases/housekeeping-chores.js';
import { ListDecisions } from './use-cases/list-decisions.js';
import { RecordOptOut } from './use-cases/record-opt-out.js';
import { LoadRegistry } from './use-cases/load-registry.js';
import { ScanTranscript } from './use-cases/scan-transcript.js';
import { SetCampaignPolicy } from './use-cases/set-campaign-policy.js';

export interface AppDeps {
  readonly config: ComplianceConfig;
  readonly logger: Logger;
  readonly now?: () => number;
  /** Where the service's metrics go (runService's meter); none: not recorded. */
  readonly meter?: Meter;
}

export interface App {
  start(): Promise<{ port: number }>;
  /** Stop taking calls, finish in-flight ones, stop background work, close connections. */
  stop(): Promise<void>;
}

const migrationsDir = fileURLToPath(new URL('../../migrations/', import.meta.url));

export function createApp(deps: AppDeps): App {
  const { config, logger } = deps;
  const now = deps.now ?? Date.now;
  const schema = config.dbSchema;
  const pool = createPool({
    url: config.databaseUrl,
    applicationName: 'compliance',
    onIdleError: (error) => logger.warn({ err: error }, 'idle PostgreSQL client error'),
  });
  const redis = createRedis({
    url: config.redisUrl,
    name: 'compliance',
    onError: (error) => logger.warn({ err: error }, 'Redis error'),
  });
  const keys = new Keyspace('compliance', config.redisPrefix);
  const blind = new BlindIndex(config.blindIndexSecret);
  const catalogue = new PackCatalogue(allPackVersions);
  const registry = new Registry();
  const state = new DialStateStore(redis, keys);
  const abandon = new AbandonCounts(redis, keys, config.abandonCacheMs, now, (error) =>
    logger.warn({ err: error }, 'abandon counts refresh failed; serving the last counts'),
  );
  const evidence = new EvidenceStore(pool, schema);
  const policies = new PolicyStore(
    pool,
    schema,
    config.policyCacheMs,
    (campaignId, version) => state.announcePolicyVersion(campaignId, version),
    now,
  );
  const registryLoader = new RegistryLoader({ pool, schema, redis, keys, blind, registry, logger });
  const audit = new AuditLog(pool, schema, now);
  const checker = new DialChecker({
    catalogue,
    policies,
    registry,
    blind,
    state,
    abandon,
    evidence,
    now,
    ...(deps.meter ? { metrics: new DecisionMetrics(deps.meter) } : {}),
  });
  const dncFilter = new DncFilter({ catalogue, policies, registry, blind, state, now });
  let bus: Bus | undefined;
  let server: GrpcServer | undefined;
  let consumers: ConsumerHandle[] = [];
  let poller: NodeJS.Timeout | undefined;
  const lists = new ListStore(pool, schema);
  const sharedIndex = config.blindIndexKey ? new BlindIndexer(config.blindIndexKey) : undefined;
  const housekeeping = new Housekeeping(
    [
      verifyAuditChain({ audit, logger, everyMs: config.auditVerifyMs }),
      enforceEvidenceRetention({ evidence, logger, retentionDays: config.evidenceRetentionDays, now }),
    ],
    logger,
  );
  return {
    async start() {
      await migrate(pool, { schema, migrations: await loadMigrations(migrationsDir) });
      await registryLoader.reloadIfChanged();
      bus = await Bus.connect({
        url: config.natsUrl,
        name: 'compliance',
        logger,
        ...(deps.meter ? { meter: deps.meter } : {}),
      });
      await bus.ensureStreams(STREAMS);
      if (!sharedIndex)
        logger.warn(
          'BLIND_INDEX_KEY is not set: numbers added to do-not-call lists are not announced to lead-ingest (compliance still bars them at every check)',
        );
      consumers = await startConsumers({
        bus,
        recordOptOut: new RecordOptOut({ state, lists }),
        countOutcomes: new CountCallOutcomes({ inbox: new Inbox(pool, schema), abandon, state }),
        durablePrefix: config.durablePrefix,
      });
      poller = setInterval(() => {
        registryLoader
          .reloadIfChanged()
          .catch((error: unknown) => logger.error({ err: error }, 'registry reload failed'));
      }, config.registryPollMs);
      poller.unref();
      housekeeping.start();
      const events = bus;
      const service = complianceService(
        {
          checker,
          dncFilter,
          addDoNotCall: new AddDoNotCall({
            catalogue,
            policies,
            blind,
            state,
            lists,
            audit,
            events,
            sharedIndex,
            now,
          }),
          loadRegistry: new LoadRegistry({ loader: registryLoader, audit }),
          consents: new Consents({ blind, lists, state }),
          setCampaignPolicy: new SetCampaignPolicy({ policies, audit, catalogue, now }),
          abandonStatus: new AbandonStatus({ catalogue, policies, abandon, now }),
          listDecisions: new ListDecisions({ blind, evidence }),
          scanTranscript: new ScanTranscript({ catalogue, events, logger, now }),
          auditTrail: new AuditTrail(audit),
          packNames: () => catalogue.names(),
          now,
        },
        logger,
      );
      server = await startGrpcServer({
        address: config.grpcAddress,
        services: [service],
        logger,
        ...(deps.meter ? { meter: deps.meter } : {}),
      });
      return { port: server.port };
    },

    async stop() {
      if (poller) clearInterval(poller);
      await housekeeping.stop();
      await server?.shutdown(config.shutdownGraceMs);
      await Promise.all(consumers.map((c) => stopWithin(c, 5_000)));
      await bus?.close();
      redis.disconnect();
      await pool.end();
    },
  };
}
