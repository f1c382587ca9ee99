// The gateway's settings, validated at start-up.

import { readFileSync } from 'node:fs';
import { commonVars, loadConfigOrExit, vars, z } from '@outbound/config';
import { ROLES, type User } from './domain/session.js';

const userSchema = z.object({
  username: z.string().min(1),
  role: z.enum(ROLES as unknown as ['agent', 'supervisor', 'admin']),
  passwordHash: z.string().startsWith('scrypt$'),
  agentId: z.string().optional(),
  reveal: z.boolean().optional(),
});

/** The gateway's variables (the chart's test checks what it sets against them). */
export const configShape = {
  logLevel: commonVars.logLevel,
  metricsAddress: commonVars.metricsAddress,
  httpAddress: ['HTTP_ADDRESS', vars.string().default('127.0.0.1:8090')],
  dialerAddress: ['DIALER_ADDRESS', vars.string().default('127.0.0.1:50064')],
  leadIngestAddress: ['LEAD_INGEST_ADDRESS', vars.string().default('127.0.0.1:50063')],
  complianceAddress: ['COMPLIANCE_ADDRESS', vars.string().default('127.0.0.1:50062')],
  /** The recording service; with NATS_URL, transcripts are pushed to desks and wallboards (unset: no transcripts). */
  recordingAddress: ['RECORDING_ADDRESS', vars.string().optional()],
  natsUrl: ['NATS_URL', vars.string().optional()],
  /** A JSON file: [{ username, role, passwordHash, agentId?, reveal? }] (hashes from `hash-password`). */
  usersFile: ['CONSOLE_USERS_FILE', vars.string()],
  sessionSecret: ['SESSION_SECRET', vars.string().min(32, 'must be at least 32 characters')],
  sessionTtlMs: ['SESSION_TTL', vars.durationMs().default(8 * 3_600_000)],
  webDir: ['WEB_DIR', vars.string().default(new URL('../../web', import.meta.url).pathname)],
  boardFlushMs: ['BOARD_FLUSH_MS', vars.int(5, 2_000).default(50)],
  amdFalsePositiveShare: ['AMD_FALSE_POSITIVE_SHARE', vars.number(0, 1).default(0)],
  secureCookies: ['SECURE_COOKIES', vars.bool().default(false)],
} as const;

export function loadConfig() {
  const config = loadConfigOrExit(configShape);
  const parsed = z
    .array(userSchema)
    .min(1)
    .safeParse(JSON.parse(readFileSync(config.usersFile, 'utf8')));
  if (!parsed.success) {
    process.stderr.write(`CONSOLE_USERS_FILE is not a valid user list: ${parsed.error.message}\n`);
    process.exit(1);
  }
  return { ...config, users: parsed.data as User[] };
}
