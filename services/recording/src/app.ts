import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bus, STREAMS, stopWithin, type ConsumerHandle } from '@outbound/bus';
import { startGrpcServer, type GrpcServer } from '@outbound/rpc';
import { createPool, loadMigrations, migrate } from '@outbound/store';
import type { Logger, Meter } from '@outbound/telemetry';
import { PocketsphinxTranscriber } from './adapters/asr/transcriber.js';
import { GrpcCompliance, GrpcMedia } from './adapters/grpc/clients.js';
import { recordingService } from './adapters/grpc/handlers.js';
import { RecordingMetrics } from './adapters/metrics.js';
import { startCallConsumers } from './adapters/nats/consumers.js';
import {
  BusReadyPublisher,
  JetStreamTranscriptionQueue,
  TranscriptionWorker,
} from './adapters/nats/transcription-queue.js';
import { SwitchFolder } from './adapters/source/switch-folder.js';
import { SqlPolicies } from './adapters/sql/policies.js';
import { SqlRecordings } from './adapters/sql/recordings.js';
import { SqlTranscripts } from './adapters/sql/transcripts.js';
import { FilesystemBlobStore } from './adapters/storage/filesystem.js';
import { ObjectStoreBlobStore } from './adapters/storage/object-store.js';
import { Periodic } from './adapters/timer/periodic.js';
import type { RecordingConfig } from './config.js';
import { Keyring } from './domain/crypto.js';
import type { PolicyDefaults } from './domain/policy.js';
import { IngestRecording } from './use-cases/ingest-recording.js';
import { ManagePolicies } from './use-cases/manage-policies.js';
import type { BlobStore, Transcriber } from './use-cases/ports.js';
import { PurgeExpired } from './use-cases/purge-expired.js';
import { RecordingQueries } from './use-cases/queries.js';
import { ReencryptRecordings } from './use-cases/rotate-keys.js';
import { StartRecording } from './use-cases/start-recording.js';
import { StreamRecording } from './use-cases/stream-recording.js';
import { TranscribeRecording } from './use-cases/transcribe-recording.js';
import { RecordingVault } from './use-cases/vault.js';

export interface AppDeps {
  readonly config: RecordingConfig;
  readonly logger: Logger;
  readonly meter?: Meter;
  readonly now?: () => number;
  /** Another speech engine (tests); pocketsphinx by default. */
  readonly transcriber?: Transcriber;
}

export interface App {
  start(): Promise<{ port: number }>;
  stop(): Promise<void>;
  /** For tests and operators' one-off runs: one retention purge, one re-encryption pass. */
  purgeOnce(): ReturnType<PurgeExpired['runOnce']>;
  reencryptOnce(limit?: number): Promise<number>;
  /** The use cases, for tests that drive them without events. */
  readonly ingest: IngestRecording;
  readonly vault: () => RecordingVault;
}

const migrationsDir = fileURLToPath(new URL('../../migrations/', import.meta.url));

