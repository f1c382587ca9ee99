import type { CountryCode } from 'libphonenumber-js/max';
import { Bus, type ConsumerHandle, stopWithin } from '@outbound/bus';
import { startGrpcServer, type GrpcServer } from '@outbound/rpc';
import { createPool, type Pool } from '@outbound/store';
import type { Logger, Meter } from '@outbound/telemetry';
import { ImportMetrics } from './adapters/metrics/import-metrics.js';
import type { TierRule } from './domain/tiers.js';
import { PiiCipher, type PiiKey } from './adapters/pii-cipher.js';
import { leadServiceBinding } from './adapters/grpc/lead-service.js';
import { consumeDeadNumbers } from './adapters/nats/dead-numbers.js';
import { consumeDncAdded } from './adapters/nats/dnc-added.js';
import { consumeOptOuts } from './adapters/nats/opt-outs.js';
import { migrateLeadSchema } from './adapters/sql/migrations.js';
import { recoverJobs } from './adapters/sql/jobs-repo.js';
import { ComplianceDoNotCallList, type ComplianceDoNotCallOptions } from './adapters/grpc/compliance-dnc.js';
import { ComplianceAuditTrail, LogAuditTrail } from './adapters/grpc/compliance-audit.js';
import { RevealPolicy } from './domain/reveal.js';
import type { TokenGrant } from './domain/grants.js';
import { startHttpApi, type HttpApi } from './adapters/http/api.js';
import { LeadUpserter } from './use-cases/upsert-leads.js';
import { noDoNotCallList } from './use-cases/ports.js';
import { ImportRunner } from './use-cases/import-leads.js';
import { BarNumber } from './use-cases/bar-number.js';

export interface AppDeps {
  logger: Logger;
  databaseUrl: string;
  natsUrl: string;
  /** PostgreSQL schema owned by this service (tests use a unique one). */
  schema?: string;
  grpcAddress: string;
  piiKeys: readonly PiiKey[];
  piiActiveKeyId: string;
  blindIndexKey: Buffer;
  defaultRegion: CountryCode;
  tierRules: readonly TierRule[];
  importBatchRows: number;
  maxRejectsStored: number;
  shutdownGraceMs: number;
  /** Who may see clear numbers and names (none by default). */
  revealGrants?: readonly TokenGrant[];
  /** host:port of the HTTP API (upserts, /healthz); port 0 picks one. */
  httpAddress: string;
  /** Who may upsert over HTTP (none by default: every HTTP upsert is refused). */
  upsertGrants?: readonly TokenGrant[];
  /** Compliance's gRPC address (host:port) for do-not-call lookups and the audit log; unset: imports bar nothing, reveals are logged locally. */
  complianceAddress?: string;
  /** Deadline and retries of those lookups (tests shorten them). */
  complianceOptions?: ComplianceDoNotCallOptions;
  /** Durable name of the calls.hangup consumer (tests use a unique one). */
  deadNumbersDurable?: string;
  /** Hangups of one campaign only (tests: a busy shared CALLS stream must not delay them); default all. */
  deadNumbersCampaign?: string;
  /** Durable name of the compliance.optout consumer (tests use a unique one). */
  optOutsDurable?: string;
  /** Opt-outs of one campaign only (tests); default all. */
  optOutsCampaign?: string;
  /** Durable name of the compliance.dnc_added consumer (tests use a unique one). */
  dncAddedDurable?: string;
  /** Where a new compliance.dnc_added consumer starts: the stream's whole history (default) or now (tests). */
  dncAddedFrom?: 'all' | 'new';
  /** Where the service's metrics go (runService's meter); none: not recorded. */
  meter?: Meter;
}

export interface App {
  /** The bound gRPC and HTTP ports. */
  start(): Promise<{ port: number; httpPort: number }>;
  stop(): Promise<void>;
  readonly pool: Pool;
  readonly runner: ImportRunner;
}

// A running job refreshes its heartbeat every second; one silent this long died with its process.
const STALE_JOB_MS = 120_000;

