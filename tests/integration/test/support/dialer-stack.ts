import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { availablePort, testUrls, uniqueName } from '@outbound/testkit';
import { Processes } from './processes.js';

// The whole platform as real processes for one campaign: switch-sim (a seeded far end writing its
// ground truth), media over ESL, compliance, lead-ingest, the dialer and agent-sim; the main job's
// driver runs a campaign through their public APIs and prints one JSON line of figures.

export const servicePath = (name: string, file = 'main.js') =>
  fileURLToPath(new URL(`../../../../../services/${name}/dist/src/${file}`, import.meta.url));

const baseUrls = {
  NATS_URL: testUrls.nats,
  REDIS_URL: testUrls.redis,
  DATABASE_URL: testUrls.database,
  LOG_LEVEL: 'info',
};
const readyAs = (message: string) => (line: Record<string, unknown>) =>
  line['msg'] === message && typeof line['port'] === 'number';

/** A fast, mixed far end: people, machines, busy, no answer, invalid numbers. */
export const FAST_SCENARIO = {
  name: 'dialer end to end',
  rules: [
    {
      outcomes: [
        {
          weight: 50,
          outcome: 'human',
          ringMs: { min: 1_000, max: 4_000 },
          talkMs: { min: 3_000, max: 8_000 },
          amdDelayMs: { min: 500, max: 1_000 },
          dtmf: [{ atMs: 2_000, digits: '1' }],
        },
        {
          weight: 10,
          outcome: 'machine',
          ringMs: { min: 1_000, max: 3_000 },
          talkMs: 6_000,
          amdDelayMs: { min: 800, max: 1_500 },
          beepMs: 3_000,
        },
        { weight: 15, outcome: 'busy', ringMs: { min: 300, max: 1_500 } },
        { weight: 10, outcome: 'no_answer' },
        { weight: 10, outcome: 'invalid' },
        { weight: 5, outcome: 'decline', ringMs: 1_000 },
      ],
    },
  ],
  agents: { answerMs: { min: 200, max: 600 } },
  // mod_amd is not in the captured 1.10.12 install; an operator who wants AMD at answer builds it.
  modules: ['mod_amd'],
};

/** The platform's services a fault can hit (each restarts on its own address with its own settings). */
export type ServiceName = 'switch-sim' | 'media' | 'compliance' | 'lead-ingest';

export interface Stack {
  readonly dir: string;
  readonly groundTruthFile: string;
  readonly dialerAddress: string;
  readonly complianceAddress: string;
  readonly leadIngestAddress: string;
  readonly dialerEnv: Record<string, string>;
  /** switch-sim's ESL port (media's connection to it can be cut there). */
  readonly eslPort: number;
  /** switch-sim's process (a benchmark lowers its priority: the switch is not ours to measure). */
  readonly switchSimPid: number;
  /** The services' processes now (a restarted one has a new pid). */
  pids(): Record<ServiceName, number>;
  /** A dialer replica; `env` overrides (another GRPC_ADDRESS for a second replica). */
  startDialer(env?: Record<string, string>): Promise<ChildProcess>;
  startAgents(campaignId: string, count: number, env?: Record<string, string>): Promise<ChildProcess>;
  /** kill -9 a service and start it again where it was; resolves when it is ready again. */
  restart(name: Exclude<ServiceName, 'switch-sim'>): Promise<void>;
  stopAll(): void;
}

