import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import net from 'node:net';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createApp, type App } from '../src/app.js';
import { parseScenario } from '../src/domain/scenario.js';
import {
  causalOrder,
  eventOf,
  isModuleInventory,
  splitFrames,
  streamsOf,
  summarize,
  UNORDERED_EVENTS,
  type Frame,
} from './trace-frames.js';

const tracesDir =
  process.env['ESL_TRACES_DIR'] ?? fileURLToPath(new URL('../../../../../shared/esl-traces/', import.meta.url));
const scenarioPath = fileURLToPath(new URL('../../scenarios/traces.json', import.meta.url));

interface TimelineEntry {
  readonly dir: string;
  readonly rel_ms?: number;
  readonly data?: string;
}

/** Comparable frames: timer/API events and the module inventory of a shutdown are compared apart or not at all. */
function isExcluded(frame: Frame): boolean {
  const event = eventOf(frame);
  return event !== undefined && (UNORDERED_EVENTS.has(event.name) || isModuleInventory(event));
}

/** The API-Command of every API event, sorted: same commands, any position. */
function apiCommands(frames: Frame[]): string[] {
  return frames
    .map(eventOf)
    .filter((e) => e?.name === 'API')
    .map((e) => e?.headers.find(([n]) => n === 'API-Command')?.[1] ?? '')
    .sort();
}

/**
 * What the capture's client did, each step once the (comparable) server frames the capture shows
 * before it have arrived: a write, or stopping the switch where the capture notes the SIGTERM (07d).
 */
type ScriptStep = { readonly afterFrames: number; readonly gapMs: number } & (
  { readonly kind: 'write'; readonly bytes: string; readonly thenHangUp: boolean } | { readonly kind: 'stop-switch' }
);

function clientScript(name: string): ScriptStep[] {
  const lines = readFileSync(new URL(`${name}.timeline.jsonl`, `file://${tracesDir}`), 'utf8')
    .split('\n')
    .filter((l) => l !== '');
  let server = '';
  let frames = 0;
  // When the last comparable frame before a write arrived: the write keeps its distance from it
  // (what FreeSWITCH's core db shows depends on it, 04's `show calls` 1.5 s after the bridge).
  let lastFrameMs = 0;
  const script: ScriptStep[] = [];
  for (const line of lines) {
    const entry = JSON.parse(line) as TimelineEntry;
    const afterFrames = frames;
    const gapMs = Math.max(0, (entry.rel_ms ?? 0) - lastFrameMs);
    if (entry.dir === 'server->client') {
      server += entry.data ?? '';
      const now = splitFrames(server).filter((f) => !f.truncated && !isExcluded(f)).length;
      if (now > frames) lastFrameMs = entry.rel_ms ?? lastFrameMs;
      frames = now;
    }
    if (entry.dir === 'client->server')
      script.push({ kind: 'write', bytes: entry.data ?? '', afterFrames, gapMs, thenHangUp: false });
    if (entry.dir === 'note' && /SIGTERM/.test(entry.data ?? ''))
      script.push({ kind: 'stop-switch', afterFrames, gapMs });
  }
  // A capture that ends with a client write: the client hung up right after it (09: modesl's
  // disconnect() writes `exit` and closes), so nothing the server sent afterwards was captured.
  const last = script.at(-1);
  const endsWithWrite =
    lines.length > 0 && (JSON.parse(lines.at(-1) ?? '{}') as TimelineEntry).dir === 'client->server';
  if (last?.kind === 'write' && endsWithWrite) script[script.length - 1] = { ...last, thenHangUp: true };
  return script;
}

interface Replayed {
  readonly frames: Frame[];
  /** The stream ended inside a frame (FreeSWITCH's last bytes on shutdown). */
  readonly endsTruncated: boolean;
  readonly closedByServer: boolean;
}

async function replay(port: number, name: string, stopSwitch: () => Promise<void>): Promise<Replayed> {
  const script = clientScript(name);
  const socket = net.connect(port, '127.0.0.1');
  let received = '';
  let closed = false;
  let hungUp = false;
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    if (!hungUp) received += chunk;
  });
  socket.on('close', () => {
    closed = true;
  });
  const count = (): number => splitFrames(received).filter((f) => !f.truncated && !isExcluded(f)).length;
  const waitFor = async (predicate: () => boolean, deadlineMs: number): Promise<void> => {
    const until = Date.now() + deadlineMs;
    while (!predicate() && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
  };
  for (const step of script) {
    await waitFor(() => count() >= step.afterFrames || closed, 12_000);
    if (closed) break;
    await new Promise((r) => setTimeout(r, step.gapMs));
    if (step.kind === 'stop-switch') await stopSwitch();
    else if (!step.thenHangUp) socket.write(step.bytes);
    else {
      socket.end(step.bytes);
      hungUp = true;
    }
  }
  const expected = splitFrames(readFileSync(new URL(`${name}.server.txt`, `file://${tracesDir}`), 'utf8')).filter(
    (f) => !f.truncated && !isExcluded(f),
  ).length;
  await waitFor(() => count() >= expected || closed || hungUp, 12_000);
  await new Promise((r) => setTimeout(r, 300));
  socket.destroy();
  const frames = splitFrames(received);
  return {
    frames: frames.filter((f) => !f.truncated),
    endsTruncated: frames.at(-1)?.truncated === true,
    closedByServer: closed,
  };
}

function comparable(frames: Frame[]): string[] {
  return frames
    .filter((f) => !isExcluded(f))
    .map((f) => {
      const s = summarize(f);
      return [`== ${s.kind}`, ...s.lines.map((l) => `   ${l}`)].join('\n');
    });
}

