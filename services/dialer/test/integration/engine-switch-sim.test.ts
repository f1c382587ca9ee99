// One progressive campaign through the real call path: switch-sim (the far end and the agents'
// phones) → media (its own process, ESL) → calls.* on JetStream → the engine's consumers. The
// engine's stores are the in-memory world of the unit tests (PostgreSQL stores have their own
// tests); the hopper and counters are the real Redis adapters.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bus, CallPlacements } from '@outbound/bus';
import { Keyspace, createRedis } from '@outbound/redis';
import { createLogger } from '@outbound/telemetry';
import { Processes, testUrls, uniqueName, waitFor } from '@outbound/testkit';
import { GrpcCallControl } from '../../src/adapters/grpc/clients.js';
import { startDialerConsumers } from '../../src/adapters/nats/consumers.js';
import { RedisCampaignCounters } from '../../src/adapters/redis/campaign-counters.js';
import { Hopper } from '../../src/adapters/redis/hopper.js';
import { createEngine } from '../../src/use-cases/engine.js';
import { World, agent, deps } from '../support/engine-world.js';

const root = fileURLToPath(new URL('../../../../../', import.meta.url));
const processes = new Processes();
after(() => processes.stopAll());

/** `node <script> <args>` from the repository root; resolves once it prints a ready JSON line. */
const start = (
  script: string,
  args: string[],
  env: Record<string, string>,
  isReady: (line: Record<string, unknown>) => boolean,
) => processes.start(join(root, script), env, isReady, args);

const stop = (child: ChildProcess): Promise<void> => processes.stop(child);

test('engine + media + switch-sim: a progressive campaign bridges every answered call to an agent phone', async () => {
  for (const built of ['services/switch-sim/dist/src/main.js', 'services/media/dist/src/main.js'])
    assert.ok(existsSync(join(root, built)), `${built} is missing: build switch-sim and media first`);
  const dir = mkdtempSync(join(tmpdir(), 'dialer-e2e-'));
  const scenario = join(dir, 'scenario.json');
  const groundTruth = join(dir, 'ground-truth.jsonl');
  writeFileSync(
    scenario,
    JSON.stringify({
      name: 'every call answered by a person',
      rules: [{ outcomes: [{ outcome: 'human', ringMs: { min: 200, max: 500 }, talkMs: 2_500 }] }],
      agents: { answerMs: { min: 100, max: 300 } },
    }),
  );
  const sim = await start(
    'services/switch-sim/dist/src/main.js',
    [
      '--listen',
      '127.0.0.1:0',
      '--scenario',
      scenario,
      '--seed',
      '7',
      '--speed-up',
      '1',
      '--ground-truth',
      groundTruth,
    ],
    {},
    (line) => line['msg'] === 'switch-sim listening',
  );
  const placementsBucket = uniqueName('placements').replace(/[^A-Za-z0-9_-]/g, '_');
  const media = await start(
    'services/media/dist/src/main.js',
    [],
    {
      ESL_NODES: `fs1=127.0.0.1:${String(sim.ready['port'])}:ClueCon`,
      GRPC_ADDRESS: '127.0.0.1:0',
      DEFAULT_GATEWAY: 'carrier1',
      RECORDINGS_DIR: join(dir, 'recordings'),
      NATS_URL: testUrls.nats,
      CALL_PLACEMENTS_BUCKET: placementsBucket,
      LOG_LEVEL: 'info',
    },
    (line) => line['msg'] === 'media started',
  );
  const logger = createLogger({ service: 'dialer-e2e', level: 'silent' });
  const redis = createRedis({ url: testUrls.redis, name: 'dialer-e2e' });
  const bus = await Bus.connect({ url: testUrls.nats, name: 'dialer-e2e', logger });
  await bus.ensureStreams();
  const calls = new GrpcCallControl(`127.0.0.1:${String(media.ready['port'])}`);
  const campaignId = uniqueName('e2e');
  const world = new World({ 'lead-0': 'answer', 'lead-1': 'answer', 'lead-2': 'answer' }, campaignId);
  world.setAgent(agent('1001', campaignId));
  world.setAgent(agent('1002', campaignId));
  const keys = new Keyspace('dialer', uniqueName('e2e'));
  const engineDeps = {
    ...deps(world, 3, {
      modeSettings: { mode: 'progressive', ratio: 1 },
      ringTimeoutMs: 10_000,
      abandonMessage: '',
      // Media may not have its switch connection yet for the first dials: those are tried again.
      retryRules: [{ outcome: 'failed', delayMs: 0, maxRetries: 20 }],
      maxAttemptsPerLead: 25,
    }),
    calls,
    placements: await CallPlacements.open(bus, { bucket: placementsBucket }),
    hopper: new Hopper(redis, keys),
    counters: new RedisCampaignCounters(redis, keys),
  };
  // The far end is real: the world's own call simulation is not used.
  const engine = createEngine({ ...engineDeps, options: { ...engineDeps.options, abandonAfterMs: 2_000 } });
  const consumers = await startDialerConsumers(bus, {
    durablePrefix: uniqueName('dialer_e2e'),
    deliverFrom: 'new',
    onCallFact: async (fact) => (fact.campaignId === campaignId ? engine.onCallFact(fact) : undefined),
    onTask: async () => undefined,
  });
  await engine.start();
  try {
    await waitFor(() => world.campaign.state === 'finished', { what: 'campaign finished', timeoutMs: 60_000 });
    const finals = ['lead-0', 'lead-1', 'lead-2'].map((leadId) =>
      [...world.attemptRows.values()].filter((a) => a.leadId === leadId && a.callId).at(-1)!,
    );
    for (const attempt of finals) {
      assert.equal(attempt.outcome, 'connected', `attempt of ${attempt.leadId}`);
      // Connected, not abandoned: the bridge came before the 2 s abandon timer.
      assert.ok(attempt.timeline.answeredAt && attempt.timeline.bridgedAt, 'answered and bridged');
      assert.ok(attempt.agentId === '1001' || attempt.agentId === '1002');
      assert.ok(attempt.agentCallId);
      assert.ok(attempt.hangupCause);
      assert.equal(attempt.line, world.campaign.settings.gateway, 'the line it went out on is on record');
      assert.ok(world.campaign.settings.callerIds.includes(attempt.callerId ?? ''), 'and the caller id shown');
    }
    // Asked of the switch through media: an ended call is not there.
    assert.equal(await calls.exists(finals[0]!.callId!, finals[0]!.node!), false);
    assert.equal(world.abandonedEvents.length, 0);
    assert.equal(world.refusedDialed, 0);
    const figures = await engine.figures.current(campaignId);
    assert.equal(figures.connected, 3);
    assert.equal(figures.answered, 3);
    // The far end's own record: three calls, as many as connected attempts.
    assert.ok(existsSync(groundTruth));
    const truth = readFileSync(groundTruth, 'utf8')
      .split('\n')
      .filter((line) => line.trim())
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.ok(truth.length >= 3, `ground truth has ${String(truth.length)} entries`);
  } finally {
    await engine.stop();
    await Promise.all(consumers.map((c) => c.stop()));
    calls.close();
    await bus.close();
    await redis.quit();
    await stop(media.child);
    await stop(sim.child);
  }
});
