import { commonVars, loadConfig, loadConfigOrExit, vars, z, type ConfigOf } from '@outbound/config';
import { parseKeyring, type RecordingKey } from './domain/crypto.js';
import { parseWindow, type TimeWindow } from './domain/window.js';

const keyring = z
  .string({ error: 'is required (id:base64 pairs, e.g. r1:$(openssl rand -base64 32))' })
  .transform((raw, ctx): RecordingKey[] => {
    const parsed = parseKeyring(raw);
    for (const problem of parsed.problems) ctx.addIssue({ code: 'custom', message: problem });
    return parsed.keys;
  });

const window = z.string().transform((raw, ctx): TimeWindow => {
  const parsed = parseWindow(raw);
  if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
  return typeof parsed === 'string' ? { startMinute: 0, endMinute: 0 } : parsed;
});

const zone = vars.string().refine((value) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}, 'must be an IANA time zone such as Asia/Shanghai');

export const configShape = {
  grpcAddress: ['GRPC_ADDRESS', vars.string().default('0.0.0.0:50057')],
  ...commonVars,
  /** PostgreSQL schema owned by this service. */
  dbSchema: ['RECORDING_DB_SCHEMA', vars.sqlIdentifier().default('recording')],
  /** Durable consumer name prefix (one set of consumers shared by all replicas). */
  durablePrefix: ['RECORDING_DURABLE_PREFIX', vars.subjectSafeName().default('recording')],
  /** media's gRPC address (StartRecording); unset: this service starts no recordings itself. */
  mediaAddress: ['MEDIA_ADDRESS', vars.string().optional()],
  /** compliance's gRPC address: sensitive words (ScanTranscript) and the audit log (RecordAudit). */
  complianceAddress: ['COMPLIANCE_ADDRESS', vars.string().default('127.0.0.1:50056')],
  rpcDeadlineMs: ['RECORDING_RPC_DEADLINE_MS', vars.durationMs().default(5_000)],
  /**
   * The switch's recordings folder as this service sees it (media's RECORDINGS_DIR on a shared
   * volume): files arrive at `<folder>/<callId>/<recordingId>.wav` and are removed once stored.
   */
  sourceDir: [
    'RECORDINGS_SOURCE_DIR',
    vars
      .string()
      .regex(/^\/[^\s'"]*$/, 'must be an absolute path')
      .default('/var/lib/freeswitch/recordings'),
  ],
  /** Where encrypted recordings go: a folder (a volume) or the NATS JetStream object store. */
  storageBackend: ['RECORDING_STORAGE', vars.oneOf(['filesystem', 'object-store']).default('filesystem')],
  storageDir: [
    'RECORDING_STORAGE_DIR',
    vars
      .string()
      .regex(/^\/[^\s'"]*$/, 'must be an absolute path')
      .default('/var/lib/outbound/recordings'),
  ],
  /** Object store bucket (RECORDING_STORAGE=object-store). */
  storageBucket: ['RECORDING_STORAGE_BUCKET', vars.keySafeName().default('recordings')],
  /** AES-256 keys, `id:base64` pairs; new files use the active key, older ones still open (rotation). */
  keys: ['RECORDING_KEYS', keyring],
  /** Defaults to the last key in RECORDING_KEYS, so rotation is "append a key". */
  activeKeyId: ['RECORDING_ACTIVE_KEY_ID', vars.string().optional()],
  /** For campaigns without a policy of their own (SetRecordingPolicy). */
  defaultRecordMode: ['RECORDING_DEFAULT_MODE', vars.oneOf(['off', 'on_answer', 'on_bridge']).default('on_answer')],
  defaultRetentionDays: ['RECORDING_DEFAULT_RETENTION_DAYS', vars.int(1, 36_500).default(365)],
  defaultIndustry: ['RECORDING_DEFAULT_INDUSTRY', vars.string().default('general')],
  /**
   * Deliveries of a `calls.recorded` before it goes to dead letters (a file not on the shared volume
   * yet is retried with back-off: 0.25 s doubling, capped at 30 s).
   */
  ingestMaxAttempts: ['INGEST_MAX_ATTEMPTS', vars.int(1, 50).default(8)],
  /** Transcription: off leaves recordings stored but untranscribed (jobs wait in the queue). */
  transcribe: ['TRANSCRIBE_ENABLED', vars.bool().default(true)],
  /**
   * Jobs transcribed at once per replica. The engine processes stay up between jobs: up to this many
   * for free transcription and this many per campaign keyword set, each stopped after 5 idle minutes.
   */
  transcribeConcurrency: ['TRANSCRIBE_CONCURRENCY', vars.int(1, 64).default(1)],
  /** Deliveries of a job before it goes to dead letters (a bad file goes at once). */
  transcribeMaxAttempts: ['TRANSCRIBE_MAX_ATTEMPTS', vars.int(1, 20).default(4)],
  /** First retry delay; doubled per attempt, capped at 32×. */
  transcribeBackoffMs: ['TRANSCRIBE_BACKOFF_MS', vars.durationMs().default(30_000)],
  /** A job must be done (or reported working) within this; pocketsphinx is killed at ASR_TIMEOUT_MS. */
  transcribeAckWaitMs: ['TRANSCRIBE_ACK_WAIT_MS', vars.durationMs().default(300_000)],
  /** Low-priority window, e.g. `22:00-06:00`: jobs are taken only then. Unset: at any time. */
  transcribeWindow: ['TRANSCRIBE_WINDOW', window.optional()],
  transcribeWindowZone: ['TRANSCRIBE_WINDOW_ZONE', zone.default('UTC')],
  /** Engine run limit per file; default 20 s plus twice the audio's length. */
  asrTimeoutMs: ['ASR_TIMEOUT_MS', vars.durationMs().optional()],
  /** The pocketsphinx_batch program (PATH by default) and model folder (Debian's en-us by default). */
  asrBinary: ['ASR_BINARY', vars.string().optional()],
  asrModelDir: ['ASR_MODEL_DIR', vars.string().optional()],
  /**
   * Acoustic model folder, e.g. the adapted model `scripts/asr-model` builds (`.cache/asr/en-us-adapted`);
   * default the `en-us` folder of ASR_MODEL_DIR. The service refuses to start when a model file is missing.
   */
  asrAcousticModel: ['ASR_ACOUSTIC_MODEL', vars.string().optional()],
  /** How often the retention purge runs, and how many recordings one run takes at most. */
  purgeIntervalMs: ['PURGE_INTERVAL_MS', vars.durationMs().default(3_600_000)],
  purgeBatch: ['PURGE_BATCH', vars.int(1, 10_000).default(200)],
  /** Bytes per message of StreamRecording. */
  streamChunkBytes: ['STREAM_CHUNK_BYTES', vars.int(1024, 4 * 1024 * 1024).default(64 * 1024)],
} as const;

export type RecordingConfig = ConfigOf<typeof configShape>;

function checked(config: RecordingConfig): RecordingConfig {
  const active = config.activeKeyId ?? config.keys[config.keys.length - 1]?.id;
  if (!config.keys.some((k) => k.id === active))
    throw new Error('RECORDING_ACTIVE_KEY_ID: must name a key of RECORDING_KEYS');
  return config;
}

export function loadRecordingConfig(env: NodeJS.ProcessEnv = process.env): RecordingConfig {
  return checked(loadConfig(configShape, env));
}

export function loadRecordingConfigOrExit(): RecordingConfig {
  const config = loadConfigOrExit(configShape);
  try {
    return checked(config);
  } catch (error) {
    process.stderr.write(`invalid configuration:\n  ${(error as Error).message}\n`);
    process.exit(78);
  }
}