export function createApp(deps: AppDeps): App {
  const schema = deps.schema ?? 'lead_ingest';
  const pool = createPool({
    url: withSearchPath(deps.databaseUrl, schema),
    applicationName: 'lead-ingest',
    onIdleError: (err) => deps.logger.warn({ err }, 'idle database connection failed'),
  });
  const cipher = new PiiCipher(deps.piiKeys, deps.piiActiveKeyId, deps.blindIndexKey);
  const compliance = deps.complianceAddress
    ? new ComplianceDoNotCallList(deps.complianceAddress, {
        ...deps.complianceOptions,
        ...(deps.meter ? { meter: deps.meter } : {}),
      })
    : undefined;
  const dnc = compliance ?? noDoNotCallList;
  const complianceAudit = deps.complianceAddress
    ? new ComplianceAuditTrail(deps.complianceAddress, undefined, deps.meter)
    : undefined;
  const audit = complianceAudit ?? new LogAuditTrail(deps.logger);
  const reveal = new RevealPolicy(deps.revealGrants ?? []);
  let bus: Bus | undefined;
  let server: GrpcServer | undefined;
  let consumers: ConsumerHandle[] = [];
  let runner: ImportRunner | undefined;
  let http: HttpApi | undefined;

  return {
    pool,
    get runner() {
      if (!runner) throw new Error('app not started');
      return runner;
    },
    async start() {
      if (!compliance)
        deps.logger.warn('no compliance service configured (COMPLIANCE_ADDRESS): imports bar no number as do-not-call');
      await migrateLeadSchema(pool, schema);
      bus = await Bus.connect({
        url: deps.natsUrl,
        name: 'lead-ingest',
        logger: deps.logger,
        ...(deps.meter ? { meter: deps.meter } : {}),
      });
      await bus.ensureStreams();
      runner = new ImportRunner({
        pool,
        bus,
        cipher,
        dnc,
        logger: deps.logger,
        tierRules: deps.tierRules,
        batchRows: deps.importBatchRows,
        maxRejectsStored: deps.maxRejectsStored,
        ...(deps.meter ? { metrics: new ImportMetrics(deps.meter) } : {}),
      });
      for (const job of await recoverJobs(pool, STALE_JOB_MS)) await runner.publishIngested(job.jobId, job.listId);
      const upserter = new LeadUpserter({
        pool,
        bus,
        cipher,
        dnc,
        tierRules: deps.tierRules,
        defaultRegion: deps.defaultRegion,
        logger: deps.logger,
      });
      await upserter.publishPending();
      const dncAddedDurable = deps.dncAddedDurable ?? 'lead-ingest-dnc-added';
      const barNumber = new BarNumber({
        pool,
        schema,
        inbox: dncAddedDurable,
        publishPendingEvents: () => upserter.publishPending(),
        logger: deps.logger,
      });
      consumers = [
        await consumeDeadNumbers(bus, pool, deps.logger, deps.deadNumbersDurable, deps.deadNumbersCampaign),
        await consumeOptOuts(bus, pool, deps.logger, deps.optOutsDurable, deps.optOutsCampaign),
        await consumeDncAdded(bus, barNumber, dncAddedDurable, deps.dncAddedFrom),
      ];
      server = await startGrpcServer({
        address: deps.grpcAddress,
        logger: deps.logger,
        services: [
          leadServiceBinding({
            pool,
            cipher,
            runner,
            upserter,
            tierRules: deps.tierRules,
            defaultRegion: deps.defaultRegion,
            reveal,
            audit,
            logger: deps.logger,
          }),
        ],
        ...(deps.meter ? { meter: deps.meter } : {}),
      });
      http = await startHttpApi(deps.httpAddress, {
        upserter,
        upsertGrants: deps.upsertGrants ?? [],
        logger: deps.logger,
      });
      return { port: server.port, httpPort: http.port };
    },
    /** Drain: stop taking calls, let running imports finish within the grace period, then close. */
    async stop() {
      await Promise.all([server?.shutdown(deps.shutdownGraceMs), http?.close(deps.shutdownGraceMs)]);
      await Promise.all(consumers.map((c) => stopWithin(c, 5_000)));
      await bus?.close();
      compliance?.close();
      complianceAudit?.close();
      await pool.end();
    },
  };
}

/** The service's tables live in its own schema; every pooled connection starts there. */
function withSearchPath(url: string, schema: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('options', `-c search_path=${schema}`);
  return parsed.toString();
}
