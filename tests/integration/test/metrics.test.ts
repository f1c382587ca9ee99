// The metrics as an SRE's Prometheus sees them: Debian's prometheus server (installed by
// scripts/dev-up) scrapes every service of a real stack on loopback each second while a short
// campaign runs through switch-sim with agent-sim and the rules service; its HTTP query API must
// show every job up, the key series of each service moving during the campaign, and every series
// the alert rules and the Grafana dashboard name.

import assert from 'node:assert/strict';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { Processes, availablePort, testUrls, uniqueName } from '@outbound/testkit';
import { runCampaign, servicePath, startStack, type Stack } from './support/dialer-stack.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const JOBS = ['media', 'compliance', 'lead-ingest', 'dialer', 'rules', 'console', 'agent-sim'] as const;
type Job = (typeof JOBS)[number];

let stack: Stack | undefined;
const processes = new Processes();
let prometheus: ChildProcess | undefined;
let prometheusUrl = '';
const prometheusOutput: string[] = [];
const metricsPorts = {} as Record<Job, number>;
let rulesAddress = '';
let consoleUrl = '';
let consolePassword = '';

async function query(expr: string): Promise<Array<{ metric: Record<string, string>; value: number }>> {
  const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await response.json()) as {
    status: string;
    error?: string;
    data?: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
  };
  if (body.status !== 'success') throw new Error(`query ${expr} failed: ${body.error ?? response.status}`);
  return body.data!.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
}

/** Per-job value of an expression that sums by job (absent jobs read 0). */
async function byJob(expr: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const r of await query(expr)) out[r.metric['job'] ?? ''] = r.value;
  return out;
}

