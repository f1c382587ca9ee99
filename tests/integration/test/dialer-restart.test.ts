import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import { runCampaign, startStack, type Stack } from './support/dialer-stack.js';

// kill -9 the dialer in the middle of a predictive campaign and start it again: the calls in
// flight are adopted (attempt rows in PostgreSQL, their calls.* events waiting in JetStream), no
// lead is lost or dialed twice, and the campaign carries on to the end.

let stack: Stack;
let dialer: ChildProcess;

before(async () => {
  stack = await startStack();
  dialer = await stack.startDialer();
});

after(() => stack?.stopAll());

test('a dialer killed mid-campaign comes back, adopts its calls and finishes the campaign', async () => {
  const campaignId = `e2e-restart-${Date.now().toString(36)}`;
  // Agents log in once the driver has created the campaign (agent-sim waits for it).
  const team = stack.startAgents(campaignId, 3);
  // Its failure is reported where it is awaited, after the run.
  team.catch(() => undefined);
  let killed: Promise<void> | undefined;
  const { summary, output } = await runCampaign(
    stack,
    {
      CAMPAIGN_ID: campaignId,
      CAMPAIGN_MODE: 'predictive',
      CAMPAIGN_LEADS: '30',
      CAMPAIGN_SEED: '505',
      CAMPAIGN_MAX_RUN_MS: '120000',
    },
    (line) => {
      const dialed = /dialed=(\d+)/.exec(line);
      const inFlight = /in-flight=(\d+)/.exec(line);
      if (killed || !dialed || !inFlight || Number(dialed[1]) < 4 || Number(inFlight[1]) < 1) return;
      killed = (async () => {
        dialer.kill('SIGKILL');
        await once(dialer, 'exit');
        dialer = await stack.startDialer();
      })();
    },
  );
  assert.ok(killed, 'the dialer was never killed: the campaign had no call in flight');
  await killed;
  await team;
  const context = output.slice(-8).join('\n');
  assert.ok(
    output.some((l) => l.startsWith('watch interrupted')),
    'the driver never saw the dialer go',
  );
  assert.ok(Number(summary['groundTruthCalls']) > 0, context);
  assert.equal(summary['attemptsMatchingGroundTruth'], summary['groundTruthCalls'], context);
  assert.equal(summary['leadsDialedTwiceAtOnce'], 0);
  assert.equal(summary['deniedDialed'], 0);
  assert.equal(summary['attemptsLeftOpen'], 0, 'an attempt was never closed: its lead is stuck in flight');
});
