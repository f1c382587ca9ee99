import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { availablePort } from '@outbound/testkit';
import { runCampaign, startStack, type Stack } from './support/dialer-stack.js';

// Two dialer replicas share the campaigns. kill -9 the one that owns a running predictive
// campaign: the other takes the campaign's lease within 5 s (the lease's TTL is 3 s), adopts the
// calls in flight and finishes the campaign; nobody is dialed twice at once, every call placed
// has its attempt, and no dial compliance would refuse was placed.

let stack: Stack;
let owner: ChildProcess;
let standby: ChildProcess;
const standbyAddress = `127.0.0.1:${String(await availablePort())}`;
/** When the standby replica logged taking each campaign. */
const takenByStandby = new Map<string, number>();

before(async () => {
  stack = await startStack();
  owner = await stack.startDialer();
  standby = await stack.startDialer({ GRPC_ADDRESS: standbyAddress });
  createInterface({ input: standby.stdout! }).on('line', (line) => {
    if (!line.startsWith('{')) return;
    const entry = JSON.parse(line) as { msg?: string; campaignId?: string };
    if (entry.msg === 'campaign taken' && entry.campaignId) takenByStandby.set(entry.campaignId, Date.now());
  });
});

after(() => stack?.stopAll());

test('the standby replica takes over a killed owner’s campaign within 5 s, adopts its calls, and nobody is dialed twice', async (t) => {
  const campaignId = `e2e-takeover-${Date.now().toString(36)}`;
  const team = stack.startAgents(campaignId, 3);
  team.catch(() => undefined);
  let killedAt = 0;
  let takeover: Promise<void> | undefined;
  const { summary, output } = await runCampaign(
    stack,
    {
      CAMPAIGN_ID: campaignId,
      CAMPAIGN_MODE: 'predictive',
      CAMPAIGN_LEADS: '30',
      CAMPAIGN_SEED: '606',
      CAMPAIGN_MAX_RUN_MS: '120000',
    },
    (line) => {
      const dialed = /dialed=(\d+)/.exec(line);
      const inFlight = /in-flight=(\d+)/.exec(line);
      if (takeover || !dialed || !inFlight || Number(dialed[1]) < 4 || Number(inFlight[1]) < 1) return;
      // The driver started the campaign through the first replica, which took it at once.
      assert.ok(!takenByStandby.has(campaignId), 'the standby took the campaign while its owner was alive');
      takeover = (async () => {
        owner.kill('SIGKILL');
        killedAt = Date.now();
        await once(owner, 'exit');
        for (let waited = 0; !takenByStandby.has(campaignId) && waited < 15_000; waited += 100)
          await new Promise((resolve) => setTimeout(resolve, 100));
        // Back on its address for the driver and the agents; the campaign stays with the standby.
        owner = await stack.startDialer();
      })();
    },
  );
  assert.ok(takeover, 'the owner was never killed: the campaign had no call in flight');
  await takeover;
  await team;
  const context = output.slice(-8).join('\n');
  const takenAt = takenByStandby.get(campaignId);
  assert.ok(takenAt, 'the standby never took the campaign');
  const recoverySec = (takenAt - killedAt) / 1000;
  t.diagnostic(`taken over ${recoverySec.toFixed(1)} s after the kill`);
  assert.ok(recoverySec < 5, `taken over after ${recoverySec.toFixed(1)} s`);
  assert.ok(Number(summary['groundTruthCalls']) > 0, context);
  assert.equal(summary['attemptsMatchingGroundTruth'], summary['groundTruthCalls'], context);
  assert.equal(summary['leadsDialedTwiceAtOnce'], 0);
  assert.equal(summary['deniedDialed'], 0);
  assert.equal(summary['attemptsLeftOpen'], 0, 'an attempt was never closed: its lead is stuck in flight');
});