/** Per summary line: which tokens only the trace has (-) and which only the sim has (+). */
function lineDiff(expected: string, actual: string): string[] {
  const a = expected.split('\n');
  const b = actual.split('\n');
  const out: string[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
    const left = a[i] ?? '';
    const right = b[i] ?? '';
    if (left === right) continue;
    const lt = left.trim().split(' ');
    const rt = right.trim().split(' ');
    const missing = lt.filter((t) => !rt.includes(t));
    const extra = rt.filter((t) => !lt.includes(t));
    const label = left.trim().split(':')[0] || right.trim().split(':')[0];
    if (missing.length === 0 && extra.length === 0) {
      const at = lt.findIndex((t, k) => t !== rt[k]);
      out.push(
        `  ${label}: order differs at token ${at}\n    trace: …${lt.slice(Math.max(0, at - 2), at + 4).join(' ')}\n    sim:   …${rt.slice(Math.max(0, at - 2), at + 4).join(' ')}`,
      );
    } else out.push(`  ${label}: trace-only [${missing.join(' ')}] sim-only [${extra.join(' ')}]`);
  }
  return out;
}

/** First differing frame with both sides, readable in the test output. */
function firstDifference(expected: string[], actual: string[]): string | undefined {
  const n = Math.max(expected.length, actual.length);
  for (let i = 0; i < n; i += 1) {
    if (expected[i] !== actual[i]) {
      const kinds = (list: string[]): string => list.map((s) => s.split('\n')[0]?.slice(3)).join(', ');
      return [
        `frame #${i} differs (trace has ${expected.length} frames, sim sent ${actual.length})`,
        ...lineDiff(expected[i] ?? '', actual[i] ?? ''),
        `trace sequence: ${kinds(expected)}`,
        `sim sequence:   ${kinds(actual)}`,
      ].join('\n');
    }
  }
  return undefined;
}

const traceNames = readdirSync(tracesDir)
  .filter((f) => f.endsWith('.client.txt'))
  .map((f) => f.replace('.client.txt', ''))
  .sort();

/** Calls already up when the capture's client connected, placed (and parked) before the replay. */
const PRE_EXISTING_CALLS: Record<string, ReadonlyArray<() => string>> = {
  '07d-freeswitch-shutdown': [
    () => `{origination_uuid=${randomUUID()},ignore_early_media=true}sofia/external/vm@127.0.0.1:5090 &park()`,
  ],
};

async function placeParkedCall(port: number, dial: string): Promise<void> {
  const socket = net.connect(port, '127.0.0.1');
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    received += chunk;
  });
  socket.write(`auth ClueCon\n\nevent plain CHANNEL_PARK\n\nbgapi originate ${dial}\n\n`);
  const until = Date.now() + 5_000;
  while (!received.includes('Event-Name: CHANNEL_PARK') && Date.now() < until)
    await new Promise((r) => setTimeout(r, 10));
  socket.destroy();
  assert.ok(received.includes('Event-Name: CHANNEL_PARK'), `pre-existing call ${dial} did not park`);
}

function createSwitch(): App {
  return createApp({
    host: '127.0.0.1',
    port: 0,
    password: 'ClueCon',
    seed: 1,
    heartbeatMs: 60 * 60 * 1000,
    scenario: parseScenario(JSON.parse(readFileSync(scenarioPath, 'utf8'))),
  });
}

function assertSameFrames(expectedFrames: Frame[], actualFrames: Frame[]): void {
  const expectedStreams = streamsOf(expectedFrames);
  if (expectedStreams.size <= 2) {
    const diff = firstDifference(comparable(expectedFrames), comparable(actualFrames));
    assert.equal(diff, undefined, diff);
    return;
  }
  // Several channels: each leg and the control stream in order, and the causal cross-leg order.
  const actualStreams = streamsOf(actualFrames);
  assert.deepEqual([...actualStreams.keys()], [...expectedStreams.keys()], 'channels in the trace');
  for (const [key, stream] of expectedStreams) {
    const diff = firstDifference(comparable(stream), comparable(actualStreams.get(key) ?? []));
    assert.equal(diff, undefined, `${key}: ${diff ?? ''}`);
  }
  assert.deepEqual(causalOrder(actualFrames), causalOrder(expectedFrames), 'bridge/hangup order across legs');
}

/**
 * Each capture gets a switch of its own (under `event … ALL` a connection sees every call on its
 * switch), which also lets the replays run side by side: they mostly wait on the captures' timing.
 */
describe('fidelity: replaying captured client bytes gives the captured server frames', { concurrency: 4 }, () => {
  for (const name of traceNames) {
    it(name, async () => {
      const captured = splitFrames(readFileSync(new URL(`${name}.server.txt`, `file://${tracesDir}`), 'utf8'));
      const expectedFrames = captured.filter((f) => !f.truncated);
      const stopsSwitch = clientScript(name).some((step) => step.kind === 'stop-switch');
      const sim = createSwitch();
      const { port } = await sim.start();
      let stopped = false;
      const stopSwitch = async (): Promise<void> => {
        stopped = true;
        await sim.stop();
      };
      try {
        for (const dial of PRE_EXISTING_CALLS[name] ?? []) await placeParkedCall(port, dial());
        const result = await replay(port, name, stopSwitch);
        assertSameFrames(expectedFrames, result.frames);
        assert.deepEqual(apiCommands(result.frames), apiCommands(expectedFrames), 'API events (by API-Command)');
        assert.equal(
          result.endsTruncated,
          captured.at(-1)?.truncated === true,
          'stream ends inside a frame as captured',
        );
        if (stopsSwitch) assert.ok(result.closedByServer, 'the switch closes the connection on shutdown');
      } finally {
        if (!stopped) await sim.stop();
      }
    });
  }
});