/** Polls `check` until it holds or `ms` passes; the last failure is the error. */
async function eventually(ms: number, check: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

before(async () => {
  for (const job of JOBS) metricsPorts[job] = await availablePort();
  const at = (job: Job) => ({ METRICS_ADDRESS: `127.0.0.1:${String(metricsPorts[job])}` });
  const dir = mkdtempSync(join(tmpdir(), 'metrics-e2e-'));

  // Prometheus first, so the first samples of every service are seen.
  const promPort = await availablePort();
  prometheusUrl = `http://127.0.0.1:${String(promPort)}`;
  const config = [
    'global: { scrape_interval: 1s, scrape_timeout: 900ms, evaluation_interval: 1s }',
    'scrape_configs:',
    ...JOBS.map(
      (job) => `  - job_name: ${job}\n    static_configs: [{ targets: ['127.0.0.1:${String(metricsPorts[job])}'] }]`,
    ),
  ].join('\n');
  writeFileSync(join(dir, 'prometheus.yml'), `${config}\n`);
  prometheus = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${String(promPort)}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  prometheus.on('error', (error) =>
    prometheusOutput.push(`cannot start prometheus (scripts/dev-up installs it): ${error.message}`),
  );
  for (const stream of [prometheus.stdout!, prometheus.stderr!])
    stream.on('data', (chunk: Buffer) => prometheusOutput.push(chunk.toString('utf8')));
  await eventually(20_000, async () => {
    const ready = await fetch(`${prometheusUrl}/-/ready`).catch(() => undefined);
    assert.equal(ready?.status, 200, `prometheus is not ready:\n${prometheusOutput.join('').slice(-2000)}`);
  });

  stack = await startStack({
    speedUp: 4,
    serviceEnv: { media: at('media'), compliance: at('compliance'), 'lead-ingest': at('lead-ingest') },
  });
  await stack.startDialer(at('dialer'));
  const probe = uniqueName('metrics')
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_');
  rulesAddress = `127.0.0.1:${String(await availablePort())}`;
  await processes.start(
    servicePath('rules'),
    {
      NATS_URL: testUrls.nats,
      REDIS_URL: testUrls.redis,
      DATABASE_URL: testUrls.database,
      GRPC_ADDRESS: rulesAddress,
      HTTP_ADDRESS: '127.0.0.1:0',
      LEAD_INGEST_ADDRESS: stack.leadIngestAddress,
      RULES_SCHEMA: `${probe}_rules`,
      RULES_DURABLE_PREFIX: probe,
      ...at('rules'),
    },
    (line) => line['msg'] === 'rules ready',
  );
  consolePassword = randomBytes(9).toString('base64url');
  const { stdout: hash } = await promisify(execFile)(process.execPath, [
    servicePath('console', 'gateway/hash-password.js'),
    consolePassword,
  ]);
  const usersFile = join(dir, 'users.json');
  writeFileSync(usersFile, JSON.stringify([{ username: 'admin', role: 'admin', passwordHash: hash.trim() }]));
  const gateway = await processes.start(
    servicePath('console', 'gateway/main.js'),
    {
      HTTP_ADDRESS: '127.0.0.1:0',
      DIALER_ADDRESS: stack.dialerAddress,
      LEAD_INGEST_ADDRESS: stack.leadIngestAddress,
      COMPLIANCE_ADDRESS: stack.complianceAddress,
      CONSOLE_USERS_FILE: usersFile,
      SESSION_SECRET: randomBytes(32).toString('hex'),
      ...at('console'),
    },
    (line) => line['msg'] === 'console ready',
  );
  consoleUrl = `http://127.0.0.1:${String(gateway.ready['port'])}`;
});

after(async () => {
  processes.stopAll();
  stack?.stopAll();
  if (prometheus && prometheus.exitCode === null) {
    prometheus.kill('SIGTERM');
    await once(prometheus, 'exit');
  }
});

test('Prometheus scrapes every service; their key series move during a campaign; the alerts and dashboard name real series', async () => {
  const campaignId = `metrics-${Date.now().toString(36)}`;
  // Agents log in once the driver has created the campaign (agent-sim waits for it); their
  // metrics endpoint is up before that.
  const agents = stack!.startAgents(campaignId, 3, {
    METRICS_ADDRESS: `127.0.0.1:${String(metricsPorts['agent-sim'])}`,
  });
  // Its failure is reported where it is awaited, after the run.
  agents.catch(() => undefined);

  await eventually(20_000, async () => {
    const up = await byJob('up');
    for (const job of JOBS) assert.equal(up[job], 1, `job ${job} is up (up: ${JSON.stringify(up)})`);
  });

  // Counts before the campaign (services already made a few calls as they started).
  const rpcServer = 'sum by (job) (rpc_server_duration_count)';
  const rpcClient = 'sum by (job) (rpc_client_duration_count)';
  const consumed = 'sum by (job) (messaging_process_duration_count)';
  const before = {
    rpcServer: await byJob(rpcServer),
    rpcClient: await byJob(rpcClient),
    consumed: await byJob(consumed),
  };

  const { summary, output } = await runCampaign(stack!, {
    CAMPAIGN_ID: campaignId,
    CAMPAIGN_MODE: 'progressive',
    // Enough leads that some person answers and reaches an agent whatever the far end draws.
    CAMPAIGN_LEADS: '24',
    CAMPAIGN_SEED: String(Date.now() % 1_000_000),
    CAMPAIGN_DNC_EVERY: '5',
    // Sydney numbers too, so some lead is inside its calling window at any hour of the day.
    CAMPAIGN_REGIONS: 'CN,US,GB,AU',
    CAMPAIGN_MAX_RUN_MS: '45000',
    RULES_ADDRESS: rulesAddress,
  });
  assert.ok(Number(summary['dialed']) > 0, `nothing was dialed:\n${output.slice(-8).join('\n')}`);
  await agents;

  // The console's HTTP edge and its gRPC clients: a sign-in and a campaign list, as a supervisor's page.
  const signIn = await fetch(`${consoleUrl}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: consolePassword }),
  });
  assert.equal(signIn.status, 200);
  const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
  const list = await fetch(`${consoleUrl}/api/campaigns`, { headers: { cookie } });
  assert.equal(list.status, 200);

  await eventually(15_000, async () => {
    const server = await byJob(rpcServer);
    for (const job of ['media', 'compliance', 'lead-ingest', 'dialer', 'rules'])
      assert.ok((server[job] ?? 0) > (before.rpcServer[job] ?? 0), `${job}: rpc.server.duration count moved`);
    const client = await byJob(rpcClient);
    for (const job of ['dialer', 'lead-ingest', 'console', 'agent-sim'])
      assert.ok((client[job] ?? 0) > (before.rpcClient[job] ?? 0), `${job}: rpc.client.duration count moved`);
    const handled = await byJob(consumed);
    for (const job of ['compliance', 'lead-ingest', 'dialer', 'rules'])
      assert.ok((handled[job] ?? 0) > (before.consumed[job] ?? 0), `${job}: messaging.process.duration count moved`);
    const http = await byJob('sum by (job) (http_server_request_duration_count)');
    assert.ok((http['console'] ?? 0) >= 2, 'console: http.server.request.duration counted its requests');
  });

  const positive = async (expr: string, what: string) => {
    const result = await query(expr);
    assert.ok(result.length > 0 && result.every((r) => r.value > 0), `${what}: ${expr} → ${JSON.stringify(result)}`);
    return result;
  };
  const outcomes = await positive(
    `sum by (outcome) (dialer_calls_ended_total{campaign="${campaignId}"})`,
    'calls by outcome',
  );
  assert.ok(
    outcomes.some((r) => r.metric['outcome'] === 'connected'),
    `a call reached an agent: ${JSON.stringify(summary)}`,
  );
  await positive(`sum(dialer_answer_to_bridge_duration_count{campaign="${campaignId}"})`, 'answer-to-bridge latency');
  // Per-campaign gauges exist while the campaign runs here; it has ended, so look back over the run.
  await positive(`count(max_over_time(dialer_hopper_depth{campaign="${campaignId}"}[5m]) >= 0)`, 'hopper depth');
  await positive(`count(max_over_time(dialer_pacing_ratio{campaign="${campaignId}"}[5m]) >= 0)`, 'pacing ratio');
  await positive(`max(max_over_time(dialer_agents{campaign="${campaignId}"}[5m]))`, 'agents by state');
  await positive(`max(max_over_time(dialer_calls_active{campaign="${campaignId}"}[5m]))`, 'calls in flight');
  await positive('sum(compliance_decisions_total)', 'compliance decisions');
  await positive('sum by (esl_node) (esl_event_lag_count)', 'ESL events per node');
  await positive('min by (esl_node) (esl_connection_up)', 'ESL connection up');
  await positive('sum by (media_call_event) (media_call_events_total)', 'call events by kind');
  await positive('sum(media_calls_ended_total)', 'calls ended by hangup cause');
  await positive(
    'sum by (leads_import_result) (leads_import_rows_total{leads_import_result="accepted"})',
    'import rows',
  );
  await positive('count(messaging_consumer_lag >= 0)', 'consumer lag');

  // No personal data in any label: no label value looks like a phone number.
  const series = await fetch(`${prometheusUrl}/api/v1/series?match[]=${encodeURIComponent('{job=~".+"}')}`);
  const all = ((await series.json()) as { data: Array<Record<string, string>> }).data;
  for (const labels of all)
    for (const [name, value] of Object.entries(labels))
      assert.doesNotMatch(value, /\+?\d{7,}/, `${labels['__name__']}: label ${name}="${value}" looks like a number`);

  // The alert rules and the dashboard name series that exist.
  const names = new Set(
    ((await (await fetch(`${prometheusUrl}/api/v1/label/__name__/values`)).json()) as { data: string[] }).data,
  );
  const exprs = [
    ...[
      ...readFileSync(join(ROOT, 'deploy/prometheus/alerts.yaml'), 'utf8').matchAll(
        /expr: \|?\s*([^\n]+(?:\n {12,}[^\n]+)*)/g,
      ),
    ].map((m) => m[1]!),
    ...(
      JSON.parse(readFileSync(join(ROOT, 'deploy/grafana/outbound.json'), 'utf8')) as {
        panels: Array<{ targets: Array<{ expr: string }> }>;
      }
    ).panels.flatMap((p) => p.targets.map((t) => t.expr)),
  ];
  // Series that exist only once their event happened (a refused dial): named in the files, not required here.
  const eventOnly = new Set(['compliance_denials_total']);
  const named = new Set<string>();
  for (const expr of exprs) {
    const bare = expr.replace(/\b(by|without)\s*\([^)]*\)/g, '').replace(/\{[^}]*\}/g, '');
    for (const m of bare.matchAll(/\b([a-z_][a-z0-9_]*)\b(?!\s*\()/g)) if (m[1]!.includes('_')) named.add(m[1]!);
  }
  assert.ok(named.size >= 15, `names found in the rules and dashboard: ${[...named].join(', ')}`);
  const missing = [...named].filter((n) => !names.has(n) && !eventOnly.has(n));
  assert.deepEqual(missing, [], 'series named by the alert rules or the dashboard that no service emits');
});
