import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { truncateSync } from 'node:fs';
import { runCampaign, startStack, type Stack } from './support/dialer-stack.js';

// Each of the four dial modes end to end, through real processes: switch-sim → media → dialer ←
// agent-sim, compliance at the gate, leads from lead-ingest. The driver's JSON line is checked
// against switch-sim's ground truth: every call the far end saw is an attempt with the same
// outcome, cause and answered/bridged state; no lead in two calls at once; no refused dial placed.

let stack: Stack;

before(async () => {
  stack = await startStack();
  await stack.startDialer();
});

after(() => stack?.stopAll());

const MODES = [
  { mode: 'progressive', agents: 3, seed: 101 },
  { mode: 'predictive', agents: 3, seed: 202 },
  { mode: 'preview', agents: 2, seed: 303 },
  { mode: 'agentless', agents: 0, seed: 404 },
] as const;

for (const { mode, agents, seed } of MODES) {
  test(`${mode}: every ground-truth call matches its attempt; nobody dialed twice at once; no refused dial placed`, async () => {
    truncateSync(stack.groundTruthFile);
    const campaignId = `e2e-${mode}-${Date.now().toString(36)}`;
    // Agents log in once the driver has created the campaign (agent-sim waits for it).
    const team = agents > 0 ? stack.startAgents(campaignId, agents) : undefined;
    // Its failure is reported where it is awaited, after the run.
    team?.catch(() => undefined);
    const { summary, output } = await runCampaign(stack, {
      CAMPAIGN_ID: campaignId,
      CAMPAIGN_MODE: mode,
      CAMPAIGN_LEADS: '18',
      CAMPAIGN_SEED: String(seed),
      CAMPAIGN_DNC_EVERY: '4',
      CAMPAIGN_MAX_RUN_MS: '90000',
    });
    await team;
    const context = output.slice(-8).join('\n');
    assert.ok(Number(summary['dialed']) > 0, `nothing was dialed:\n${context}`);
    assert.ok(Number(summary['groundTruthCalls']) > 0, `switch-sim saw no call:\n${context}`);
    assert.equal(summary['attemptsMatchingGroundTruth'], summary['groundTruthCalls'], context);
    assert.equal(summary['leadsDialedTwiceAtOnce'], 0);
    assert.equal(summary['deniedDialed'], 0);
    assert.equal(summary['attemptsLeftOpen'], 0, 'an attempt was never closed: its lead is stuck in flight');
    assert.ok(Number(summary['attempts']) >= Number(summary['groundTruthCalls']));
    assert.ok(Number(summary['answered']) > 0, `no call was answered:\n${context}`);
  });
}
