import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bus, DEAD_LETTER_PREFIX } from '@outbound/bus';
import { createPool, type Pool } from '@outbound/store';
import { createLogger } from '@outbound/telemetry';
import { testUrls, uniqueName } from '@outbound/testkit';
import { createApp, type App, type AppDeps } from '../../src/app.js';
import { loadRecordingConfig, type RecordingConfig } from '../../src/config.js';

export const KEY_1 = Buffer.alloc(32, 7).toString('base64');
export const KEY_2 = Buffer.alloc(32, 9).toString('base64');

export interface Harness {
  readonly app: App;
  readonly config: RecordingConfig;
  readonly port: number;
  readonly name: string;
  readonly root: string;
  readonly sourceDir: string;
  readonly storageDir: string;
  readonly pool: Pool;
  readonly bus: Bus;
  /** `dlq.RECORDING_JOBS.<durable>`: where this app's failed jobs go. */
  readonly jobDeadLetters: string;
  close(): Promise<void>;
}

/** A real recording app on a random port with its own schema, folders, durables and job queue. */
export async function startHarness(
  env: Record<string, string> = {},
  deps: Partial<AppDeps> = {},
  /** Another replica of an earlier harness: the same schema, folders, durables and queue. */
  shared?: Harness,
): Promise<Harness> {
  const name =
    shared?.name ??
    uniqueName('rec')
      .toLowerCase()
      .replace(/[^a-z0-9_]/g, '_');
  const root = shared?.root ?? mkdtempSync(join(tmpdir(), 'recording-test-'));
  const sourceDir = join(root, 'switch');
  const storageDir = join(root, 'vault');
  const config = loadRecordingConfig({
    GRPC_ADDRESS: '127.0.0.1:0',
    NATS_URL: testUrls.nats,
    REDIS_URL: testUrls.redis,
    DATABASE_URL: testUrls.database,
    LOG_LEVEL: 'silent',
    RECORDING_DB_SCHEMA: name,
    RECORDING_DURABLE_PREFIX: name,
    RECORDINGS_SOURCE_DIR: sourceDir,
    RECORDING_STORAGE_DIR: storageDir,
    RECORDING_STORAGE_BUCKET: name,
    RECORDING_KEYS: `k1:${KEY_1}`,
    COMPLIANCE_ADDRESS: '127.0.0.1:1',
    RECORDING_RPC_DEADLINE_MS: '2s',
    TRANSCRIBE_BACKOFF_MS: '200ms',
    TRANSCRIBE_MAX_ATTEMPTS: '3',
    INGEST_MAX_ATTEMPTS: '3',
    PURGE_INTERVAL_MS: '1h',
    SHUTDOWN_GRACE_MS: '5s',
    ...env,
  });
  const logger = createLogger({ service: 'recording-test', level: 'silent' });
  const app = createApp({ config, logger, ...deps });
  const { port } = await app.start();
  const pool = createPool({ url: testUrls.database, applicationName: 'recording-test' });
  const bus = await Bus.connect({ url: testUrls.nats, name: 'recording-test', logger });
  return {
    app,
    config,
    port,
    name,
    root,
    sourceDir,
    storageDir,
    pool,
    bus,
    jobDeadLetters: `${DEAD_LETTER_PREFIX}.RECORDING_JOBS.${name}_transcribe`,
    async close() {
      await app.stop();
      await bus.close();
      await pool.end();
    },
  };
}

/** A PCM 16-bit WAV: `channels` channels at `rate` Hz, `ms` long, a quiet tone (no speech). */
export function wavBytes(options: { rate?: number; channels?: number; ms?: number } = {}): Buffer {
  const rate = options.rate ?? 8000;
  const channels = options.channels ?? 2;
  const frames = Math.round(((options.ms ?? 500) * rate) / 1000);
  const data = Buffer.alloc(frames * channels * 2);
  for (let i = 0; i < frames; i++)
    for (let c = 0; c < channels; c++)
      data.writeInt16LE(Math.round(800 * Math.sin((2 * Math.PI * 440 * i) / rate)), (i * channels + c) * 2);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * channels * 2, 28);
  header.writeUInt16LE(channels * 2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

/** Dead letters published to `subject` from now on: their reason headers, as they arrive. */
export function watchDeadLetters(bus: Bus, subject: string): { reasons: Map<string, string>; stop(): void } {
  const reasons = new Map<string, string>();
  const sub = bus.connection.subscribe(subject);
  void (async () => {
    for await (const msg of sub) {
      const body = JSON.parse(Buffer.from(msg.data).toString('utf8')) as { data: { recordingId: string } };
      reasons.set(body.data.recordingId, msg.headers?.get('Outbound-Dead-Letter-Reason') ?? '');
    }
  })();
  return { reasons, stop: () => sub.unsubscribe() };
}
