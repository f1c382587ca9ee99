import { commonVars, loadConfig, loadConfigOrExit, vars, z, type ConfigOf } from '@outbound/config';

export const configShape = {
  grpcAddress: ['GRPC_ADDRESS', vars.string().default('0.0.0.0:50064')],
  ...commonVars,
  /** PostgreSQL schema owned by this service. */
  dbSchema: ['DIALER_SCHEMA', vars.sqlIdentifier().default('dialer')],
  /** Redis key prefix (tests use a unique one). */
  redisPrefix: ['DIALER_REDIS_PREFIX', vars.keySafeName().default('outbound')],
  /** Durable consumer name prefix (one set of consumers shared by all replicas). */
  durablePrefix: ['DIALER_DURABLE_PREFIX', vars.subjectSafeName().default('dialer')],
  mediaAddress: ['MEDIA_ADDRESS', vars.string().default('127.0.0.1:50061')],
  complianceAddress: ['COMPLIANCE_ADDRESS', vars.string().default('127.0.0.1:50062')],
  leadIngestAddress: ['LEAD_INGEST_ADDRESS', vars.string().default('127.0.0.1:50063')],
  /** The bearer token lead-ingest's PII_REVEAL_GRANTS grants the dialer (it reads the numbers it dials). */
  leadIngestRevealToken: ['LEAD_INGEST_REVEAL_TOKEN', vars.string()],
  /** An agent's wrap-up after a call, unless a disposition ends it first. */
  wrapUpMs: ['WRAP_UP_MS', vars.durationMs().default(5_000)],
  /** A live answer with no agent this long after answer is abandoned (the 2-second rule). */
  abandonAfterMs: ['ABANDON_AFTER_MS', vars.durationMs().default(2_000)],
  /**
   * With AMD on, an answer waits at most this long for the verdict and is then served as unknown
   * (a node with only mod_avmd listens for a beep for seconds; a person would be abandoned).
   */
  amdWaitMs: ['AMD_WAIT_MS', vars.durationMs().default(1_000)],
  tickMs: ['TICK_MS', vars.durationMs().default(100)],
  /** A placed call with no event for this long is hung up and its attempt ended (its hang-up was lost). */
  staleCallMs: ['STALE_CALL_MS', vars.durationMs().default(2 * 3_600_000)],
  /**
   * A campaign's lease (NATS KV): a replica that stops renewing it for this long loses the
   * campaign to another; renewed (and free campaigns looked for) every OWNERSHIP_EVERY_MS.
   */
  /**
   * The lines calls go out on, as JSON: `[{"name":"a","gateway":"carrier1","lineClass":"standard",
   * "channels":30,"callsPerSecond":10,"backup":"b"}, ...]`. Unset: each campaign's gateway.
   */
  lines: [
    'LINES',
    z
      .string()
      .transform((text, ctx) => {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          ctx.addIssue({ code: 'custom', message: 'must be JSON' });
          return z.NEVER;
        }
      })
      .pipe(
        z
          .array(
            z.object({
              name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a subject-safe name'),
              gateway: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be a gateway name'),
              lineClass: z.enum(['premium', 'standard']),
              channels: z.number().int().min(1),
              callsPerSecond: z.number().positive(),
              backup: z.string().optional(),
            }),
          )
          .min(1, 'must name at least one line'),
      )
      .optional(),
  ],
  /** A line whose failures in its window reach this share is taken out (0.1 = 10 %). */
  lineFailureLimit: ['LINE_FAILURE_LIMIT', vars.number(0.01, 1).default(0.1)],
  /** How long a line taken out rests before probe calls try it. */
  lineProbationMs: ['LINE_PROBATION_MS', vars.durationMs().default(60_000)],
  leaseTtlMs: ['CAMPAIGN_LEASE_TTL_MS', vars.durationMs().default(3_000)],
  ownershipEveryMs: ['OWNERSHIP_EVERY_MS', vars.durationMs().default(1_000)],
  /** Channels and calls per second one campaign may use (the gateway's share). */
  channels: ['CHANNELS', vars.int(1, 100_000).default(60)],
  maxCps: ['MAX_CPS', vars.int(1, 10_000).default(10)],
} as const;

export type DialerConfig = ConfigOf<typeof configShape>;

export function loadDialerConfig(env: NodeJS.ProcessEnv = process.env): DialerConfig {
  return loadConfig(configShape, env);
}

export function loadDialerConfigOrExit(): DialerConfig {
  return loadConfigOrExit(configShape);
}