export function createApp(deps: AppDeps): App {
  const { config, logger } = deps;
  const now = deps.now ?? Date.now;
  const schema = config.dbSchema;
  const pool = createPool({
    url: config.databaseUrl,
    applicationName: 'recording',
    onIdleError: (error) => logger.warn({ err: error }, 'idle PostgreSQL client error'),
  });
  const metrics = deps.meter ? new RecordingMetrics(deps.meter) : undefined;
  const keyring = new Keyring(config.keys, config.activeKeyId);
  const recordings = new SqlRecordings(pool, schema);
  const transcripts = new SqlTranscripts(pool, schema);
  const policies = new SqlPolicies(pool, schema);
  const source = new SwitchFolder(config.sourceDir);
  const compliance = new GrpcCompliance(config.complianceAddress, config.rpcDeadlineMs, deps.meter);
  const media = config.mediaAddress ? new GrpcMedia(config.mediaAddress, config.rpcDeadlineMs, deps.meter) : undefined;
  const defaults: PolicyDefaults = {
    mode: config.defaultRecordMode,
    retentionDays: config.defaultRetentionDays,
    industry: config.defaultIndustry,
  };
  const transcriber =
    deps.transcriber ??
    new PocketsphinxTranscriber({
      ...(config.asrBinary ? { binary: config.asrBinary } : {}),
      ...(config.asrModelDir ? { modelDir: config.asrModelDir } : {}),
      ...(config.asrAcousticModel
        ? { hmm: config.asrAcousticModel, engineName: `pocketsphinx-${basename(config.asrAcousticModel)}` }
        : {}),
      maxEnginesPerSearch: config.transcribeConcurrency,
      ...(config.asrTimeoutMs ? { timeoutMs: config.asrTimeoutMs } : {}),
    });

  let bus: Bus | undefined;
  let vault: RecordingVault | undefined;
  let server: GrpcServer | undefined;
  let consumers: ConsumerHandle[] = [];
  let worker: TranscriptionWorker | undefined;
  let purge: PurgeExpired | undefined;
  let purger: Periodic | undefined;
  const ingestProxy: { current?: IngestRecording } = {};

  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what}: the app is not started`);
    return value;
  };

  return {
    get ingest() {
      return need(ingestProxy.current, 'ingest');
    },
    vault: () => need(vault, 'vault'),

    async start() {
      // A missing model would fail every job: refuse to start instead, saying which file.
      if (config.transcribe) await transcriber.check?.();
      await migrate(pool, { schema, migrations: await loadMigrations(migrationsDir) });
      bus = await Bus.connect({
        url: config.natsUrl,
        name: 'recording',
        logger,
        ...(deps.meter ? { meter: deps.meter } : {}),
      });
      await bus.ensureStreams(STREAMS);
      const store: BlobStore =
        config.storageBackend === 'object-store'
          ? await ObjectStoreBlobStore.open(bus.connection.jetstream(), config.storageBucket)
          : new FilesystemBlobStore(config.storageDir);
      vault = new RecordingVault(keyring, store);
      const queue = new JetStreamTranscriptionQueue(bus, config.durablePrefix);
      const ingest = new IngestRecording({
        recordings,
        policies,
        source,
        vault,
        queue,
        defaults,
        logger,
        now,
        ...(metrics ? { observer: metrics } : {}),
      });
      ingestProxy.current = ingest;
      const start = new StartRecording({ policies, recordings, media, defaults, logger });
      if (!media)
        logger.warn(
          'MEDIA_ADDRESS is not set: this service starts no recordings (it still stores those media reports)',
        );
      consumers = await startCallConsumers({
        bus,
        durablePrefix: config.durablePrefix,
        start,
        ingest,
        recordings,
        ingestMaxAttempts: config.ingestMaxAttempts,
      });
      if (config.transcribe) {
        worker = new TranscriptionWorker({
          bus,
          durable: `${config.durablePrefix}_transcribe`,
          queue: config.durablePrefix,
          transcribe: new TranscribeRecording({
            recordings,
            transcripts,
            policies,
            vault,
            transcriber,
            scanner: compliance,
            ready: new BusReadyPublisher(bus),
            defaults,
            logger,
            ...(metrics ? { observer: metrics } : {}),
          }),
          concurrency: config.transcribeConcurrency,
          maxAttempts: config.transcribeMaxAttempts,
          backoffMs: config.transcribeBackoffMs,
          ackWaitMs: config.transcribeAckWaitMs,
          window: config.transcribeWindow,
          zone: config.transcribeWindowZone,
          logger,
          now,
        });
        await worker.start();
      }
      purge = new PurgeExpired({
        recordings,
        vault,
        audit: compliance,
        logger,
        now,
        batch: config.purgeBatch,
        ...(metrics ? { onPurged: (n: number) => metrics.purged(n) } : {}),
      });
      purger = new Periodic('retention purge', config.purgeIntervalMs, (signal) => purge!.runOnce(signal), logger);
      purger.start();
      server = await startGrpcServer({
        address: config.grpcAddress,
        services: [
          recordingService(
            {
              queries: new RecordingQueries({ recordings, transcripts }),
              stream: new StreamRecording({
                recordings,
                vault,
                audit: compliance,
                chunkBytes: config.streamChunkBytes,
              }),
              policies: new ManagePolicies({ policies, audit: compliance, defaults }),
            },
            logger,
          ),
        ],
        logger,
        ...(deps.meter ? { meter: deps.meter } : {}),
      });
      return { port: server.port };
    },

    purgeOnce: () => need(purge, 'purge').runOnce(),
    reencryptOnce: (limit = 100) =>
      new ReencryptRecordings({ recordings, vault: need(vault, 'vault'), logger }).runOnce(limit),

    async stop() {
      // Stop taking work first, then finish what is in hand, then close connections.
      await server?.shutdown(config.shutdownGraceMs);
      await purger?.stop();
      await Promise.all(consumers.map((c) => stopWithin(c, 10_000)));
      await worker?.stop(config.shutdownGraceMs);
      await transcriber.close?.();
      await bus?.close();
      compliance.close();
      media?.close();
      await pool.end();
    },
  };
}
