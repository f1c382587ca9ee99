// gRPC latency from another process: single checks at a fixed rate, then batches of 100.
import { ComplianceServiceClient, type DialCheck } from '@outbound/proto/outbound/v1/compliance';
import { Metadata, createClient, unary } from '@outbound/rpc';
import { benchNumber } from './numbers.js';

const address = process.argv[2]!;
const rate = Number(process.env['BENCH_RATE'] ?? 2000);
const seconds = Number(process.env['BENCH_SECONDS'] ?? 10);
const batches = Number(process.env['BENCH_BATCHES'] ?? 300);
let client = createClient(ComplianceServiceClient, address, { defaultDeadlineMs: 10_000 });
let serial = 0;
let failures = 0;

function check(): DialCheck {
  const i = serial++;
  // UK numbers under a midday zone override, so most checks go all the way through Redis.
  const offset = 12 - new Date().getUTCHours();
  const zone = offset === 0 ? 'Etc/GMT' : offset > 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`;
  return { campaignId: 'bench', leadId: `l${i}`, phone: benchNumber(i * 3 + 1), callerId: `+4420794${String(10_000 + (i % 80_000))}`, at: undefined, timeZoneOverride: zone };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** Latencies (sorted) and how late the generator itself sent (sorted). */
interface SingleRun {
  readonly latencies: number[];
  readonly sendLag: number[];
  readonly serviceTimes: number[];
}

async function single(count: number, perSecond: number): Promise<SingleRun> {
  const latencies: number[] = [];
  const serviceTimes: number[] = [];
  const sendLag: number[] = [];
  const started = performance.now();
  const inFlight: Array<Promise<void>> = [];
  for (let i = 0; i < count; i++) {
    // Open loop: each check leaves at its scheduled time whatever the earlier ones are doing, and
    // its latency counts from that scheduled time, not from when it actually left: a generator
    // (or server) that falls behind cannot hide the wait (no coordinated omission).
    const due = started + (i * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const sent = performance.now();
    sendLag.push(Math.max(0, sent - due));
    // A failed check (deadline) counts with the time it took, so overload shows in the p99.
    const record = () => {
      const done = performance.now();
      latencies.push(done - Math.min(due, sent));
      serviceTimes.push(done - sent);
    };
    inFlight.push(unary(client.checkDial, client, { check: check() }, new Metadata()).then(record, (error: unknown) => {
      if (failures++ === 0) process.stderr.write(`first failure: ${String(error)}\n`);
      record();
    }));
  }
  await Promise.all(inFlight);
  const achieved = count / ((performance.now() - started) / 1000);
  process.stderr.write(`single checks: ${count} at ${achieved.toFixed(0)}/s achieved\n`);
  const byValue = (a: number, b: number) => a - b;
  return { latencies: latencies.sort(byValue), sendLag: sendLag.sort(byValue), serviceTimes: serviceTimes.sort(byValue) };
}

async function batched(count: number): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    const checks = Array.from({ length: 100 }, check);
    const sent = performance.now();
    await unary(client.checkDialBatch, client, { checks }, new Metadata());
    latencies.push(performance.now() - sent);
  }
  return latencies.sort((a, b) => a - b);
}

await single(2000, 1000); // warm-up: JIT, connections, script load
// Unloaded latency first (what one check costs), then the required 2,000/s (what queueing adds).
const light = (await single(1000, 200)).latencies;
failures = 0;
const run = await single(rate * seconds, rate);
const singles = run.latencies;
// A fresh connection: the overload above can leave the old HTTP/2 session torn down.
client.close();
client = createClient(ComplianceServiceClient, address, { defaultDeadlineMs: 10_000 });
await batched(20);
const batches100 = await batched(batches);
client.close();
process.stdout.write(
  `${JSON.stringify({ lightP50Ms: percentile(light, 50), lightP99Ms: percentile(light, 99), singleFailures: failures, singleCount: singles.length, singleP50Ms: percentile(singles, 50), singleP99Ms: percentile(singles, 99), singleP999Ms: percentile(singles, 99.9), singleServiceP99Ms: percentile(run.serviceTimes, 99), generatorLagP99Ms: percentile(run.sendLag, 99), batchCount: batches100.length, batch100P50Ms: percentile(batches100, 50), batch100P99Ms: percentile(batches100, 99) })}\n`,
);
