// scripts/bench-dialer: dialer replicas running many predictive campaigns at once against
// switch-sim (sped up; one simulated switch standing for ten nodes' originate budget), with
// agent-sim's agents spread over the campaigns and the campaigns driven in process over the public
// APIs. The measured window runs from starting every campaign to stopping them. Measures the
// control plane's answer-to-bridge latency (the moment the stream stored media's calls.answered →
// the dialer asking media to bridge, from the attempts' rows; it includes waiting for a free agent
// when the pacer dialed ahead), the pacing tick p99 (the replicas' own reports), sustained calls
// per second, the dialers' CPU per 100 calls, campaigns per replica and leases lost, and, as the
// floor, the same calls.answered events' delivery to a bare consumer in the same run. Prints a
// table and one JSON line. BENCH_NODE_OPTIONS reaches the replicas (e.g. a profiling preload);
// BENCH_SIM_NICE (default 10) is the simulators' niceness; BENCH_CPU_HOGS busy loops run beside the
// platform through the window (a starved node). Beside the dialers' CPU, every other process's
// (services, simulators, NATS, Redis, PostgreSQL) per call, and what the machine's cores could
// carry at that cost.

import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { availableParallelism, setPriority } from 'node:os';
import { createInterface } from 'node:readline';
import { Bus, events } from '@outbound/bus';
import { createPool } from '@outbound/store';
import { createLogger } from '@outbound/telemetry';
import { availablePort, testUrls, uniqueName } from '@outbound/testkit';
import { BenchCampaigns, inBatches } from './bench-campaigns.js';
import { servicePath, startStack } from './dialer-stack.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const campaigns = env('BENCH_CAMPAIGNS', 10);
const agents = env('BENCH_AGENTS', 100);
const replicas = env('BENCH_REPLICAS', 2);
const seconds = env('BENCH_SECONDS', 60);
const speedUp = env('BENCH_SPEED_UP', 8);
const leadsPerCampaign = env('BENCH_LEADS_PER_CAMPAIGN', 400);
// A noisy neighbour: busy loops at normal priority through the measured window (the platform on a
// starved node: its timeouts, its abandons, whether it degrades or collapses).
const cpuHogs = env('BENCH_CPU_HOGS', 0);
const logDir = `${process.env['OUTBOUND_DEV_DIR'] ?? '.dev'}/bench-dialer`;
mkdirSync(logDir, { recursive: true });
const log = (line: string) => process.stderr.write(`[bench-dialer] ${line}\n`);

const percentile = (values: readonly number[], p: number): number | null => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
};
const round = (value: number | null) => (value === null ? null : Math.round(value * 10) / 10);
const cpuMs = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime, in clock ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) * 10;
};
/** CPU of a process that may have exited meanwhile (then what it had used is not known: 0). */
const cpuMsIfAlive = (pid: number): number => {
  try {
    return cpuMs(pid);
  } catch {
    return 0;
  }
};
/** The stores' and the bus's processes (every PostgreSQL backend), by their command names. */
const serverPids = (): Map<number, string> => {
  const found = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      const server =
        comm === 'nats-server'
          ? 'NATS'
          : comm === 'redis-server'
            ? 'Redis'
            : comm.startsWith('postgres')
              ? 'PostgreSQL'
              : undefined;
      if (server) found.set(Number(entry), server);
    } catch {
      // gone between the listing and the read
    }
  }
  return found;
};
/** The whole machine's busy and total CPU time in ms (every core), from /proc/stat. */
const machineMs = (): { busy: number; total: number } => {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  const values = ticks.map(Number);
  const total = values.reduce((a, b) => a + b, 0);
  // idle and iowait are not busy.
  return { busy: (total - values[3]! - values[4]!) * 10, total: total * 10 };
};

