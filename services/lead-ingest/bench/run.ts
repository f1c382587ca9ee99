import { execFileSync, spawn } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createInterface } from 'node:readline';
import { from as copyFrom } from 'pg-copy-streams';
import { LeadServiceClient, type ImportRequest } from '@outbound/proto/outbound/v1/lead';
import { Metadata, clientStream, createClient } from '@outbound/rpc';
import { createPool } from '@outbound/store';
import { PiiCipher } from '../src/adapters/pii-cipher.js';
import { generateCsv } from './generate.js';

// End-to-end import benchmark: a real lead-ingest process, fed over gRPC like the CLI does,
// against a raw COPY of the same file as the ceiling. Prints a table, then one JSON line.
// No compliance service is configured, so the do-not-call lookup is the no-op (said in the table).
const rows = Number(process.env['BENCH_ROWS'] ?? 1_000_000);
const databaseUrl = process.env['DATABASE_URL'] ?? 'postgres://outbound:outbound@127.0.0.1:5432/outbound';
const dir = mkdtempSync(join(tmpdir(), 'bench-ingest-'));
const file = join(dir, 'leads.csv');
const schema = `bench_ingest_${Date.now().toString(36)}`;
const log = (line: string) => process.stderr.write(`[bench-ingest] ${line}\n`);

log(`generating ${rows} rows`);
const mix = await generateCsv(file, rows);
log(`${(statSync(file).size / 1e6).toFixed(1)} MB, ${mix.malformed} malformed, ${mix.duplicates} duplicates`);

// BENCH_PROFILE_DIR=<dir> writes a V8 CPU profile of the service (open it in Chrome DevTools).
const profileDir = process.env['BENCH_PROFILE_DIR'];
const profile = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
const service = spawn(process.execPath, [...profile, new URL('../src/main.js', import.meta.url).pathname], {
  env: {
    ...process.env,
    GRPC_ADDRESS: '127.0.0.1:0',
    HTTP_ADDRESS: '127.0.0.1:0',
    PII_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    BLIND_INDEX_KEY: randomBytes(32).toString('base64'),
    LEAD_INGEST_SCHEMA: schema,
    LOG_LEVEL: 'info',
    COMPLIANCE_ADDRESS: undefined,
  },
  stdio: ['ignore', 'pipe', 'inherit'],
});
// The service logs when the leads are committed, with where the time went; the rest of the call
// is publishing events.
let committedAt = 0;
let phases = { readCleanSealMs: 0, dncMs: 0, storeMs: 0, storeWaitMs: 0 };
const port = await new Promise<number>((resolve, reject) => {
  service.once('exit', (code) => reject(new Error(`service exited with ${code}`)));
  createInterface({ input: service.stdout }).on('line', (line) => {
    const match = /"port":(\d+)/.exec(line);
    if (match?.[1]) resolve(Number(match[1]));
    if (line.includes('"import committed"')) {
      committedAt = performance.now();
      phases = (JSON.parse(line) as { phases: typeof phases }).phases;
    }
  });
});

// CPU seconds of a local process from /proc (utime + stime), so µs per row can be reported.
const clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
      .replace(/^.*\) /, '')
      .split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return 0; // the process is gone (e.g. an idle pooled connection closed): its last sample stands
  }
}

// PostgreSQL's side: the CPU of the service's backends (same machine, loopback), sampled each second.
const monitor = createPool({ url: databaseUrl, applicationName: 'bench-ingest-monitor' });
const backendCpu = new Map<number, number>();
async function sampleBackends(): Promise<void> {
  const { rows: backends } = await monitor.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE application_name = 'lead-ingest'`,
  );
  for (const { pid } of backends) backendCpu.set(pid, Math.max(backendCpu.get(pid) ?? 0, cpuSeconds(pid)));
}
let peakRssMb = 0;
let sampling = Promise.resolve();
let ticks = 0;
const sampler = setInterval(() => {
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${service.pid}/status`, 'utf8'));
  if (hwm) peakRssMb = Math.max(peakRssMb, Number(hwm[1]) / 1024);
  if (++ticks % 5 === 0) sampling = sampling.then(sampleBackends, sampleBackends);
}, 200);

