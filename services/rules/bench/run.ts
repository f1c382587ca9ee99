// Rules benchmark. (1) In process: one campaign of 50 rules evaluated for 1 M generated leads on
// one core (CEL evaluations/s counted one by one). (2) End to end: a real rules process (its
// main.js) fed leads.ingested at BENCH_RATE leads/s in events of BENCH_BATCH leads, latency from
// each event's scheduled send time to its lead's tasks.call on the bus; and the floor: the same
// events, in the same run, through a JetStream consumer that only acks. Lead fields come from a
// lead-ingest stand-in (a real gRPC LeadService in this process). Prints a table, then one JSON line.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { Bus, events } from '@outbound/bus';
import { RuleServiceClient } from '@outbound/proto/outbound/v1/rules';
import { Metadata, createClient, unary } from '@outbound/rpc';
import { createPool } from '@outbound/store';
import { createLogger } from '@outbound/telemetry';
import { compileRuleSet } from '../src/domain/compile.js';
import { evaluate } from '../src/domain/engine.js';
import { EMPTY_HISTORY } from '../src/domain/variables.js';
import { ruleToProto } from '../src/adapters/grpc/schemas.js';
import { startLeadStub } from '../test/integration/lead-stub.js';
import { benchRules, benchScripts, generateLead } from './workload.js';

const LEADS = Number(process.env['BENCH_LEADS'] ?? 1_000_000);
const RATE = Number(process.env['BENCH_RATE'] ?? 2_000);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 15);
const BATCH = Number(process.env['BENCH_BATCH'] ?? 20);
const natsUrl = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';
const databaseUrl = process.env['DATABASE_URL'] ?? 'postgres://outbound:outbound@127.0.0.1:5432/outbound';
const log = (line: string) => process.stderr.write(`[bench-rules] ${line}\n`);
const stamp = Date.now().toString(36);

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

// ---- (1) in process -------------------------------------------------------------------------
const compiled = compileRuleSet('bench', 1, { rules: benchRules(), scripts: benchScripts, listIds: ['bench'] });
if (!compiled.ok) throw new Error(JSON.stringify(compiled.errors));
const ruleSet = compiled.ruleSet;
log(`in process: ${ruleSet.rules.length} rules over ${LEADS} generated leads`);
const nowMs = Date.parse('2026-12-03T02:00:00Z');
const event = { type: 'leads.ingested', name: '', fields: {}, occurredAtMs: nowMs };
let evaluations = 0;
let tasks = 0;
let evalNs = 0n;
const CHUNK = 10_000;
for (let start = 0; start < LEADS; start += CHUNK) {
  const leads = Array.from({ length: Math.min(CHUNK, LEADS - start) }, (_, k) => generateLead(start + k, 'bench'));
  const t0 = process.hrtime.bigint();
  for (const lead of leads) {
    const d = evaluate({
      ruleSet,
      lead,
      history: EMPTY_HISTORY,
      event,
      sourceId: lead.leadId,
      nowMs,
      defaultZone: 'Asia/Shanghai',
      hardCapPerDay: 20,
    });
    evaluations += d.evaluations;
    tasks += d.tasks.length;
  }
  evalNs += process.hrtime.bigint() - t0;
}
const evalSec = Number(evalNs) / 1e9;
const evalsPerSec = evaluations / evalSec;
const leadsPerSec = LEADS / evalSec;
log(`${evaluations} evaluations in ${evalSec.toFixed(2)} s`);

