import { fileURLToPath } from 'node:url';
import { Bus, STREAMS, stopWithin, type ConsumerHandle } from '@outbound/bus';
import { Keyspace, createRedis } from '@outbound/redis';
import { startGrpcServer, type GrpcServer } from '@outbound/rpc';
import { createPool, loadMigrations, migrate } from '@outbound/store';
import type { Logger } from '@outbound/telemetry';
import { complianceService } from './adapters/grpc/handlers.js';
import { startConsumers } from './adapters/nats/consumers.js';
import { AbandonCounts } from './adapters/redis/abandon-counts.js';
import { DialStateStore } from './adapters/redis/dial-state.js';
import { AuditLog } from './adapters/sql/audit.js';
import { EvidenceStore } from './adapters/sql/evidence.js';
import { Housekeeping } from './housekeeping.js';
import { PolicyStore } from './adapters/sql/policies.js';
import { RegistryLoader } from './adapters/sql/registry-loader.js';
import type { ComplianceConfig } from './config.js';
import { DialChecker } from './dial-checker.js';
import { DncFilter } from './dnc-filter.js';
import { BlindIndex } from './domain/blind.js';
import { PackCatalogue, allPackVersions } from './domain/packs/index.js';
import { Registry } from './registry.js';

export interface AppDeps {
  readonly config: ComplianceConfig;
  readonly logger: Logger;
  readonly now?: () => number;
}

export interface App {
  start(): Promise<{ port: number }>;
  /** Stop taking calls, finish in-flight ones, stop background work, close connections. */
  stop(): Promise<void>;
}

const EVIDENCE_PURGE_EVERY_MS = 3_600_000;
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
  const checker = new DialChecker({ catalogue, policies, registry, blind, state, abandon, evidence, now });
  const dncFilter = new DncFilter({ catalogue, policies, registry, blind, state, now });
  let bus: Bus | undefined;
  let server: GrpcServer | undefined;
  let consumers: ConsumerHandle[] = [];
  let poller: NodeJS.Timeout | undefined;
  const housekeeping = new Housekeeping(
    [
      {
        // The full re-hash catches an edit further back than the rows ListAudit re-hashes (see AuditLog).
        name: 'audit-verify',
        everyMs: config.auditVerifyMs,
        run: async (signal) => {
          if ((await audit.verifyAll(signal)) === false)
            logger.error(
              'audit log chain broken: an entry was changed or removed; ListAudit now answers chain_valid false',
            );
        },
      },
      {
        name: 'evidence-retention',
        everyMs: EVIDENCE_PURGE_EVERY_MS,
        run: async (signal) => {
          const removed = await evidence.purgeOlderThan(now() - config.evidenceRetentionDays * 86_400_000, signal);
          if (removed > 0)
            logger.info(
              { removed, retentionDays: config.evidenceRetentionDays },
              'decision evidence past its retention removed',
            );
        },
      },
    ],
    logger,
  );
  return {
    async start() {
      await migrate(pool, { schema, migrations: await loadMigrations(migrationsDir) });
      await registryLoader.reloadIfChanged();
      bus = await Bus.connect({ url: config.natsUrl, name: 'compliance', logger });
      await bus.ensureStreams(STREAMS);
      consumers = await startConsumers({ bus, pool, schema, state, abandon, durablePrefix: config.durablePrefix });
      poller = setInterval(() => {
        registryLoader
          .reloadIfChanged()
          .catch((error: unknown) => logger.error({ err: error }, 'registry reload failed'));
      }, config.registryPollMs);
      poller.unref();
      housekeeping.start();
      const service = complianceService(
        {
          checker,
          dncFilter,
          catalogue,
          policies,
          blind,
          state,
          abandon,
          registryLoader,
          audit,
          bus,
          pool,
          schema,
          now,
        },
        logger,
      );
      server = await startGrpcServer({ address: config.grpcAddress, services: [service], logger });
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