export async function startStack(
  options: {
    ringTimeoutMs?: number;
    speedUp?: number;
    /** The far end (switch-sim's scenario); FAST_SCENARIO unless given. */
    scenario?: object;
    /** Media's environment beyond the stack's (e.g. its originate budget). */
    mediaEnv?: Record<string, string>;
    /** A Redis database of the dialer's own (a test that flushes it touches nothing else). */
    dialerRedisUrl?: string;
    /** NATS and Redis of the stack's own (the chaos run restarts and flushes them). */
    servers?: { natsUrl: string; redisUrl: string };
    /** More environment per service (e.g. METRICS_ADDRESS). */
    serviceEnv?: Partial<Record<Exclude<ServiceName, 'switch-sim'>, Record<string, string>>>;
  } = {},
): Promise<Stack> {
  const processes = new Processes();
  const urls = {
    ...baseUrls,
    ...(options.servers ? { NATS_URL: options.servers.natsUrl, REDIS_URL: options.servers.redisUrl } : {}),
  };
  const probe = uniqueName('e2e')
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_');
  const dir = mkdtempSync(join(tmpdir(), 'dialer-e2e-'));
  const scenarioFile = join(dir, 'scenario.json');
  writeFileSync(scenarioFile, JSON.stringify(options.scenario ?? FAST_SCENARIO));
  const groundTruthFile = join(dir, 'ground-truth.jsonl');
  // Fixed addresses, so a restarted service is found where the others look for it.
  const ports = {
    media: await availablePort(),
    compliance: await availablePort(),
    leadIngest: await availablePort(),
    dialer: await availablePort(),
  };
  const blindIndexKey = randomBytes(32).toString('base64');
  const revealToken = randomBytes(16).toString('hex');
  const complianceAddress = `127.0.0.1:${String(ports.compliance)}`;
  const leadIngestAddress = `127.0.0.1:${String(ports.leadIngest)}`;
  const dialerAddress = `127.0.0.1:${String(ports.dialer)}`;
  const running = new Map<ServiceName, ChildProcess>();
  try {
    const sim = await processes.start(servicePath('switch-sim'), {}, (l) => l['msg'] === 'switch-sim listening', [
      '--listen',
      '127.0.0.1:0',
      '--scenario',
      scenarioFile,
      '--seed',
      '7',
      '--speed-up',
      String(options.speedUp ?? 2),
      '--ground-truth',
      groundTruthFile,
    ]);
    running.set('switch-sim', sim.child);
    const eslPort = Number(sim.ready['port']);
    const specs: Record<Exclude<ServiceName, 'switch-sim'>, { env: Record<string, string>; ready: string }> = {
      media: {
        env: {
          ...urls,
          ESL_NODES: `fs1=127.0.0.1:${String(eslPort)}:ClueCon`,
          GRPC_ADDRESS: `127.0.0.1:${String(ports.media)}`,
          DEFAULT_GATEWAY: 'carrier1',
          RECORDINGS_DIR: join(dir, 'recordings'),
          ...options.mediaEnv,
        },
        ready: 'media started',
      },
      compliance: {
        env: {
          ...urls,
          GRPC_ADDRESS: complianceAddress,
          COMPLIANCE_DB_SCHEMA: `${probe}_compliance`,
          COMPLIANCE_REDIS_PREFIX: probe,
          COMPLIANCE_DURABLE_PREFIX: probe,
          COMPLIANCE_BLIND_INDEX_SECRET: blindIndexKey,
          BLIND_INDEX_KEY: blindIndexKey,
        },
        ready: 'compliance ready',
      },
      'lead-ingest': {
        env: {
          ...urls,
          GRPC_ADDRESS: leadIngestAddress,
          HTTP_ADDRESS: '127.0.0.1:0',
          LEAD_INGEST_SCHEMA: `${probe}_leads`,
          DEAD_NUMBERS_DURABLE: `${probe}_dead`,
          OPT_OUTS_DURABLE: `${probe}_optout`,
          // Its own compliance.dnc_added consumer (a shared durable would hand a stack's additions to
          // another stack's lead-ingest), from now on (not every addition other tests left).
          DNC_ADDED_DURABLE: `${probe}_dncadded`,
          DNC_ADDED_FROM: 'new',
          PII_KEYS: `k1:${randomBytes(32).toString('base64')}`,
          BLIND_INDEX_KEY: blindIndexKey,
          DEFAULT_REGION: 'CN',
          COMPLIANCE_ADDRESS: complianceAddress,
          PII_REVEAL_GRANTS: `dialer:${createHash('sha256').update(revealToken).digest('hex')}`,
        },
        ready: 'lead-ingest ready',
      },
    };
    const start = async (name: Exclude<ServiceName, 'switch-sim'>) => {
      const { ready } = specs[name];
      const env = { ...specs[name].env, ...options.serviceEnv?.[name] };
      running.set(name, (await processes.start(servicePath(name), env, readyAs(ready))).child);
    };
    for (const name of ['media', 'compliance', 'lead-ingest'] as const) await start(name);
    const dialerEnv: Record<string, string> = {
      ...urls,
      ...(options.dialerRedisUrl ? { REDIS_URL: options.dialerRedisUrl } : {}),
      GRPC_ADDRESS: dialerAddress,
      DIALER_SCHEMA: `${probe}_dialer`,
      DIALER_REDIS_PREFIX: probe,
      DIALER_DURABLE_PREFIX: probe,
      MEDIA_ADDRESS: `127.0.0.1:${String(ports.media)}`,
      COMPLIANCE_ADDRESS: complianceAddress,
      LEAD_INGEST_ADDRESS: leadIngestAddress,
      LEAD_INGEST_REVEAL_TOKEN: revealToken,
      WRAP_UP_MS: '1000',
    };
    return {
      dir,
      groundTruthFile,
      dialerAddress,
      complianceAddress,
      leadIngestAddress,
      dialerEnv,
      eslPort,
      switchSimPid: sim.child.pid!,
      pids: () =>
        Object.fromEntries([...running].map(([name, child]) => [name, child.pid!])) as Record<ServiceName, number>,
      startDialer: async (env = {}) =>
        (
          await retryingBind(() =>
            processes.start(servicePath('dialer'), { ...dialerEnv, ...env }, readyAs('dialer ready')),
          )
        ).child,
      startAgents: async (campaignId, count, env = {}) =>
        (
          await processes.start(
            servicePath('agent-sim'),
            {
              ...urls,
              DIALER_ADDRESS: dialerAddress,
              CAMPAIGN_IDS: campaignId,
              AGENTS: String(count),
              AGENT_ID_BASE: String(1000 + Math.floor(Math.random() * 8000)),
              SEED: '3',
              ...env,
            },
            (l) => l['msg'] === 'agent-sim ready',
          )
        ).child,
      restart: async (name) => {
        const child = running.get(name);
        if (child && child.exitCode === null && child.signalCode === null) {
          child.kill('SIGKILL');
          await once(child, 'exit');
        }
        await retryingBind(() => start(name));
      },
      stopAll: () => processes.stopAll(),
    };
  } catch (error) {
    processes.stopAll();
    throw error;
  }
}

