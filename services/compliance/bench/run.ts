// Runs the compliance benchmarks, each in its own process, prints a table and ends with one JSON line.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import type { LoopStats } from './loop-stats.js';

const dist = new URL('../', import.meta.url);

const clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/**
 * CPU ms of every local process named redis-server or postgres (utime + stime from /proc), so each
 * phase can say how much of the machine's two cores the stores took. A process that exits during
 * a phase (a pooled connection closing) takes its CPU with it; the services keep theirs open.
 */
function storeCpuMs(): { redis: number; postgres: number } {
  const total = { redis: 0, postgres: 0 };
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue;
    }
    const name = /\((.*)\)/.exec(stat)?.[1];
    const kind = name === 'redis-server' ? 'redis' : name === 'postgres' ? 'postgres' : undefined;
    if (!kind) continue;
    const fields = stat.replace(/^.*\) /, '').split(' ');
    total[kind] += ((Number(fields[11]) + Number(fields[12])) / clockTicks) * 1000;
  }
  return total;
}

async function runJson(script: string, args: string[]): Promise<Record<string, number>> {
  const child = spawn(process.execPath, [new URL(script, dist).pathname, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let last = '';
  for await (const line of createInterface({ input: child.stdout })) if (line.startsWith('{')) last = line;
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0 || !last) throw new Error(`${script} failed with ${String(code)}`);
  return JSON.parse(last) as Record<string, number>;
}

interface Server {
  readonly address: string;
  /** The server's event-loop statistics since the previous call (SIGUSR2 to the preloaded `server-stats`). */
  takeStats(): Promise<LoopStats>;
  stop(): Promise<void>;
}

async function startServer(): Promise<Server> {
  const name = `bench_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  // BENCH_SERVER_NODE_ARGS: extra node flags for the server only, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`.
  const extra = (process.env['BENCH_SERVER_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
  const child = spawn(
    process.execPath,
    [...extra, '--import', new URL('bench/server-stats.js', dist).href, new URL('src/main.js', dist).pathname],
    {
      env: {
        ...process.env,
        GRPC_ADDRESS: '127.0.0.1:0',
        LOG_LEVEL: 'info',
        COMPLIANCE_DB_SCHEMA: name,
        COMPLIANCE_REDIS_PREFIX: name,
        COMPLIANCE_DURABLE_PREFIX: name,
        COMPLIANCE_BLIND_INDEX_SECRET: 'bench-secret-0123456789',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const statsWaiters: Array<(stats: LoopStats) => void> = [];
  // Keep reading the server's log for the whole run (a closed pipe would kill it at its next log
  // line with EPIPE); warnings and errors go to stderr so a bad run says why.
  const lines = createInterface({ input: child.stdout });
  const ready = new Promise<number>((resolve, reject) => {
    lines.on('line', (line) => {
      let entry: { msg?: string; port?: number; level?: string; loopStats?: LoopStats } = {};
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        process.stderr.write(`server: ${line}\n`);
        return;
      }
      if (entry.loopStats) statsWaiters.shift()?.(entry.loopStats);
      else if (entry.msg === 'compliance ready' && entry.port !== undefined) resolve(entry.port);
      else if (entry.level && entry.level !== 'info' && entry.level !== 'debug')
        process.stderr.write(`server: ${line}\n`);
    });
    child.once('exit', () => reject(new Error('compliance server exited before it was ready')));
  });
  const port = await ready;
  return {
    address: `127.0.0.1:${port}`,
    takeStats: () =>
      new Promise((resolve) => {
        statsWaiters.push(resolve);
        child.kill('SIGUSR2');
      }),
    stop: async () => {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

interface PhaseResult {
  count: number;
  failures: number;
  achievedPerSec: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  serviceP99Ms: number;
  generatorLagP99Ms: number;
  generator: LoopStats;
  server: LoopStats;
  /** CPU ms of Redis and PostgreSQL during the phase. */
  stores: { redis: number; postgres: number };
}

interface LoadResult {
  rate: number;
  light: PhaseResult;
  health: PhaseResult;
  single: PhaseResult;
  batch: {
    count: number;
    p50Ms: number;
    p99Ms: number;
    generator: LoopStats;
    server: LoopStats;
    stores: { redis: number; postgres: number };
  };
}

/** The load generator, answering its phase marks with the server's statistics for each phase. */
async function runLoad(server: Server): Promise<LoadResult> {
  const child: ChildProcess = spawn(process.execPath, [new URL('bench/grpc-load.js', dist).pathname, server.address], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const serverStats = new Map<string, LoopStats>();
  const storeStats = new Map<string, { redis: number; postgres: number }>();
  let storesAtStart = storeCpuMs();
  let last = '';
  for await (const line of createInterface({ input: child.stdout! })) {
    const mark = /^phase (start|end) (\w+)$/.exec(line);
    if (mark) {
      const stats = await server.takeStats();
      const stores = storeCpuMs();
      if (mark[1] === 'end') {
        serverStats.set(mark[2]!, stats);
        storeStats.set(mark[2]!, {
          redis: stores.redis - storesAtStart.redis,
          postgres: stores.postgres - storesAtStart.postgres,
        });
      }
      storesAtStart = stores;
      child.stdin!.write('go\n');
    } else if (line.startsWith('{')) last = line;
  }
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0 || !last) throw new Error(`grpc-load failed with ${String(code)}`);
  const result = JSON.parse(last) as LoadResult;
  for (const name of ['light', 'health', 'single', 'batch'] as const) {
    result[name].server = serverStats.get(name)!;
    result[name].stores = storeStats.get(name)!;
  }
  return result;
}

process.stderr.write('in-process: loading the registry and deciding…\n');
const local = await runJson('bench/in-process.js', []);
process.stderr.write('gRPC: starting the server…\n');
const server = await startServer();
let remote: LoadResult;
try {
  remote = await runLoad(server);
} finally {
  await server.stop();
}

const { light, health, single, batch } = remote;
const fmt = (n: number | undefined, digits = 2) => (n === undefined ? '-' : n.toFixed(digits));
const loop = (s: LoopStats) =>
  `loop busy ${fmt(s.utilization * 100, 0)} %, delay p99 ${fmt(s.delayP99Ms)} / max ${fmt(s.delayMaxMs)} ms, GC ${fmt(s.gcTotalMs, 0)} ms (max pause ${fmt(s.gcMaxPauseMs)} ms)`;
const rateLabel = `${remote.rate.toLocaleString('en')}/s`;
const rows: Array<[string, string, string]> = [
  ['DNC registry numbers', String(local['registrySize']), ''],
  ['DNC load (hash + sort)', `${fmt(local['dncLoadSec'])} s`, 'target < 60 s'],
  ['RSS after load', `${fmt(local['dncRssMb'], 0)} MB`, `registry array ${fmt(local['registryBytesMb'], 0)} MB`],
  ['in-process decisions/s', fmt(local['decisionsPerSec'], 0), 'one core, no Redis'],
  ['gRPC single check p50/p99', `${fmt(light.p50Ms)} / ${fmt(light.p99Ms)} ms`, `${light.count} checks at 200/s`],
  [
    'bare health check p50/p99',
    `${fmt(health.p50Ms)} / ${fmt(health.p99Ms)} ms`,
    `${health.count} at ${rateLabel} (floor: same client, no handler), ${health.failures} failed`,
  ],
  ['  server', `${fmt((health.server.cpuMs * 1000) / health.count, 0)} µs CPU/call`, loop(health.server)],
  [
    'gRPC single check p50',
    `${fmt(single.p50Ms)} ms`,
    `${single.count} checks offered at ${rateLabel} (${fmt(single.achievedPerSec, 0)}/s achieved), ${single.failures} failed`,
  ],
  [
    'gRPC single check p99',
    `${fmt(single.p99Ms)} ms`,
    `target < 2 ms (from the scheduled send time); ${fmt(single.p99Ms / health.p99Ms)}× the health-check p99`,
  ],
  [
    '  from the actual send, p99',
    `${fmt(single.serviceP99Ms)} ms`,
    `generator sent ${fmt(single.generatorLagP99Ms)} ms late at p99`,
  ],
  ['  server', `${fmt((single.server.cpuMs * 1000) / single.count, 0)} µs CPU/check`, loop(single.server)],
  ['  generator', `${fmt((single.generator.cpuMs * 1000) / single.count, 0)} µs CPU/check`, loop(single.generator)],
  [
    '  Redis + PostgreSQL',
    `${fmt((single.stores.redis * 1000) / single.count, 0)} + ${fmt((single.stores.postgres * 1000) / single.count, 0)} µs/check`,
    'CPU of the stores (decision script; evidence rows)',
  ],
  [
    'gRPC batch of 100 p50/p99',
    `${fmt(batch.p50Ms)} / ${fmt(batch.p99Ms)} ms`,
    `${batch.count} batches one after another; target p99 < 10 ms`,
  ],
  ['  server', `${fmt((batch.server.cpuMs * 1000) / (batch.count * 100), 0)} µs CPU/check`, loop(batch.server)],
  [
    '  generator',
    `${fmt((batch.generator.cpuMs * 1000) / (batch.count * 100), 0)} µs CPU/check`,
    'encoding 100 checks, decoding 100 decisions',
  ],
  [
    '  Redis + PostgreSQL',
    `${fmt((batch.stores.redis * 1000) / (batch.count * 100), 0)} + ${fmt((batch.stores.postgres * 1000) / (batch.count * 100), 0)} µs/check`,
    'CPU of the stores (decision script; evidence rows)',
  ],
];
for (const [name, value, note] of rows) process.stdout.write(`${name.padEnd(28)} ${value.padStart(20)}   ${note}\n`);
process.stdout.write(
  `${JSON.stringify({
    decisionsPerSec: Math.round(local['decisionsPerSec']!),
    singleP50Ms: single.p50Ms,
    singleP99Ms: single.p99Ms,
    singleP999Ms: single.p999Ms,
    singleServiceP99Ms: single.serviceP99Ms,
    singleFailures: single.failures,
    singleAchievedPerSec: Math.round(single.achievedPerSec),
    generatorLagP99Ms: single.generatorLagP99Ms,
    healthP99Ms: health.p99Ms,
    singleToHealthP99: single.p99Ms / health.p99Ms,
    singleAt200P50Ms: light.p50Ms,
    singleAt200P99Ms: light.p99Ms,
    serverLoopUtilization: single.server.utilization,
    eventLoopDelayP99Ms: single.server.delayP99Ms,
    eventLoopDelayMaxMs: single.server.delayMaxMs,
    gcMaxPauseMs: single.server.gcMaxPauseMs,
    serverCpuUsPerCheck: (single.server.cpuMs * 1000) / single.count,
    generatorLoopUtilization: single.generator.utilization,
    batch100P50Ms: batch.p50Ms,
    batch100P99Ms: batch.p99Ms,
    batchServerCpuUsPerCheck: (batch.server.cpuMs * 1000) / (batch.count * 100),
    batchGeneratorCpuUsPerCheck: (batch.generator.cpuMs * 1000) / (batch.count * 100),
    batchRedisCpuUsPerCheck: (batch.stores.redis * 1000) / (batch.count * 100),
    batchPostgresCpuUsPerCheck: (batch.stores.postgres * 1000) / (batch.count * 100),
    dncLoadSec: local['dncLoadSec'],
    dncRssMb: Math.round(local['dncRssMb']!),
    dncNumbers: local['registrySize'],
  })}\n`,
);
