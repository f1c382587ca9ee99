import { commonVars, vars, z } from '@outbound/config';
import { DEFAULT_TIER_RULES, tierRulesSchema, type TierRule } from './domain/tiers.js';
import { isCountryCode } from './domain/phone.js';
import { parseTokenGrants, type TokenGrant } from './domain/grants.js';

const key32 = z
  .string()
  .refine(
    (v) => /^[A-Za-z0-9+/]{43}=$/.test(v) && Buffer.from(v, 'base64').length === 32,
    'must be 32 bytes in base64 (openssl rand -base64 32)',
  );

/** `k1:<base64>,k2:<base64>`: every key that may still open stored values; ids are short tokens. */
const piiKeys = z
  .string({ error: 'is required (id:base64 pairs, e.g. k1:$(openssl rand -base64 32))' })
  .transform((raw, ctx) => {
    const keys: Array<{ id: string; key: Buffer }> = [];
    for (const [index, pair] of raw.split(',').entries()) {
      const cut = pair.indexOf(':');
      const id = pair.slice(0, cut).trim();
      const secret = pair.slice(cut + 1).trim();
      if (cut < 1 || !/^[A-Za-z0-9_-]{1,32}$/.test(id))
        ctx.addIssue({ code: 'custom', message: `entry ${index + 1} must be id:base64key with a short id` });
      else if (!key32.safeParse(secret).success)
        ctx.addIssue({ code: 'custom', message: `key ${id} must be 32 bytes in base64` });
      else keys.push({ id, key: Buffer.from(secret, 'base64') });
    }
    return keys;
  });

/** `name:sha256hex,…`: who may do something (the SHA-256 of each bearer token, never the token). */
const tokenGrants = z.string().transform((raw, ctx): TokenGrant[] => {
  const { grants, problems } = parseTokenGrants(raw);
  for (const message of problems) ctx.addIssue({ code: 'custom', message });
  return grants;
});

const tierRules = z.string().transform((raw, ctx): TierRule[] => {
  try {
    const parsed = tierRulesSchema.safeParse(JSON.parse(raw));
    if (parsed.success) return parsed.data;
  } catch {
    // fall through to the issue below
  }
  ctx.addIssue({ code: 'custom', message: 'must be a JSON array of {tier, intents?, minOrderValue?, maxOrderValue?}' });
  return [];
});

export const configShape = {
  ...commonVars,
  schema: ['LEAD_INGEST_SCHEMA', vars.sqlIdentifier().default('lead_ingest')],
  grpcAddress: ['GRPC_ADDRESS', vars.string().default('0.0.0.0:50053')],
  piiKeys: ['PII_KEYS', piiKeys],
  /** Defaults to the last key in PII_KEYS, so rotation is "append a key". */
  piiActiveKeyId: ['PII_ACTIVE_KEY_ID', vars.string().optional()],
  /** The platform's blind-index key (`@outbound/blind-index`): compliance must have the same one. */
  blindIndexKey: ['BLIND_INDEX_KEY', key32.transform((v) => Buffer.from(v, 'base64'))],
  defaultRegion: [
    'DEFAULT_REGION',
    vars.string().refine(isCountryCode, 'must be an ISO 3166 country code such as CN').default('CN'),
  ],
  tierRules: ['TIER_RULES', tierRules.default([...DEFAULT_TIER_RULES])],
  importBatchRows: ['IMPORT_BATCH_ROWS', vars.int(1, 50_000).default(10_000)],
  maxRejectsStored: ['MAX_REJECTS_STORED', vars.int(0, 10_000_000).default(100_000)],
  /** host:port of compliance's gRPC API; unset: imports bar no number (logged at start). */
  complianceAddress: ['COMPLIANCE_ADDRESS', vars.string().optional()],
  /** The calls.hangup consumer shared by this deployment's replicas (another deployment on the same NATS needs its own). */
  deadNumbersDurable: ['DEAD_NUMBERS_DURABLE', vars.subjectSafeName().default('lead-ingest-dead-numbers')],
  /** The compliance.optout consumer shared by this deployment's replicas. */
  optOutsDurable: ['OPT_OUTS_DURABLE', vars.subjectSafeName().default('lead-ingest-opt-outs')],
  /** The compliance.dnc_added consumer shared by this deployment's replicas. */
  dncAddedDurable: ['DNC_ADDED_DURABLE', vars.subjectSafeName().default('lead-ingest-dnc-added')],
  /** Where a new compliance.dnc_added durable starts: `all` catches up on the stream's year of
   *  additions (a fresh deployment), `new` only what is added from then on (its lists are new too). */
  dncAddedFrom: ['DNC_ADDED_FROM', vars.oneOf(['all', 'new']).default('all')],
  /** Unset: nobody sees clear numbers or names through the API. */
  piiRevealGrants: ['PII_REVEAL_GRANTS', tokenGrants.default([])],
  /** host:port of the HTTP API (webhook-style upserts from CRM and order systems, and /healthz). */
  httpAddress: ['HTTP_ADDRESS', vars.string().default('0.0.0.0:8083')],
  /** Unset: the HTTP upsert refuses every call (403). */
  upsertGrants: ['UPSERT_GRANTS', tokenGrants.default([])],
} as const;