// ---- (2) end to end -------------------------------------------------------------------------
const logger = createLogger({ service: 'bench-rules', level: 'warn' });
const total = RATE * SECONDS;
const stub = await startLeadStub();
const listId = `bench_list_${stamp}`;
const floorList = `bench_floor_${stamp}`;
for (let i = 0; i < total; i++) {
  const g = generateLead(i, listId);
  stub.add({
    leadId: g.leadId,
    listId,
    tier: g.tier,
    intent: g.intent,
    orderValue: g.orderValue,
    tags: [...g.tags],
    custom: g.custom,
    timeZone: g.timeZone,
    region: g.region,
  });
}
const schema = `bench_rules_${stamp}`;
// BENCH_PROFILE_DIR=<dir> writes a V8 CPU profile of the service (open it in Chrome DevTools).
const profileDir = process.env['BENCH_PROFILE_DIR'];
const profile = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
const service = spawn(process.execPath, [...profile, new URL('../src/main.js', import.meta.url).pathname], {
  env: {
    ...process.env,
    GRPC_ADDRESS: '127.0.0.1:0',
    HTTP_ADDRESS: '127.0.0.1:0',
    RULES_SCHEMA: schema,
    RULES_DURABLE_PREFIX: `bench_rules_${stamp}`,
    LEAD_INGEST_ADDRESS: stub.address,
    LOG_LEVEL: 'info',
    RULES_ACTIVE_TTL_MS: '2000',
  },
  stdio: ['ignore', 'pipe', 'inherit'],
});
process.on('exit', () => service.kill('SIGKILL'));
const port = await new Promise<number>((resolve, reject) => {
  service.once('exit', (code) => reject(new Error(`service exited with ${code}`)));
  createInterface({ input: service.stdout }).on('line', (line) => {
    const match = /"port":(\d+).*gRPC server listening/.exec(line);
    if (match?.[1]) resolve(Number(match[1]));
  });
});
const client = createClient(RuleServiceClient, `127.0.0.1:${port}`, { defaultDeadlineMs: 30_000 });
const campaignId = `bench_camp_${stamp}`;
const protoRules = compiled.ruleSet.content.rules.map(ruleToProto);
await unary(
  client.createRuleSet,
  client,
  {
    campaignId,
    listIds: [listId],
    rules: protoRules,
    scripts: benchScripts.map((s) => ({ scriptId: s.id, tags: s.tags })),
    publish: true,
  },
  new Metadata(),
);

const bus = await Bus.connect({ url: natsUrl, name: 'bench-rules', logger });
await bus.ensureStreams();
const sentAt = new Map<string, number>();
const taskLatency: number[] = [];
const seen = new Set<string>();
let lastTaskAt = 0;
const sub = bus.connection.subscribe(events.callTask.subjectForKey(campaignId));
void (async () => {
  for await (const msg of sub) {
    const env = JSON.parse(Buffer.from(msg.data).toString('utf8')) as { data: { leadId: string } };
    const lead = env.data.leadId;
    if (seen.has(lead)) continue;
    seen.add(lead);
    const t = performance.now();
    lastTaskAt = t;
    const s = sentAt.get(lead);
    if (s !== undefined) taskLatency.push(t - s);
  }
})();
const floorLatency: number[] = [];
const floorSent = new Map<string, number>();
const floor = await bus.consume({
  event: events.leadIngested,
  durable: `bench_floor_${stamp}`,
  filterSubject: events.leadIngested.subjectForKey(floorList),
  deliverFrom: 'new',
  handler: async ({ event: e }) => {
    const t = performance.now();
    const s = floorSent.get(e.data.leadIds[0]!);
    if (s !== undefined) for (let k = 0; k < e.data.leadIds.length; k++) floorLatency.push(t - s);
  },
});

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}
const serviceCpuBefore = cpuSeconds(service.pid);
const benchCpuBefore = process.cpuUsage();
log(`end to end: ${RATE} leads/s for ${SECONDS} s in events of ${BATCH}`);
const intervalMs = (1000 * BATCH) / RATE;
const started = performance.now();
const pending: Array<Promise<unknown>> = [];
let generatorLagMax = 0;
for (let sent = 0, n = 0; sent < total; sent += BATCH, n++) {
  const due = started + n * intervalMs;
  const wait = due - performance.now();
  if (wait > 1) await new Promise((r) => setTimeout(r, wait));
  generatorLagMax = Math.max(generatorLagMax, performance.now() - due);
  const ids = Array.from({ length: Math.min(BATCH, total - sent) }, (_, k) => `bench-${sent + k}`);
  for (const id of ids) sentAt.set(id, due);
  floorSent.set(`f-${sent}`, due);
  pending.push(bus.publish(events.leadIngested, { listId, leadIds: ids }));
  pending.push(
    bus.publish(events.leadIngested, {
      listId: floorList,
      leadIds: ids.map((_, k) => (k === 0 ? `f-${sent}` : `f-${sent}-${k}`)),
    }),
  );
}
await Promise.all(pending);
const deadline = performance.now() + 30_000;
while ((seen.size < total || floorLatency.length < total) && performance.now() < deadline)
  await new Promise((r) => setTimeout(r, 100));