// A far end like a real list's, shortened by the speed-up: most calls reach a person who stays on
// the line a minute or two; machines, busy, no answer and dead numbers make up the rest.
const scenario = {
  name: 'bench-dialer',
  rules: [
    {
      outcomes: [
        {
          weight: 45,
          outcome: 'human',
          ringMs: { min: 3_000, max: 15_000 },
          talkMs: { min: 30_000, max: 120_000 },
          amdDelayMs: { min: 600, max: 1_200 },
        },
        {
          weight: 15,
          outcome: 'machine',
          ringMs: { min: 3_000, max: 12_000 },
          talkMs: 20_000,
          amdDelayMs: { min: 1_000, max: 2_000 },
          beepMs: 8_000,
        },
        { weight: 15, outcome: 'busy', ringMs: { min: 500, max: 3_000 } },
        { weight: 15, outcome: 'no_answer' },
        { weight: 7, outcome: 'invalid' },
        { weight: 3, outcome: 'decline', ringMs: 2_000 },
      ],
    },
  ],
  agents: { answerMs: { min: 200, max: 600 } },
  modules: ['mod_amd'],
  // One simulated switch stands for a pool of ten FreeSWITCH nodes at their default 30 sessions a
  // second (media keeps each node's originates under that budget).
  sessionsPerSecond: 300,
};
const stack = await startStack({ speedUp, scenario, mediaEnv: { ORIGINATES_PER_SECOND: '290' } });
// The simulators stand for what runs elsewhere in production (the switches, the agents' phones):
// on this shared machine they yield the CPU to the platform being measured (BENCH_SIM_NICE=0: not).
const simNice = env('BENCH_SIM_NICE', 10);
setPriority(stack.switchSimPid, simNice);
const dialers: ChildProcess[] = [];
const hogs: ChildProcess[] = [];
let team: ChildProcess | undefined;
try {
  // The floor: the same events, delivered to a consumer that does nothing else. Latencies are
  // taken from the moment the stream stored media's calls.answered (wall clock), not the event's
  // own time, which a sped-up switch-sim stamps on its simulated clock.
  const bus = await Bus.connect({
    url: testUrls.nats,
    name: 'bench-floor',
    logger: createLogger({ service: 'bench', level: 'silent' }),
  });
  const floor: number[] = [];
  const answeredAt = new Map<string, number>();
  const floorConsumer = await bus.consume({
    event: events.callAnswered,
    durable: uniqueName('bench_floor').replace(/[^A-Za-z0-9_-]/g, '_'),
    deliverFrom: 'new',
    handler: async ({ event, storedAtMs }) => {
      floor.push(Date.now() - storedAtMs);
      answeredAt.set(event.data.attemptId, storedAtMs);
    },
  });

  const tickP99s: number[] = [];
  /** Campaign → the replica that ran it last, from the replicas' logs. */
  const runBy = new Map<string, number>();
  let leasesLost = 0;
  const dialerPids: number[] = [];
  for (let i = 0; i < replicas; i++) {
    const address = i === 0 ? stack.dialerAddress : `127.0.0.1:${String(await availablePort())}`;
    const child = await stack.startDialer({
      GRPC_ADDRESS: address,
      LOG_LEVEL: process.env['BENCH_LOG_LEVEL'] ?? 'info',
      // BENCH_NODE_OPTIONS: e.g. a profiling preload for the replicas.
      ...(process.env['BENCH_NODE_OPTIONS'] ? { NODE_OPTIONS: process.env['BENCH_NODE_OPTIONS'] } : {}),
    });
    dialerPids.push(child.pid!);
    dialers.push(child);
    // Each replica's log is kept for a look afterwards.
    const logFile = createWriteStream(`${logDir}/dialer-${String(i)}.log`);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      logFile.write(`${line}\n`);
      if (line.includes('"campaign taken"')) runBy.set((JSON.parse(line) as { campaignId: string }).campaignId, i);
      if (line.includes('"campaign lease lost')) leasesLost++;
      if (!line.includes('"pacing ticks"')) return;
      const entry = JSON.parse(line) as { p99Ms?: number };
      if (typeof entry.p99Ms === 'number') tickP99s.push(entry.p99Ms);
    });
  }
  const ids = Array.from({ length: campaigns }, (_, i) => `bench-${Date.now().toString(36)}-${String(i)}`);
  const driver = new BenchCampaigns({
    dialer: stack.dialerAddress,
    leadIngest: stack.leadIngestAddress,
    compliance: stack.complianceAddress,
  });
  const regions = await driver.openRegions(seconds * 1_000 + 120_000);
  log(`preparing ${String(campaigns)} campaigns × ${String(leadsPerCampaign)} leads (${regions.join(', ')} numbers)`);
  await inBatches(ids, 4, (id) =>
    driver.prepare(id, leadsPerCampaign, 7_000 + ids.indexOf(id), {
      amd: process.env['BENCH_AMD'] === 'true',
      regions,
    }),
  );
  team = spawn(process.execPath, [servicePath('agent-sim')], {
    env: {
      ...process.env,
      NATS_URL: testUrls.nats,
      DIALER_ADDRESS: stack.dialerAddress,
      CAMPAIGN_IDS: ids.join(','),
      SPREAD_AGENTS: 'true',
      AGENTS: String(agents),
      AGENT_ID_BASE: String(100_000 + Math.floor(Math.random() * 1_000_000)),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const agentSim = team;
  setPriority(agentSim.pid!, simNice);
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: agentSim.stdout! }).on('line', (line) => line.includes('agent-sim ready') && resolve());
    agentSim.once('exit', (code) => reject(new Error(`agent-sim exited with ${String(code)}`)));
  });
  log(`${String(agents)} agents logged in; ${String(replicas)} replicas; running ${String(seconds)} s`);
  // The measured window: from starting every campaign to stopping them.
  const cpuBefore = dialerPids.map(cpuMs);
  // Everything else the calls cost, in the same window: the other services, the simulators, the
  // stores and the bus, the bench's own floor consumer and driver; and the machine as a whole.
  const others = new Map<number, string>([
    ...Object.entries(stack.pids()).map(([name, pid]) => [pid, name] as const),
    [agentSim.pid!, 'agent-sim'],
    ...serverPids(),
  ]);
  const othersBefore = new Map([...others.keys()].map((pid) => [pid, cpuMsIfAlive(pid)]));
  const benchBefore = process.cpuUsage();
  const machineBefore = machineMs();
  const windowStart = new Date();
  for (let i = 0; i < cpuHogs; i++) hogs.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
  await inBatches(ids, 4, (id) => driver.start(id));
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  await inBatches(ids, 4, (id) => driver.stop(id));
  for (const hog of hogs) hog.kill('SIGKILL');
  const windowEnd = new Date();
  const elapsedSec = (windowEnd.getTime() - windowStart.getTime()) / 1000;
  const cpuAfter = dialerPids.map(cpuMs);
  const machineAfter = machineMs();
  const benchUsage = process.cpuUsage(benchBefore);
  const otherCpu = new Map<string, number>([['bench (floor, driver)', (benchUsage.user + benchUsage.system) / 1000]]);
  for (const [pid, name] of others) {
    const after = cpuMsIfAlive(pid);
    if (after > 0) otherCpu.set(name, (otherCpu.get(name) ?? 0) + after - othersBefore.get(pid)!);
  }
  driver.close();
  await floorConsumer.stop();
  await bus.close();

  const pool = createPool({ url: testUrls.database, applicationName: 'bench-dialer' });
  const schema = stack.dialerEnv['DIALER_SCHEMA']!;
  const { rows } = await pool.query<{
    attempt_id: string;
    originated: number;
    bridge_ms: number | null;
    agent_ready_ms: number | null;
    abandoned: number;
    answered: number;
    originate_failed: number;
    media_refused: number;
  }>(
    `SELECT attempt_id, (originated_at IS NOT NULL)::int AS originated,
       (abandoned_at IS NOT NULL)::int AS abandoned, (answered_at IS NOT NULL)::int AS answered,
       (hangup_cause = 'ORIGINATE_FAILED')::int AS originate_failed,
       (hangup_cause = 'MEDIA_UNAVAILABLE')::int AS media_refused,
       extract(epoch FROM bridge_requested_at) * 1000 AS bridge_ms,
       extract(epoch FROM agent_ready_at) * 1000 AS agent_ready_ms
     FROM "${schema}".attempts WHERE campaign_id = ANY($1) AND queued_at BETWEEN $2 AND $3`,
    [ids, windowStart, windowEnd],
  );
  await pool.end();
  const calls = rows.reduce((n, r) => n + r.originated, 0);
  const abandoned = rows.reduce((n, r) => n + r.abandoned, 0);
  const answered = rows.reduce((n, r) => n + r.answered, 0);
  const originateFailed = rows.reduce((n, r) => n + r.originate_failed, 0);
  const mediaRefused = rows.reduce((n, r) => n + r.media_refused, 0);
  const latencies = rows.flatMap((r) => {
    const answered = answeredAt.get(r.attempt_id);
    return r.bridge_ms === null || answered === undefined ? [] : [Number(r.bridge_ms) - answered];
  });
  // The control plane's own part: from when the customer and an agent were both there (the later
  // of the answer and the agent becoming ready) to the bridge; the rest was waiting for an agent.
  const readyToBridge = rows.flatMap((r) => {
    const answered = answeredAt.get(r.attempt_id);
    if (r.bridge_ms === null || r.agent_ready_ms === null || answered === undefined) return [];
    return [Number(r.bridge_ms) - Math.max(answered, Number(r.agent_ready_ms))];
  });
  const waitedForAgent = rows.filter((r) => {
    const answered = answeredAt.get(r.attempt_id);
    return (
      r.bridge_ms !== null && r.agent_ready_ms !== null && answered !== undefined && Number(r.agent_ready_ms) > answered
    );
  }).length;
  const callsPerSec = calls / elapsedSec;
  const cpuSpent = cpuAfter.reduce((a, b, i) => a + b - cpuBefore[i]!, 0);
  const platformCpu = cpuSpent + [...otherCpu.values()].reduce((a, b) => a + b, 0);
  const cores = availableParallelism();
  const perCall = (ms: number) => (calls > 0 ? round(ms / calls) : null);
  // What this machine could carry at most if every core did nothing but these calls.
  const machineCallsPerSecMax = calls > 0 ? round((cores * 1000) / (platformCpu / calls)) : null;
  const machineBusyPct = round(
    (100 * (machineAfter.busy - machineBefore.busy)) / Math.max(1, machineAfter.total - machineBefore.total),
  );
  const figures = {
    agents,
    campaigns,
    replicas,
    callsPerSec: round(callsPerSec),
    bridged: latencies.length,
    answered,
    abandoned,
    originateFailed,
    mediaRefused,
    cpuHogs,
    answerToBridgeP50Ms: round(percentile(latencies, 0.5)),
    answerToBridgeP99Ms: round(percentile(latencies, 0.99)),
    readyToBridgeP50Ms: round(percentile(readyToBridge, 0.5)),
    readyToBridgeP99Ms: round(percentile(readyToBridge, 0.99)),
    bridgesAfterWaitingForAgent: waitedForAgent,
    tickP99Ms: round(percentile(tickP99s, 0.99)),
    cpuMsPer100Calls: calls > 0 ? round((cpuSpent / calls) * 100) : null,
    floorP50Ms: round(percentile(floor, 0.5)),
    floorP99Ms: round(percentile(floor, 0.99)),
    simNice,
    platformCpuMsPerCall: perCall(platformCpu),
    cpuMsPerCallByProcess: Object.fromEntries([...otherCpu].map(([name, ms]) => [name, perCall(ms)])),
    machineCores: cores,
    machineBusyPct,
    machineCallsPerSecMax,
  };
  const rowsOut: Array<[string, string]> = [
    ['agents / campaigns / replicas', `${String(agents)} / ${String(campaigns)} / ${String(replicas)}`],
    [
      'calls placed (per second)',
      `${String(calls)} in ${elapsedSec.toFixed(0)} s (${String(figures.callsPerSec)}/s; target 200)`,
    ],
    [
      'answered / abandoned / originates failed / refused by media',
      `${String(answered)} / ${String(abandoned)} / ${String(originateFailed)} / ${String(mediaRefused)}`,
    ],
    [
      'answer → bridge asked p50 / p99',
      `${String(figures.answerToBridgeP50Ms)} / ${String(figures.answerToBridgeP99Ms)} ms over ${String(latencies.length)} bridges (target p99 < 50)`,
    ],
    [
      'customer and agent both there → bridge p50 / p99',
      `${String(figures.readyToBridgeP50Ms)} / ${String(figures.readyToBridgeP99Ms)} ms (${String(waitedForAgent)} of ${String(readyToBridge.length)} answers waited for an agent)`,
    ],
    [
      'floor: calls.answered delivered p50 / p99',
      `${String(figures.floorP50Ms)} / ${String(figures.floorP99Ms)} ms (a bare consumer, same events)`,
    ],
    ['pacing tick p99 (of the 10 s reports)', `${String(figures.tickP99Ms)} ms`],
    [
      'campaigns per replica (last owner)',
      `${Array.from({ length: replicas }, (_, r) => [...runBy.values()].filter((x) => x === r).length).join(' / ')}; leases lost ${String(leasesLost)}`,
    ],
    ['simulators (switch-sim, agent-sim) niceness', String(simNice)],
    ['busy loops beside the platform (BENCH_CPU_HOGS)', String(cpuHogs)],
    ['dialer CPU per 100 calls', `${String(figures.cpuMsPer100Calls)} ms (${String(replicas)} replicas together)`],
    ...[...otherCpu].map(([name, ms]): [string, string] => [
      `  beside it, ${name} CPU per call`,
      `${String(perCall(ms))} ms`,
    ]),
    [
      'whole platform CPU per call',
      `${String(figures.platformCpuMsPerCall)} ms: ${String(cores)} cores carry at most ${String(machineCallsPerSecMax)} calls/s`,
    ],
    ['machine busy in the window', `${String(machineBusyPct)} % of ${String(cores)} cores (other work included)`],
  ];
  for (const [what, value] of rowsOut) process.stdout.write(`${what.padEnd(44)} ${value}\n`);
  process.stdout.write(`${JSON.stringify(figures)}\n`);
} finally {
  for (const hog of hogs) hog.kill('SIGKILL');
  team?.kill('SIGTERM');
  // The replicas drain on SIGTERM (a profiling preload writes its profile then); the rest is killed.
  await Promise.all(
    dialers.map(async (child) => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await Promise.race([once(child, 'exit'), new Promise((resolve) => setTimeout(resolve, 15_000))]);
    }),
  );
  stack.stopAll();
}
process.exit(0);
