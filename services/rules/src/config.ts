import { commonVars, vars, z } from '@outbound/config';

/** `sha256hex,sha256hex`: SHA-256 of each bearer token the HTTP API accepts (never the token). */
const tokenHashes = z.string().transform((raw, ctx): Buffer[] => {
  const out: Buffer[] = [];
  for (const [i, part] of raw.split(',').entries()) {
    const hex = part.trim();
    if (!/^[0-9a-f]{64}$/.test(hex)) ctx.addIssue({ code: 'custom', message: `entry ${i + 1} must be 64 hex digits` });
    else out.push(Buffer.from(hex, 'hex'));
  }
  return out;
});

export const configShape = {
  ...commonVars,
  schema: ['RULES_SCHEMA', vars.sqlIdentifier().default('rules')],
  grpcAddress: ['GRPC_ADDRESS', vars.string().default('0.0.0.0:50056')],
  httpAddress: ['HTTP_ADDRESS', vars.string().default('0.0.0.0:8086')],
  /** lead-ingest's gRPC API (lead fields for the rules; numbers for SMS with the reveal token). */
  leadIngestAddress: ['LEAD_INGEST_ADDRESS', vars.string().default('127.0.0.1:50053')],
  leadRevealToken: ['LEAD_REVEAL_TOKEN', vars.string().optional()],
  /** Durable consumer names are `<prefix>-<purpose>`, shared by this deployment's replicas. */
  durablePrefix: ['RULES_DURABLE_PREFIX', vars.subjectSafeName().default('rules')],
  /** Events evaluated at once per busy consumer in one replica. */
  consumerConcurrency: ['CONSUMER_CONCURRENCY', vars.int(1, 64).default(4)],
  /** Zone for leads without one (callee local time). */
  defaultTimeZone: ['DEFAULT_TIME_ZONE', vars.string().default('Asia/Shanghai')],
  /** The run-time stop: tasks per lead per day whatever the rules say. */
  hardCapPerDay: ['RULES_HARD_CAP_PER_DAY', vars.int(1, 1000).default(20)],
  /** How soon a publish on another replica takes effect here. */
  activeRulesTtlMs: ['RULES_ACTIVE_TTL_MS', vars.durationMs().default(2_000)],
  schedulerPollMs: ['SCHEDULER_POLL_MS', vars.durationMs().default(1_000)],
  schedulerBatch: ['SCHEDULER_BATCH', vars.int(1, 5_000).default(200)],
  /** Unset: this deployment does not send SMS (tasks.sms wait for a sender). */
  smsWebhookUrl: ['SMS_WEBHOOK_URL', vars.url(['http', 'https']).optional()],
  smsWebhookToken: ['SMS_WEBHOOK_TOKEN', vars.string().optional()],
  /** Public URL of this service's /v1/sms/status, sent to the provider. */
  smsStatusCallbackUrl: ['SMS_STATUS_CALLBACK_URL', vars.url(['http', 'https']).optional()],
  /** Unset: every webhook and status post is refused (403). */
  httpTokenHashes: ['HTTP_TOKEN_SHA256', tokenHashes.default([])],
} as const;