const e2eSec = (lastTaskAt - started) / 1000;
const serviceCpuMsPerLead = ((cpuSeconds(service.pid) - serviceCpuBefore) * 1000) / Math.max(1, seen.size);
const benchCpu = process.cpuUsage(benchCpuBefore);
const driverCpuMsPerLead = (benchCpu.user + benchCpu.system) / 1000 / Math.max(1, seen.size);
taskLatency.sort((a, b) => a - b);
floorLatency.sort((a, b) => a - b);
sub.unsubscribe();
await floor.stop();
await bus.manager.consumers.delete('LEADS', `bench_floor_${stamp}`).catch(() => undefined);
service.kill('SIGTERM');
await new Promise((r) => service.once('exit', r));

for (const purpose of [
  'leads-ingested',
  'leads-updated',
  'leads-activity',
  'attempts-completed',
  'calls-hangup',
  'calls-answered',
  'calls-abandoned',
  'optouts',
])
  for (const stream of ['LEADS', 'ATTEMPTS', 'CALLS', 'COMPLIANCE'])
    await bus.manager.consumers.delete(stream, `bench_rules_${stamp}-${purpose}`).catch(() => undefined);
await bus.close();
client.close();
await stub.stop();
const pool = createPool({ url: databaseUrl, applicationName: 'bench-rules' });
await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
await pool.end();

const result = {
  rules: ruleSet.rules.length,
  leads: LEADS,
  evalsPerSec: Math.round(evalsPerSec),
  leadsEvaluatedPerSec: Math.round(leadsPerSec),
  evaluationsPerLead: +(evaluations / LEADS).toFixed(1),
  tasksPerLead: +(tasks / LEADS).toFixed(2),
  e2eRate: RATE,
  e2eLeads: total,
  e2eTasksReceived: seen.size,
  e2eLeadsPerSec: Math.round(seen.size / e2eSec),
  e2eP50Ms: +percentile(taskLatency, 50).toFixed(1),
  e2eP99Ms: +percentile(taskLatency, 99).toFixed(1),
  floorP50Ms: +percentile(floorLatency, 50).toFixed(1),
  floorP99Ms: +percentile(floorLatency, 99).toFixed(1),
  generatorLagMaxMs: +generatorLagMax.toFixed(1),
  serviceCpuMsPerLead: +serviceCpuMsPerLead.toFixed(3),
  driverCpuMsPerLead: +driverCpuMsPerLead.toFixed(3),
  loadAverage1m: +loadavg()[0]!.toFixed(2),
  cores: availableParallelism(),
};
const rows: Array<[string, string]> = [
  ['rules in the campaign', String(result.rules)],
  ['in process: leads', String(LEADS)],
  ['in process: CEL evaluations/s (1 core)', result.evalsPerSec.toLocaleString('en')],
  ['in process: leads/s', result.leadsEvaluatedPerSec.toLocaleString('en')],
  ['in process: evaluations per lead', String(result.evaluationsPerLead)],
  ['e2e: offered leads/s', String(RATE)],
  ['e2e: leads → tasks.call/s', String(result.e2eLeadsPerSec)],
  ['e2e: tasks received / leads sent', `${seen.size} / ${total}`],
  ['e2e: p50 / p99 ms', `${result.e2eP50Ms} / ${result.e2eP99Ms}`],
  ['floor (ack only): p50 / p99 ms', `${result.floorP50Ms} / ${result.floorP99Ms}`],
  ['e2e: rules process CPU ms per lead', String(result.serviceCpuMsPerLead)],
  ['e2e: driver + lead-ingest stand-in CPU ms per lead', String(result.driverCpuMsPerLead)],
  ['machine: cores / load average (1 min)', `${result.cores} / ${result.loadAverage1m}`],
];
const width = Math.max(...rows.map(([k]) => k.length));
process.stdout.write(rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n') + '\n');
process.stdout.write(`${JSON.stringify(result)}\n`);
