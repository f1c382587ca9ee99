import { hostname } from 'node:os';
import { Bus, type ConsumerHandle, stopWithin } from '@outbound/bus';
import type { RetryPolicy } from '@outbound/errors';
import { startGrpcServer, type GrpcServer } from '@outbound/rpc';
import { createPool, type Pool } from '@outbound/store';
import type { Logger, Meter } from '@outbound/telemetry';
import { ruleServiceBinding } from './adapters/grpc/rule-service.js';
import { GrpcLeadDirectory, type GrpcLeadDirectoryOptions } from './adapters/grpc/lead-directory.js';
import { startHttpApi, type HttpApi } from './adapters/http/api.js';
import { startConsumers } from './adapters/nats/consumers.js';
import { WebhookSmsProvider } from './adapters/sms/webhook-provider.js';
import { migrateRulesSchema } from './adapters/sql/migrations.js';
import { pruneOld } from './adapters/sql/evaluation-store.js';
import { ActiveRules } from './use-cases/active-rules.js';
import { DryRun } from './use-cases/dry-run.js';
import { FactEvaluator } from './use-cases/evaluate-facts.js';
import { RuleSetCatalog } from './use-cases/manage-rule-sets.js';
import { Outbox } from './use-cases/outbox.js';
import type { EventPublisher, LeadDirectory, SmsProvider } from './use-cases/ports.js';
import { Scheduler } from './use-cases/scheduler.js';
import { Feedback, type FeedbackOptions } from './use-cases/feedback.js';
import { SmsSender } from './use-cases/send-sms.js';

export interface AppDeps {
  logger: Logger;
  databaseUrl: string;
  natsUrl: string;
  /** PostgreSQL schema owned by this service (tests use a unique one). */
  schema?: string;
  grpcAddress: string;
  httpAddress: string;
  leadIngestAddress: string;
  leadDirectoryOptions?: GrpcLeadDirectoryOptions;
  /** Tests and benches may give their own directory (still a real gRPC server in tests). */
  leadDirectory?: LeadDirectory;
  durablePrefix: string;
  /** Pull loops per busy durable in this process (default 4). */
  consumerConcurrency?: number;
  deliverFrom?: 'all' | 'new';
  defaultTimeZone: string;
  hardCapPerDay: number;
  activeRulesTtlMs: number;
  schedulerPollMs: number;
  schedulerBatch: number;
  shutdownGraceMs: number;
  sms?: { url: string; token?: string; statusCallbackUrl?: string; retry?: RetryPolicy };
  /** Or any provider (tests). */
  smsProvider?: SmsProvider;
  httpTokenHashes: readonly Buffer[];
  /** Feedback thresholds (tests lower the sample size) and the cache of `stats.*`. */
  feedback?: Partial<FeedbackOptions>;
  /** Name on fired timers (default host:pid). */
  replica?: string;
  /** The clock (tests move it forward to fire timers). */
  now?: () => number;
  /** Where the service's metrics go (runService's meter); none: not recorded. */
  meter?: Meter;
}

export interface App {
  start(): Promise<{ port: number; httpPort: number }>;
  stop(): Promise<void>;
  readonly pool: Pool;
  readonly scheduler: Scheduler;
  readonly evaluator: FactEvaluator;
  readonly catalog: RuleSetCatalog;
}

// Claimed facts outlive the bus's longest replay (30 days for LEADS/CALLS would be safer, but a
// replay that old is a new deployment: its durables start at `new`).
const INBOX_RETENTION_MS = 8 * 86_400_000;
const HISTORY_RETENTION_MS = 30 * 86_400_000;

