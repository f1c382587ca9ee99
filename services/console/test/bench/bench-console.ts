// scripts/bench-console: 1,000 agents' state changes from a dialer stand-in (a gRPC AgentService
// that emits WatchAgent updates stamped with their emission time) through the console gateway
// to a headless Chromium page showing the agent board. Event-to-screen latency is measured in
// the page (the moment a changed cell is in the DOM at the next animation frame, minus the
// event's time); the floor is the same event stream read bare over SSE from the gateway by a
// plain client, in the same run. Ends with one JSON line.

import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Server, ServerCredentials, type ServerWritableStream } from '@grpc/grpc-js';
import { toTimestamp } from '@outbound/proto';
import {
  AgentServiceService,
  CampaignServiceService,
  AgentState,
  type Agent,
  type WatchAgentRequest,
  type WatchAgentResponse,
} from '@outbound/proto/outbound/v1/campaign';
import { createLogger } from '@outbound/telemetry';
import { chromium } from 'playwright-core';
import { startConsole } from '../../src/gateway/app.js';
import { hashPassword } from '../../src/gateway/domain/session.js';
import type { BoardBatchDto } from '../../src/shared/dto.js';

const AGENTS = Number(process.env['BENCH_AGENTS'] ?? 1_000);
const RATE = Number(process.env['BENCH_RATE'] ?? 1_000); // state changes per second, all agents together
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 15);
const root = fileURLToPath(new URL('../../../', import.meta.url));

const STATES = [
  AgentState.AGENT_STATE_READY,
  AgentState.AGENT_STATE_TALKING,
  AgentState.AGENT_STATE_WRAP_UP,
  AgentState.AGENT_STATE_PAUSED,
];
const ids = Array.from({ length: AGENTS }, (_, i) => `b${String(i).padStart(4, '0')}`);
const agents = new Map<string, Agent>(
  ids.map((id) => [
    id,
    {
      agentId: id,
      state: AgentState.AGENT_STATE_READY,
      campaignIds: ['bench'],
      endpoint: `user/${id}`,
      skills: [],
      pauseReason: '',
      stateSince: toTimestamp(Date.now()),
      attempt: undefined,
      reveal: false,
    },
  ]),
);
const watchers = new Map<string, ServerWritableStream<WatchAgentRequest, WatchAgentResponse>>();

const server = new Server();
server.addService(AgentServiceService, {
  listAgents: (_call: unknown, cb: (e: null, r: unknown) => void) =>
    cb(null, { agents: [...agents.values()], page: { nextPageToken: '' } }),
  watchAgent: (call: ServerWritableStream<WatchAgentRequest, WatchAgentResponse>) => {
    const id = call.request.agentId;
    watchers.set(id, call);
    call.write({ agent: agents.get(id), stateChanged: agents.get(id)!.state, wrapUpUntil: undefined });
    call.on('cancelled', () => watchers.delete(id));
  },
});
// The wallboard also follows the campaign's figures: a stream that stays open and quiet here.
server.addService(CampaignServiceService, { watchCampaign: () => undefined });
const port = await new Promise<number>((resolve, reject) =>
  server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
);

const dir = mkdtempSync(join(tmpdir(), 'bench-console-'));
const usersFile = join(dir, 'users.json');
writeFileSync(usersFile, JSON.stringify([{ username: 'sue', role: 'supervisor', passwordHash: hashPassword('pw') }]));
const gateway = await startConsole(
  {
    httpAddress: '127.0.0.1:0',
    dialerAddress: `127.0.0.1:${port}`,
    leadIngestAddress: '127.0.0.1:1',
    complianceAddress: '127.0.0.1:1',
    users: [{ username: 'sue', role: 'supervisor', passwordHash: hashPassword('pw') }],
    sessionSecret: randomBytes(32).toString('hex'),
    sessionTtlMs: 3_600_000,
    webDir: join(root, 'dist/web'),
    boardFlushMs: 50,
    amdFalsePositiveShare: 0,
    secureCookies: false,
  },
  createLogger({ service: 'bench-console', level: 'warn' }),
);
const signIn = await fetch(`${gateway.url}api/session`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ username: 'sue', password: 'pw' }),
});
const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0]!;

