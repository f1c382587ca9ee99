import { parseBlindIndexKey } from '@outbound/blind-index';
import { commonVars, loadConfig, loadConfigOrExit, vars, z, type ConfigOf } from '@outbound/config';

export const configShape = {
  grpcAddress: ['GRPC_ADDRESS', vars.string().default('0.0.0.0:50056')],
  ...commonVars,
  /** PostgreSQL schema owned by this service. */
  dbSchema: ['COMPLIANCE_DB_SCHEMA', vars.sqlIdentifier().default('compliance')],
  /** Redis key prefix (tests use a unique one). */
  redisPrefix: ['COMPLIANCE_REDIS_PREFIX', vars.keySafeName().default('outbound')],
  /**
   * Key of this service's own blind index (Redis state, lists, evidence, registries): the same on
   * every replica, kept in a Secret. Never leaves the service.
   */
  blindIndexSecret: ['COMPLIANCE_BLIND_INDEX_SECRET', vars.string().min(16, 'must be at least 16 characters')],
  /**
   * The platform's blind-index key (`@outbound/blind-index`), the same BLIND_INDEX_KEY lead-ingest
   * has: events name numbers by it (`compliance.dnc_added`). Unset: those events are not published.
   */
  blindIndexKey: [
    'BLIND_INDEX_KEY',
    z
      .string()
      .transform((text, ctx) => {
        const key = parseBlindIndexKey(text);
        if (!key) ctx.addIssue({ code: 'custom', message: 'must be 32 bytes in base64 (openssl rand -base64 32)' });
        return key ?? Buffer.alloc(0);
      })
      .optional(),
  ],
  /** How long a replica may use a cached campaign policy before re-reading it. */
  policyCacheMs: ['COMPLIANCE_POLICY_CACHE_MS', vars.durationMs().default(2_000)],
  /** How stale the abandon-rate counts on the hot path may be. */
  abandonCacheMs: ['COMPLIANCE_ABANDON_CACHE_MS', vars.durationMs().default(1_000)],
  /** How often a replica checks whether another one loaded a new registry. */
  registryPollMs: ['COMPLIANCE_REGISTRY_POLL_MS', vars.durationMs().default(5_000)],
  /** How often the whole audit chain is re-hashed from its start (also once at start). */
  auditVerifyMs: ['COMPLIANCE_AUDIT_VERIFY_MS', vars.durationMs().default(3_600_000)],
  /**
   * How long decision evidence is kept (days): 4 years by default, the longest limitation period
   * of the packs' laws (TCPA); never under 2 years.
   */
  evidenceRetentionDays: ['COMPLIANCE_EVIDENCE_RETENTION_DAYS', vars.int(730, 36_500).default(1461)],
  /** Durable consumer name prefix (one set of consumers shared by all replicas). */
  durablePrefix: ['COMPLIANCE_DURABLE_PREFIX', vars.subjectSafeName().default('compliance')],
} as const;

export type ComplianceConfig = ConfigOf<typeof configShape>;

export function loadComplianceConfig(env: NodeJS.ProcessEnv = process.env): ComplianceConfig {
  return loadConfig(configShape, env);
}

export function loadComplianceConfigOrExit(): ComplianceConfig {
  return loadConfigOrExit(configShape);
}
