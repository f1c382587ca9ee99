// gRPC load from another process: single CheckDial calls at a fixed rate (open loop), the same
// rate of bare health checks on the same channel as a floor, then batches of 100. Each phase is
// bracketed on stdout (`phase start|end <name>`) and waits for a line on stdin before going on,
// so the runner can take the server's event-loop statistics for exactly that phase.
import { createInterface } from 'node:readline';
import { ComplianceServiceClient, type DialCheck } from '@outbound/proto/outbound/v1/compliance';
import { Metadata, createClient, unary } from '@outbound/rpc';
import { loopStats, type LoopStats } from './loop-stats.js';
import { benchNumber } from './numbers.js';

const address = process.argv[2]!;
const rate = Number(process.env['BENCH_RATE'] ?? 2000);
const seconds = Number(process.env['BENCH_SECONDS'] ?? 10);
const batches = Number(process.env['BENCH_BATCHES'] ?? 300);
// The dialer's own client: @outbound/rpc with its tracing interceptor (trace context travels).
let client = createClient(ComplianceServiceClient, address, { defaultDeadlineMs: 10_000 });
let serial = 0;
const controlLines = createInterface({ input: process.stdin });
const control = controlLines[Symbol.asyncIterator]();
const stats = loopStats();

async function phase<T>(name: string, run: () => Promise<T>): Promise<T & { generator: LoopStats }> {
  process.stdout.write(`phase start ${name}\n`);
  await control.next();
  stats.take();
  const result = await run();
  const generator = stats.take();
  process.stdout.write(`phase end ${name}\n`);
  await control.next();
  return { ...result, generator };
}

function check(): DialCheck {
  const i = serial++;
  // London numbers under a midday zone override, so checks go all the way through Redis.
  const offset = 12 - new Date().getUTCHours();
  const zone = offset === 0 ? 'Etc/GMT' : offset > 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`;
  return {
    campaignId: 'bench',
    leadId: `l${i}`,
    phone: benchNumber(i * 3 + 1),
    callerId: `+4420794${String(10_000 + (i % 80_000))}`,
    at: undefined,
    timeZoneOverride: zone,
  };
}

/** grpc.health.v1.Health/Check for the whole server: an empty request, the reply is not decoded. */
function health(): Promise<unknown> {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(
      '/grpc.health.v1.Health/Check',
      () => Buffer.alloc(0),
      (bytes: Buffer) => bytes,
      {},
      new Metadata(),
      {},
      (error, reply) => (error ? reject(error) : resolve(reply)),
    );
  });
}

const single = () => unary(client.checkDial, client, { check: check() }, new Metadata());

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

interface OpenLoopRun {
  /** From each call's scheduled send time (sorted). */
  readonly latencies: number[];
  /** From the actual send (sorted). */
  readonly serviceTimes: number[];
  /** How late the generator itself sent (sorted). */
  readonly sendLag: number[];
  readonly failures: number;
  readonly achievedPerSec: number;
}

async function openLoop(count: number, perSecond: number, call: () => Promise<unknown>): Promise<OpenLoopRun> {
  const latencies: number[] = [];
  const serviceTimes: number[] = [];
  const sendLag: number[] = [];
  let failures = 0;
  const started = performance.now();
  const inFlight: Array<Promise<void>> = [];
  for (let i = 0; i < count; i++) {
    // Open loop: each call leaves at its scheduled time whatever the earlier ones are doing, and
    // its latency counts from that scheduled time, not from when it actually left: a generator
    // (or server) that falls behind cannot hide the wait (no coordinated omission).
    const due = started + (i * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const sent = performance.now();
    sendLag.push(Math.max(0, sent - due));
    // A failed call (deadline) counts with the time it took, so overload shows in the p99.
    const record = () => {
      const done = performance.now();
      latencies.push(done - Math.min(due, sent));
      serviceTimes.push(done - sent);
    };
    inFlight.push(
      call().then(record, (error: unknown) => {
        if (failures++ === 0) process.stderr.write(`first failure: ${String(error)}\n`);
        record();
      }),
    );
  }
  await Promise.all(inFlight);
  const achievedPerSec = count / ((performance.now() - started) / 1000);
  const byValue = (a: number, b: number) => a - b;
  return {
    latencies: latencies.sort(byValue),
    serviceTimes: serviceTimes.sort(byValue),
    sendLag: sendLag.sort(byValue),
    failures,
    achievedPerSec,
  };
}

async function batched(count: number): Promise<{ latencies: number[] }> {
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    const checks = Array.from({ length: 100 }, check);
    const sent = performance.now();
    await unary(client.checkDialBatch, client, { checks }, new Metadata());
    latencies.push(performance.now() - sent);
  }
  return { latencies: latencies.sort((a, b) => a - b) };
}

const summary = (run: OpenLoopRun) => ({
  count: run.latencies.length,
  failures: run.failures,
  achievedPerSec: run.achievedPerSec,
  p50Ms: percentile(run.latencies, 50),
  p99Ms: percentile(run.latencies, 99),
  p999Ms: percentile(run.latencies, 99.9),
  serviceP99Ms: percentile(run.serviceTimes, 99),
  generatorLagP99Ms: percentile(run.sendLag, 99),
});

// Warm-up (JIT, connection, script load), not reported.
await openLoop(2000, 1000, single);
// Unloaded latency (what one check costs), the floor of bare gRPC at the target rate, then the
// target rate itself (what queueing adds on top).
const light = await phase('light', () => openLoop(1000, 200, single));
await openLoop(1000, 1000, health);
const floor = await phase('health', () => openLoop(rate * seconds, rate, health));
const singles = await phase('single', () => openLoop(rate * seconds, rate, single));
// A fresh connection: an overload above can leave the old HTTP/2 session torn down.
client.close();
client = createClient(ComplianceServiceClient, address, { defaultDeadlineMs: 10_000 });
await batched(20);
const batch = await phase('batch', () => batched(batches));
client.close();
controlLines.close();
process.stdout.write(
  `${JSON.stringify({
    rate,
    light: { ...summary(light), generator: light.generator },
    health: { ...summary(floor), generator: floor.generator },
    single: { ...summary(singles), generator: singles.generator },
    batch: {
      count: batch.latencies.length,
      p50Ms: percentile(batch.latencies, 50),
      p99Ms: percentile(batch.latencies, 99),
      generator: batch.generator,
    },
  })}\n`,
);