// The floor: the bare SSE stream read by a plain client.
const floor: number[] = [];
let measuring = false;
const bare = await fetch(`${gateway.url}api/campaigns/bench/agents/stream`, { headers: { cookie } });
void (async () => {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of bare.body as unknown as AsyncIterable<Uint8Array>) {
    const now = Date.now();
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = /^event: agents\ndata: (.*)$/m.exec(frame)?.[1];
      if (data && measuring) for (const a of (JSON.parse(data) as BoardBatchDto).agents) floor.push(now - a.eventAt);
    }
  }
})().catch(() => undefined);

const browser = await chromium.launch({
  executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
const context = await browser.newContext();
await context.addCookies([{ name: 'console_session', value: cookie.split('=')[1]!, url: gateway.url }]);
const page = await context.newPage();
await page.goto(`${gateway.url}#/wallboard/bench`);
await page.waitForFunction((n) => document.querySelectorAll('[data-testid=agent-grid] span').length >= n, AGENTS, {
  timeout: 60_000,
});
// In the page: every changed cell's latency at the animation frame after it entered the DOM.
await page.evaluate(() => {
  const w = window as unknown as { latencies: number[] };
  w.latencies = [];
  let pending: number[] = [];
  new MutationObserver((records) => {
    for (const r of records) {
      const at = Number((r.target as HTMLElement).dataset['eventAt']);
      if (r.attributeName === 'data-event-at' && at > 0) pending.push(at);
    }
    if (pending.length > 0)
      requestAnimationFrame(() => {
        const now = Date.now();
        for (const at of pending) w.latencies.push(now - at);
        pending = [];
      });
  }).observe(document.querySelector('[data-testid=agent-grid]')!, {
    attributes: true,
    subtree: true,
    attributeFilter: ['data-event-at'],
  });
});

measuring = true;
const started = Date.now();
let emitted = 0;
const tick = 20;
await new Promise<void>((resolve) => {
  const timer = setInterval(() => {
    const due = Math.round(((Date.now() - started) / 1000) * RATE) - emitted;
    for (let i = 0; i < due; i++) {
      const id = ids[Math.floor(Math.random() * ids.length)]!;
      const agent = agents.get(id)!;
      // Never the same state twice in a row, so every event changes the screen.
      const state = STATES.filter((s) => s !== agent.state)[Math.floor(Math.random() * 3)]!;
      const now = Date.now();
      const next: Agent = { ...agent, state, stateSince: toTimestamp(now) };
      agents.set(id, next);
      watchers.get(id)?.write({ agent: next, stateChanged: state, wrapUpUntil: undefined });
      emitted++;
    }
    if (Date.now() - started >= SECONDS * 1000) {
      clearInterval(timer);
      resolve();
    }
  }, tick);
});
await new Promise((resolve) => setTimeout(resolve, 1_500));
measuring = false;
const latencies = await page.evaluate(() => (window as unknown as { latencies: number[] }).latencies);
const elapsed = (Date.now() - started) / 1000;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const result = {
  agents: AGENTS,
  eventsEmitted: emitted,
  eventsPerSec: Math.round(emitted / SECONDS),
  updatesPerSec: Math.round(latencies.length / elapsed),
  eventToScreenP50Ms: pct(latencies, 50),
  eventToScreenP99Ms: pct(latencies, 99),
  floorP50Ms: pct(floor, 50),
  floorP99Ms: pct(floor, 99),
  p99OverFloor: Number((pct(latencies, 99) / Math.max(1, pct(floor, 99))).toFixed(2)),
  targetP99Ms: 1_000,
};
const rows: [string, string][] = [
  ['agents', String(AGENTS)],
  ['state changes emitted', `${emitted} (${result.eventsPerSec}/s for ${SECONDS}s)`],
  ['updates on screen /s', String(result.updatesPerSec)],
  ['event→screen p50 / p99 (page)', `${result.eventToScreenP50Ms} / ${result.eventToScreenP99Ms} ms`],
  ['floor: bare SSE p50 / p99', `${result.floorP50Ms} / ${result.floorP99Ms} ms`],
  ['p99 / floor p99', String(result.p99OverFloor)],
  ['target p99', '< 1000 ms'],
];
for (const [k, v] of rows) process.stdout.write(`${k.padEnd(32)} ${v}\n`);
process.stdout.write(`${JSON.stringify(result)}\n`);
await browser.close();
await gateway.stop();
server.forceShutdown();
process.exit(0);