/**
 * Starts a service again where one was just killed: its port may linger a moment after the kill,
 * so a start that fails is tried again (5 times, 0.5 s apart); the last failure is thrown.
 */
async function retryingBind<T>(start: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      if (attempt >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

/**
 * The main job's driver as a process; resolves with its last JSON line and everything it printed.
 * Aborting `signal` stops the driver and rejects with the signal's reason.
 */
export async function runCampaign(
  stack: Stack,
  env: Record<string, string>,
  onLine: (line: string) => void = () => undefined,
  signal?: AbortSignal,
): Promise<{ summary: Record<string, unknown>; output: string[] }> {
  const child = spawn(process.execPath, [servicePath('dialer', 'cli/run-campaign.js')], {
    ...(signal ? { signal } : {}),
    env: {
      ...process.env,
      DIALER_ADDRESS: stack.dialerAddress,
      COMPLIANCE_ADDRESS: stack.complianceAddress,
      LEAD_INGEST_ADDRESS: stack.leadIngestAddress,
      GROUND_TRUTH_FILE: stack.groundTruthFile,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const output: string[] = [];
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    output.push(line);
    onLine(line);
  });
  const [code] = (await once(child, 'exit').catch((error: unknown) => {
    throw signal?.aborted ? signal.reason : error;
  })) as [number | null];
  if (signal?.aborted) throw signal.reason;
  if (code !== 0) throw new Error(`the driver exited with ${String(code)}:\n${output.slice(-20).join('\n')}`);
  const last = [...output].reverse().find((l) => l.startsWith('{'));
  if (last === undefined) throw new Error(`the driver printed no JSON line:\n${output.slice(-20).join('\n')}`);
  return { summary: JSON.parse(last) as Record<string, unknown>, output };
}