const client = createClient(LeadServiceClient, `127.0.0.1:${port}`, { defaultDeadlineMs: 3_600_000 });
const listId = `bench-${randomUUID()}`;
const started = performance.now();
async function* importRequests(): AsyncGenerator<ImportRequest> {
  yield {
    header: {
      listId,
      campaignId: '',
      defaultRegion: 'CN',
      format: 'csv',
      fileName: 'leads.csv',
      columnMapping: {},
      encoding: '',
      sheetName: '',
      jobId: '',
      delimiter: '',
      dedupByExternalId: false,
    },
  };
  for await (const chunk of createReadStream(file, { highWaterMark: 256 * 1024 })) yield { chunk: chunk as Buffer };
}
const response = await clientStream(client.import, client, importRequests(), new Metadata());
const finished = performance.now();
const importSeconds = (finished - started) / 1000;
const eventsSeconds = committedAt > 0 ? (finished - committedAt) / 1000 : 0;
clearInterval(sampler);
await sampling;
await sampleBackends();
await monitor.end();
const serviceCpu = cpuSeconds(service.pid!);
const pgCpu = [...backendCpu.values()].reduce((a, b) => a + b, 0);
const job = response.job!;
client.close();
service.kill('SIGTERM');

// The ceiling: PostgreSQL's own COPY of the same file into a table of text columns.
const pool = createPool({ url: databaseUrl, applicationName: 'bench-ingest' });
const db = await pool.connect();
await db.query(
  `CREATE UNLOGGED TABLE IF NOT EXISTS ${schema}_copy (id text, name text, phone text, region text, intent text, amount text, course text, note text)`,
);
const copyStarted = performance.now();
await pipeline(createReadStream(file), db.query(copyFrom(`COPY ${schema}_copy FROM STDIN (FORMAT csv, HEADER true)`)));
const copySeconds = (performance.now() - copyStarted) / 1000;
await db.query(`DROP TABLE ${schema}_copy`);
await db.query(`DROP SCHEMA ${schema} CASCADE`);
db.release();
await pool.end();
rmSync(dir, { recursive: true, force: true });

// The machine's budget: at the 50,000 rows/s target, every core together has this many µs per
// row for the service and PostgreSQL. Measured beside it: what protecting one row costs by itself
// (AES-256-GCM seal of number and name + the HMAC blind index, node:crypto, nothing else), the floor
// of any design that encrypts in this process.
const TARGET_ROWS_PER_SEC = 50_000;
const cores = availableParallelism();
const budgetUsPerRow = (cores * 1e6) / TARGET_ROWS_PER_SEC;
const protectUsPerRow = measureProtect();

