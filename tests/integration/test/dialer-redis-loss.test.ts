import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createRedis } from '@outbound/redis';
import { testUrls } from '@outbound/testkit';
import { runCampaign, startStack, type Stack } from './support/dialer-stack.js';

// Redis loses everything in the middle of a predictive campaign (FLUSHDB on the dialer's own
// database: hoppers, lead leases, counters, the agents' board). The dialer rebuilds it from
// PostgreSQL: the campaign finishes, nobody is dialed twice at once, every call placed has its
// attempt, the agents are back without logging in again, and the counters still add up.

const DIALER_DB = 11;
const dialerRedisUrl = `${testUrls.redis.replace(/\/\d*$/, '')}/${DIALER_DB}`;
let stack: Stack;
const redis = createRedis({ url: dialerRedisUrl, name: 'redis-loss-test' });

before(async () => {
  stack = await startStack({ dialerRedisUrl });
  await stack.startDialer();
});

after(async () => {
  stack?.stopAll();
  await redis.quit();
});

test('Redis flushed mid-campaign: state rebuilt from PostgreSQL, nothing lost, nobody dialed twice', async () => {
  const campaignId = `e2e-flush-${Date.now().toString(36)}`;
  const team = stack.startAgents(campaignId, 3);
  team.catch(() => undefined);
  let flushed: Promise<unknown> | undefined;
  const { summary, output } = await runCampaign(
    stack,
    {
      CAMPAIGN_ID: campaignId,
      CAMPAIGN_MODE: 'predictive',
      CAMPAIGN_LEADS: '30',
      CAMPAIGN_SEED: '707',
      CAMPAIGN_MAX_RUN_MS: '120000',
    },
    (line) => {
      const dialed = /dialed=(\d+)/.exec(line);
      const inFlight = /in-flight=(\d+)/.exec(line);
      if (flushed || !dialed || !inFlight || Number(dialed[1]) < 4 || Number(inFlight[1]) < 1) return;
      flushed = redis.flushdb();
    },
  );
  assert.ok(flushed, 'Redis was never flushed: the campaign had no call in flight');
  await flushed;
  await team;
  const context = output.slice(-8).join('\n');
  assert.ok(Number(summary['groundTruthCalls']) > 0, context);
  assert.equal(summary['attemptsMatchingGroundTruth'], summary['groundTruthCalls'], context);
  assert.equal(summary['leadsDialedTwiceAtOnce'], 0);
  assert.equal(summary['deniedDialed'], 0);
  assert.equal(summary['attemptsLeftOpen'], 0, 'an attempt was never closed: its lead is stuck in flight');
  assert.equal(summary['dialed'], summary['groundTruthCalls'], 'the counters were rebuilt: every call is counted');
});