export function createApp(deps: AppDeps): App {
  const schema = deps.schema ?? 'rules';
  const log = deps.logger;
  const pool = createPool({
    url: withSearchPath(deps.databaseUrl, schema),
    applicationName: 'rules',
    max: 12,
    onIdleError: (err) => log.warn({ err }, 'idle database connection failed'),
  });
  const ownDirectory = deps.leadDirectory
    ? undefined
    : new GrpcLeadDirectory(deps.leadIngestAddress, {
        ...deps.leadDirectoryOptions,
        ...(deps.meter ? { meter: deps.meter } : {}),
      });
  const directory: LeadDirectory = deps.leadDirectory ?? ownDirectory!;
  const active = new ActiveRules(pool, deps.activeRulesTtlMs);
  const catalog = new RuleSetCatalog(pool, active);
  let bus: Bus | undefined;
  // The bus exists from start(); the feedback's publisher reaches it through this seam.
  const publisher: EventPublisher = {
    publish: (type, payload, options) => {
      if (!bus) throw new Error('app not started');
      return bus.publish(type, payload, options);
    },
  };
  const feedback = new Feedback(pool, publisher, log, { ttlMs: 60_000, ...deps.feedback });
  const dryRun = new DryRun(
    catalog,
    active,
    directory,
    { defaultZone: deps.defaultTimeZone, hardCapPerDay: deps.hardCapPerDay },
    feedback,
  );
  const provider =
    deps.smsProvider ??
    (deps.sms
      ? new WebhookSmsProvider({
          url: deps.sms.url,
          ...(deps.sms.token ? { token: deps.sms.token } : {}),
          ...(deps.sms.statusCallbackUrl ? { statusCallbackUrl: deps.sms.statusCallbackUrl } : {}),
        })
      : undefined);
  const sms = provider ? new SmsSender(pool, directory, provider, log, deps.sms?.retry) : undefined;

  let server: GrpcServer | undefined;
  let http: HttpApi | undefined;
  let consumers: ConsumerHandle[] = [];
  let pruneTimer: NodeJS.Timeout | undefined;
  const late: { evaluator?: FactEvaluator; scheduler?: Scheduler; outbox?: Outbox } = {};

  return {
    pool,
    catalog,
    get evaluator() {
      if (!late.evaluator) throw new Error('app not started');
      return late.evaluator;
    },
    get scheduler() {
      if (!late.scheduler) throw new Error('app not started');
      return late.scheduler;
    },
    async start() {
      await migrateRulesSchema(pool, schema);
      bus = await Bus.connect({
        url: deps.natsUrl,
        name: 'rules',
        logger: log,
        ...(deps.meter ? { meter: deps.meter } : {}),
      });
      await bus.ensureStreams();
      const outbox = new Outbox(pool, bus, log);
      late.outbox = outbox;
      const evaluator = new FactEvaluator(pool, active, directory, outbox, feedback, log, {
        defaultZone: deps.defaultTimeZone,
        hardCapPerDay: deps.hardCapPerDay,
        replica: deps.replica ?? `${hostname()}:${process.pid}`,
        ...(deps.now ? { now: deps.now } : {}),
      });
      const scheduler = new Scheduler(evaluator, outbox, log, {
        pollMs: deps.schedulerPollMs,
        batch: deps.schedulerBatch,
        sweepAfterMs: 10_000,
      });
      late.evaluator = evaluator;
      late.scheduler = scheduler;
      // Tasks a crash left between commit and publish go out before anything new.
      await outbox.sweep(0);
      consumers = await startConsumers(
        bus,
        evaluator,
        {
          durablePrefix: deps.durablePrefix,
          ...(deps.consumerConcurrency ? { concurrency: deps.consumerConcurrency } : {}),
          ...(deps.deliverFrom ? { deliverFrom: deps.deliverFrom } : {}),
          ...(sms ? { sms } : {}),
        },
        log,
      );
      scheduler.start();
      pruneTimer = setInterval(() => {
        pruneOld(pool, INBOX_RETENTION_MS, HISTORY_RETENTION_MS).catch((err: unknown) =>
          log.warn({ err }, 'housekeeping failed'),
        );
      }, 3_600_000);
      pruneTimer.unref();
      server = await startGrpcServer({
        address: deps.grpcAddress,
        logger: log,
        services: [ruleServiceBinding({ catalog, dryRun, feedback, logger: log })],
        ...(deps.meter ? { meter: deps.meter } : {}),
      });
      http = await startHttpApi(deps.httpAddress, {
        bus,
        ...(sms ? { sms } : {}),
        tokenHashes: deps.httpTokenHashes,
        logger: log,
      });
      return { port: server.port, httpPort: http.port };
    },
    /** Drain: stop taking calls and events, finish the round in hand, then close. */
    async stop() {
      if (pruneTimer) clearInterval(pruneTimer);
      await Promise.all([server?.shutdown(deps.shutdownGraceMs), http?.close(deps.shutdownGraceMs)]);
      await late.scheduler?.stop();
      await Promise.all(consumers.map((c) => stopWithin(c, 5_000)));
      await late.outbox?.flush();
      await bus?.close();
      ownDirectory?.close();
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
