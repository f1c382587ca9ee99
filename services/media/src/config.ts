import { commonVars, loadConfig, loadConfigOrExit, vars, z, type ConfigOf } from '@outbound/config';

export interface EslNodeConfig {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly password: string;
}

/** `fs1=127.0.0.1:8021:ClueCon,fs2=10.0.0.2:8021:secret` (the password may contain ':'). */
export function parseEslNodes(value: string): EslNodeConfig[] {
  const nodes = value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
    .map((item) => {
      const match = /^([A-Za-z0-9_-]+)=([^:]+):(\d{1,5}):(.+)$/.exec(item);
      if (!match) throw new Error('each node must be name=host:port:password');
      const port = Number(match[3]);
      if (port < 1 || port > 65535) throw new Error('port must be 1-65535');
      return { name: match[1]!, host: match[2]!, port, password: match[4]! };
    });
  if (nodes.length === 0) throw new Error('at least one node is required');
  if (new Set(nodes.map((n) => n.name)).size !== nodes.length) throw new Error('node names must be unique');
  return nodes;
}

const eslNodes = z.string({ error: 'is required' }).transform((value, ctx) => {
  try {
    return parseEslNodes(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

export const configShape = {
  eslNodes: ['ESL_NODES', eslNodes.default([{ name: 'fs1', host: '127.0.0.1', port: 8021, password: 'ClueCon' }])],
  grpcAddress: ['GRPC_ADDRESS', vars.string().default('0.0.0.0:50055')],
  natsUrl: commonVars.natsUrl,
  placementsBucket: commonVars.placementsBucket,
  logLevel: commonVars.logLevel,
  otlpEndpoint: commonVars.otlpEndpoint,
  shutdownGraceMs: commonVars.shutdownGraceMs,
  metricsAddress: commonVars.metricsAddress,
  /**
   * The sofia gateway customers are dialled through when a request names none. Required: a stock
   * FreeSWITCH has no gateway called `default`, and every call through a missing one ends
   * INVALID_GATEWAY. Media also checks it on each node (`sofia status gateway`) before dialling.
   */
  defaultGateway: ['DEFAULT_GATEWAY', vars.string().regex(/^[A-Za-z0-9_.-]+$/, 'must be a gateway name')],
  amdDefault: ['AMD_DEFAULT', vars.bool().default(false)],
  /** Originates per node per second (customer and agent legs); below FreeSWITCH's sessions-per-second (30). */
  originatesPerSecond: ['ORIGINATES_PER_SECOND', vars.int(1, 1000).default(25)],
  /** Customer originates that may queue for a node's budget, in seconds of it; beyond, refused. */
  originateBacklogSeconds: ['ORIGINATE_BACKLOG_SECONDS', vars.number(0.1, 60).default(1)],
  /**
   * A node whose replies take this long (or one still awaited this long) takes no new calls until
   * NODE_SLOW_HOLD_MS passes with none that slow: its answered customers would wait for bridges.
   */
  nodeSlowCommandMs: ['NODE_SLOW_COMMAND_MS', vars.durationMs().default(1_000)],
  nodeSlowHoldMs: ['NODE_SLOW_HOLD_MS', vars.durationMs().default(3_000)],
  ringTimeoutMs: ['RING_TIMEOUT_MS', vars.durationMs().default(30_000)],
  recordingsDir: [
    'RECORDINGS_DIR',
    vars
      .string()
      .regex(/^\/[^\s'"]*$/, 'must be an absolute path without spaces')
      .default('/var/lib/freeswitch/recordings'),
  ],
  /** A node that stays down this long is taken out of rotation. */
  nodeDownAfterMs: ['NODE_DOWN_AFTER_MS', vars.durationMs().default(5_000)],
  eslCommandTimeoutMs: ['ESL_COMMAND_TIMEOUT_MS', vars.durationMs().default(5_000)],
} as const;

export type MediaConfig = ConfigOf<typeof configShape>;

export function loadMediaConfig(env: NodeJS.ProcessEnv = process.env): MediaConfig {
  return loadConfig(configShape, env);
}

export function loadMediaConfigOrExit(): MediaConfig {
  return loadConfigOrExit(configShape);
}
