/**
 * Media benchmark: a sustained Originate rate over gRPC through media against switch-sim (own
 * process), every call event published to JetStream. Reports the achieved rate, ESL-arrival →
 * publish-ack latency, events lost against switch-sim's ground truth, and the ESL parser's
 * throughput beside a raw read of the same bytes. Run by scripts/bench-media from the repo root.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Bus } from '@outbound/bus';
import { createLogger } from '@outbound/telemetry';
import { testUrls, uniqueName, waitFor } from '@outbound/testkit';
import { createApp } from '../src/app.js';
import { CALL_EVENT_KINDS, countOnJetStream, expectedFromGroundTruth } from './event-count.js';
import { LatencyHistogram } from './latency-histogram.js';
import { driveOriginatesInChild } from './originate-driver.js';
import { startSwitchProcess } from './switch-process.js';

const seconds = Number(process.env['BENCH_SECONDS'] ?? 60);
const ratePerSec = Number(process.env['BENCH_RATE'] ?? 200);
const root = process.cwd();
const workDir = mkdtempSync(path.join(tmpdir(), 'bench-media-'));
const groundTruth = path.join(workDir, 'ground-truth.jsonl');
const logger = createLogger({ service: 'media-bench', level: process.env['LOG_LEVEL'] ?? 'warn' });
const eslToNats = new LatencyHistogram();
const campaignId = uniqueName('bench');
const progress = (message: string): void => void process.stderr.write(`[bench-media] ${message}\n`);

const sim = await startSwitchProcess({
  main: path.join(root, 'services/switch-sim/dist/src/main.js'),
  scenario: path.join(root, 'services/media/bench/scenario.json'),
  seed: 1,
  groundTruth,
  ...(process.env['BENCH_PROFILE_DIR'] ? { profileDir: process.env['BENCH_PROFILE_DIR'] } : {}),
});
const media = createApp({
  logger,
  observer: { eslToNatsMs: (ms) => eslToNats.record(ms) },
  config: {
    eslNodes: [{ name: 'fs1', host: '127.0.0.1', port: sim.port, password: 'ClueCon' }],
    grpcAddress: '127.0.0.1:0',
    natsUrl: testUrls.nats,
    // Its own bucket: the bench's attempt ids repeat from run to run.
    placementsBucket: uniqueName('placements').replace(/[^A-Za-z0-9_-]/g, '_'),
    defaultGateway: 'carrier1',
    amdDefault: false,
    ringTimeoutMs: 30_000,
    recordingsDir: '/tmp/media-bench-recordings',
    nodeDownAfterMs: 5_000,
    eslCommandTimeoutMs: 5_000,
    // Media's own pacing per node must not be what is measured: above the driven rate.
    originatesPerSecond: Math.ceil(ratePerSec * 1.5),
  },
});
const { port } = await media.start();
await media.nodesReady();

progress(`driving ${String(ratePerSec)} originates/s for ${String(seconds)} s (campaign ${campaignId})`);
const loopBefore = performance.eventLoopUtilization();
const cpuBefore = process.cpuUsage();
const drive = await driveOriginatesInChild({ address: `127.0.0.1:${String(port)}`, campaignId, ratePerSec, seconds });
// Media's process alone (the driver and switch-sim have their own): loop busy share, CPU per call.
const loop = performance.eventLoopUtilization(loopBefore);
const cpu = process.cpuUsage(cpuBefore);
progress(`sent ${String(drive.sent)}, accepted ${String(drive.accepted)}; waiting for the calls to end`);
await waitFor(() => media.controller.activeCalls === 0, {
  what: 'every call to hang up',
  timeoutMs: 60_000,
  intervalMs: 200,
}).catch((error: unknown) => {
  progress(`${(error as Error).message}: ${String(media.controller.activeCalls)} calls still up`);
});
await media.stop(10_000);
await sim.stop();

const truth = expectedFromGroundTruth(groundTruth);
const counter = await Bus.connect({ url: testUrls.nats, name: 'media-bench-counter', logger });
const actual = await countOnJetStream(counter, campaignId);
// The bench's events are counted; keep them out of the development stream's retained history.
await counter.manager.streams.purge('CALLS', { filter: `calls.*.${campaignId}` });
await counter.close();
const eventsLost = CALL_EVENT_KINDS.reduce((sum, kind) => sum + Math.max(0, truth.expected[kind] - actual[kind]), 0);
const eventsExtra = CALL_EVENT_KINDS.reduce((sum, kind) => sum + Math.max(0, actual[kind] - truth.expected[kind]), 0);

progress('ESL parser throughput (packages/esl/bench/parse-bench.mjs)');
const parseOutput = execFileSync(process.execPath, [path.join(root, 'packages/esl/bench/parse-bench.mjs')], {
  encoding: 'utf8',
});
const parse = JSON.parse(parseOutput.trim().split('\n').at(-1) ?? '{}') as {
  parseEventsPerSec: number;
  rawEventsPerSec: number;
  parseVsRawRatio: number;
};
progress("modesl's parser on the same traces (services/media/bench/modesl-parse.ts)");
const modeslOutput = execFileSync(process.execPath, [path.join(root, 'services/media/dist/bench/modesl-parse.js')], {
  encoding: 'utf8',
});
const modesl = JSON.parse(modeslOutput.trim().split('\n').at(-1) ?? '{}') as {
  events: number;
  modeslParseEventsPerSec: number;
};
rmSync(workDir, { recursive: true, force: true });

const round = (n: number, digits = 2): number => Number(n.toFixed(digits));
const summary = {
  targetRatePerSec: ratePerSec,
  seconds: round(drive.seconds),
  originatesSent: drive.sent,
  originatesAccepted: drive.accepted,
  originatesFailed: drive.failed,
  originatesPerSec: round(drive.accepted / drive.seconds, 1),
  mediaLoopUtilization: round(loop.utilization, 3),
  mediaCpuMsPerCall: round((cpu.user + cpu.system) / 1000 / Math.max(1, drive.sent), 3),
  originateRpcP50Ms: round(drive.rpcP50Ms),
  originateRpcP99Ms: round(drive.rpcP99Ms),
  callsInGroundTruth: truth.calls,
  eventsExpected: CALL_EVENT_KINDS.reduce((sum, kind) => sum + truth.expected[kind], 0),
  eventsOnJetStream: CALL_EVENT_KINDS.reduce((sum, kind) => sum + actual[kind], 0),
  eventsLost,
  eventsExtra,
  eslToNatsSamples: eslToNats.count,
  eslToNatsP50Ms: round(eslToNats.quantile(0.5)),
  eslToNatsP99Ms: round(eslToNats.quantile(0.99)),
  eslToNatsMaxMs: round(eslToNats.max),
  parseEventsPerSec: parse.parseEventsPerSec,
  rawEventsPerSec: parse.rawEventsPerSec,
  parseVsRawRatio: parse.parseVsRawRatio,
  modeslParseEventsPerSec: modesl.modeslParseEventsPerSec,
  parseVsModeslRatio: Number((parse.parseEventsPerSec / modesl.modeslParseEventsPerSec).toFixed(2)),
};

const rows: Array<[string, string]> = [
  [
    'originates sent / accepted / failed',
    `${String(drive.sent)} / ${String(drive.accepted)} / ${String(drive.failed)}`,
  ],
  ['originates/s (target)', `${String(summary.originatesPerSec)} (${String(ratePerSec)})`],
  [
    'media event loop busy / CPU per call',
    `${String(Math.round(loop.utilization * 100))} % / ${String(summary.mediaCpuMsPerCall)} ms`,
  ],
  ['Originate RPC p50 / p99', `${String(summary.originateRpcP50Ms)} / ${String(summary.originateRpcP99Ms)} ms`],
  [
    'ESL event → NATS ack p50 / p99 / max',
    `${String(summary.eslToNatsP50Ms)} / ${String(summary.eslToNatsP99Ms)} / ${String(summary.eslToNatsMaxMs)} ms (${String(eslToNats.count)} events)`,
  ],
  ['calls in ground truth', String(truth.calls)],
  ...CALL_EVENT_KINDS.filter((k) => truth.expected[k] + actual[k] > 0).map((k): [string, string] => [
    `calls.${k} expected / on JetStream`,
    `${String(truth.expected[k])} / ${String(actual[k])}`,
  ]),
  ['events lost / extra', `${String(eventsLost)} / ${String(eventsExtra)}`],
  ['ESL parse events/s (raw read)', `${String(parse.parseEventsPerSec)} (${String(parse.rawEventsPerSec)})`],
  ['parse vs raw ratio', String(parse.parseVsRawRatio)],
  [
    'modesl parse events/s (same traces)',
    `${String(modesl.modeslParseEventsPerSec)} (${String(modesl.events)} events)`,
  ],
  ['@outbound/esl vs modesl parse ratio', String(summary.parseVsModeslRatio)],
];
const width = Math.max(...rows.map(([name]) => name.length));
if (drive.firstError !== undefined) progress(`first Originate error: ${drive.firstError}`);
console.log(rows.map(([name, value]) => `${name.padEnd(width)}  ${value}`).join('\n'));
console.log(JSON.stringify(summary));
