import { z } from 'zod';

export { z };

/** A variable name and the zod schema its raw string value must satisfy. */
export type VarSpec<T> = readonly [name: string, schema: z.ZodType<T, unknown>];

type Shape = Record<string, VarSpec<unknown>>;
export type ConfigOf<S extends Shape> = { readonly [K in keyof S]: S[K] extends VarSpec<infer T> ? T : never };

export interface ConfigIssue {
  variable: string;
  message: string;
}

/** Raised when the environment is wrong; names every offending variable, never echoes secrets. */
export class ConfigError extends Error {
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(`invalid configuration:\n${issues.map((i) => `  ${i.variable}: ${i.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parse the environment against a shape of `[VARIABLE, schema]` pairs and return a frozen, typed
 * object. Every problem is reported at once so an operator fixes them in one go.
 */
export function loadConfig<S extends Shape>(shape: S, env: NodeJS.ProcessEnv = process.env): ConfigOf<S> {
  const issues: ConfigIssue[] = [];
  const out: Record<string, unknown> = {};
  for (const [key, [variable, schema]] of Object.entries(shape)) {
    const raw = env[variable];
    const result = schema.safeParse(raw === '' ? undefined : raw);
    if (result.success) out[key] = result.data;
    else issues.push({ variable, message: result.error.issues.map((i) => i.message).join(', ') });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return Object.freeze(out) as ConfigOf<S>;
}

/** For main.ts: a bad value stops the process with a message naming the variable (exit 78, EX_CONFIG). */
export function loadConfigOrExit<S extends Shape>(shape: S, env: NodeJS.ProcessEnv = process.env): ConfigOf<S> {
  try {
    return loadConfig(shape, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(78);
  }
}

// Schemas for the kinds of values services read. Each accepts the raw string from the environment.

export const vars = {
  string: () => z.string({ error: 'is required' }).min(1, 'must not be empty'),
  url: (protocols: readonly string[]) =>
    z.string({ error: 'is required' }).refine(
      (value) => {
        try {
          return protocols.includes(new URL(value).protocol.replace(/:$/, ''));
        } catch {
          return false;
        }
      },
      `must be a URL with scheme ${protocols.join(' or ')}`,
    ),
  int: (min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER) =>
    z
      .string({ error: 'is required' })
      .regex(/^-?\d+$/, 'must be an integer')
      .transform(Number)
      .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`)),
  number: (min = -Infinity, max = Infinity) =>
    z
      .string({ error: 'is required' })
      .regex(/^-?\d+(\.\d+)?$/, 'must be a number')
      .transform(Number)
      .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`)),
  port: () => vars.int(0, 65535),
  /** Milliseconds: a bare integer, or a number with ms/s/m/h. */
  durationMs: () =>
    z
      .string({ error: 'is required' })
      .regex(/^\d+(\.\d+)?(ms|s|m|h)?$/, 'must be a duration such as 500ms, 30s, 5m or 2h')
      .transform((value) => {
        const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value)!;
        const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(match[2] ?? 'ms') as 'ms' | 's' | 'm' | 'h'];
        return Math.round(Number(match[1]) * unit);
      }),
  bool: () =>
    z
      .string({ error: 'is required' })
      .regex(/^(true|false|1|0|yes|no)$/i, 'must be true or false')
      .transform((value) => /^(true|1|yes)$/i.test(value)),
  oneOf: <const T extends readonly [string, ...string[]]>(values: T) =>
    z.enum(values, { error: `must be one of ${values.join(', ')}` }),
  /** A PostgreSQL schema or table name a service owns (used unquoted in SQL). */
  sqlIdentifier: () => vars.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier'),
  /** A name safe inside Redis keys, NATS subjects and durable names (tests use unique ones). */
  keySafeName: () => vars.string().regex(/^[A-Za-z0-9_.@-]+$/, 'must be a key-safe name'),
  /** A name safe as a NATS subject token or durable consumer name. */
  subjectSafeName: () => vars.string().regex(/^[A-Za-z0-9_-]+$/, 'must be a subject-safe name'),
  /** A `host:port` to listen on (port 0: any free port), e.g. `0.0.0.0:9464` or `[::]:9464`. */
  listenAddress: () =>
    vars
      .string()
      .regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):\d{1,5}$/, 'must be host:port, e.g. 0.0.0.0:9464')
      .refine((value) => Number(value.slice(value.lastIndexOf(':') + 1)) <= 65535, 'port must be at most 65535'),
  /** Comma-separated list of non-empty items. */
  list: () =>
    z.string({ error: 'is required' }).transform((value) =>
      value
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item.length > 0),
    ),
};

/** The connection settings every service shares, with the loopback defaults scripts/dev-up serves. */
export const commonVars = {
  natsUrl: ['NATS_URL', vars.url(['nats', 'tls']).default('nats://127.0.0.1:4222')],
  redisUrl: ['REDIS_URL', vars.url(['redis', 'rediss']).default('redis://127.0.0.1:6379')],
  databaseUrl: [
    'DATABASE_URL',
    vars.url(['postgres', 'postgresql']).default('postgres://outbound:outbound@127.0.0.1:5432/outbound'),
  ],
  logLevel: ['LOG_LEVEL', vars.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')],
  otlpEndpoint: ['OTEL_EXPORTER_OTLP_ENDPOINT', vars.url(['http', 'https']).optional()],
  shutdownGraceMs: ['SHUTDOWN_GRACE_MS', vars.durationMs().default(30_000)],
  /** Where the Prometheus /metrics endpoint listens; unset: no metrics endpoint. */
  metricsAddress: ['METRICS_ADDRESS', vars.listenAddress().optional()],
  /** The NATS KV bucket where media claims each attempt's call and the dialer voids unplaced ones. */
  placementsBucket: [
    'CALL_PLACEMENTS_BUCKET',
    vars
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, 'must be a bucket name')
      .default('call_placements'),
  ],
} as const satisfies Shape;