const rowsPerSec = Math.round(rows / importSeconds);
const copyRowsPerSec = Math.round(rows / copySeconds);
const commitSeconds = importSeconds - eventsSeconds;
const result = {
  rows,
  accepted: job.rowsAccepted,
  rejected: job.rowsRejected,
  duplicate: job.rowsDuplicate,
  state: job.state,
  seconds: round(importSeconds),
  commitSeconds: round(commitSeconds),
  readCleanSealSeconds: round(phases.readCleanSealMs / 1000),
  dncSeconds: round(phases.dncMs / 1000),
  storeSeconds: round(phases.storeMs / 1000),
  storeWaitSeconds: round(phases.storeWaitMs / 1000),
  eventsSeconds: round(eventsSeconds),
  rowsPerSec,
  peakRssMb: Math.round(peakRssMb),
  serviceCpuSeconds: round(serviceCpu),
  serviceCpuUsPerRow: Math.round((serviceCpu * 1e6) / rows),
  postgresCpuSeconds: round(pgCpu),
  postgresCpuUsPerRow: Math.round((pgCpu * 1e6) / rows),
  copySeconds: round(copySeconds),
  copyRowsPerSec,
  ratioToCopy: Number((rowsPerSec / copyRowsPerSec).toFixed(3)),
  cores,
  cpuBudgetUsPerRowAtTarget: budgetUsPerRow,
  cpuUsPerRow: Math.round(((serviceCpu + pgCpu) * 1e6) / rows),
  protectUsPerRow: round(protectUsPerRow),
  // Rows/s if every core did nothing but this import at the CPU per row measured here.
  rowsPerSecAllCoresBusy: Math.round((cores * rows) / (serviceCpu + pgCpu)),
  doNotCall: 'no-op (no compliance configured)',
};
const rate = (seconds: number) => (seconds >= 0.05 ? String(Math.round(rows / seconds)) : '-');
const table = [
  ['phase', 'seconds', 'rows/s', 'note'],
  [
    'read + clean + seal (service)',
    result.readCleanSealSeconds.toFixed(2),
    rate(result.readCleanSealSeconds),
    'receive, CSV decode, validate, numbers, HMAC, AES-GCM, COPY rows',
  ],
  ['DNC lookup (service)', result.dncSeconds.toFixed(2), rate(result.dncSeconds), 'per chunk (no-op here)'],
  [
    'COPY + merge (PostgreSQL)',
    result.storeSeconds.toFixed(2),
    rate(result.storeSeconds),
    'per chunk, overlaps the two above',
  ],
  ['  service waiting on merge', result.storeWaitSeconds.toFixed(2), '-', 'time the database was the bottleneck'],
  ['until commit', result.commitSeconds.toFixed(2), rate(result.commitSeconds), ''],
  [
    'events (leads.ingested)',
    result.eventsSeconds.toFixed(2),
    rate(result.eventsSeconds),
    'after commit, from stored id pages',
  ],
  ['end to end', result.seconds.toFixed(2), String(rowsPerSec), `peak RSS ${result.peakRssMb} MB`],
  [
    'raw PostgreSQL COPY',
    result.copySeconds.toFixed(2),
    String(copyRowsPerSec),
    `ceiling; end to end is ${result.ratioToCopy} of it`,
  ],
];
for (const line of table)
  process.stdout.write(
    `${line.map((cell, i) => (i === 0 ? cell.padEnd(30) : i === 3 ? `  ${cell}` : cell.padStart(10))).join(' ')}\n`,
  );
process.stdout.write(
  `CPU: service ${result.serviceCpuSeconds} s (${result.serviceCpuUsPerRow} µs/row), PostgreSQL backends ${result.postgresCpuSeconds} s (${result.postgresCpuUsPerRow} µs/row)\n` +
    `budget: ${cores} cores at ${TARGET_ROWS_PER_SEC.toLocaleString('en')} rows/s leave ${result.cpuBudgetUsPerRowAtTarget} µs of CPU per row for service + PostgreSQL; spent ${result.cpuUsPerRow} (at most ${result.rowsPerSecAllCoresBusy} rows/s with every core busy); AES-GCM + HMAC alone ${result.protectUsPerRow} µs/row\n` +
    `accepted ${job.rowsAccepted}, rejected ${job.rowsRejected}, duplicate ${job.rowsDuplicate}; do-not-call: ${result.doNotCall}\n`,
);
process.stdout.write(`${JSON.stringify(result)}\n`);

/** µs per row of sealing a number and a Chinese name and computing the number's blind index. */
function measureProtect(): number {
  const cipher = new PiiCipher([{ id: 'k1', key: randomBytes(32) }], 'k1', randomBytes(32));
  const plain = Buffer.from('+8613800138000\n欧阳明华', 'utf8');
  const out = Buffer.allocUnsafe(4096);
  const run = (count: number) => {
    for (let i = 0; i < count; i++) {
      const at = (i % 32) * 128;
      cipher.sealInto(plain, out, at);
      cipher.blindIndexInto('+8613800138000', undefined, out, at + 96);
    }
  };
  run(20_000);
  const count = 200_000;
  const started = performance.now();
  run(count);
  return ((performance.now() - started) * 1000) / count;
}

function round(value: number): number {
  return Number(value.toFixed(2));
}
