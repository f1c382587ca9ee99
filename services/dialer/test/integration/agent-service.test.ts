// AgentService over real gRPC with the dialer's real stores: sessions, refusals with clear codes,
// the desk stream, and the atomic choice of the longest-idle agent in Redis.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  AgentServiceClient,
  AgentState,
  CampaignServiceClient,
  DialMode,
  IntentGrade,
  MachineAction,
  type WatchAgentResponse,
} from '@outbound/proto/outbound/v1/campaign';
import { Keyspace, createRedis } from '@outbound/redis';
import { Metadata, Status, createClient, unary } from '@outbound/rpc';
import { createLogger } from '@outbound/telemetry';
import { testUrls, uniqueName } from '@outbound/testkit';
import { RedisAgentStates } from '../../src/adapters/redis/agent-states.js';
import { createApp, type App } from '../../src/app.js';
import { loadDialerConfig } from '../../src/config.js';
import { pickLongestIdle } from '../../src/domain/agent-state.js';

const probe = uniqueName('agentsvc')
  .toLowerCase()
  .replace(/[^a-z0-9_]/g, '_');
const campaignId = `${probe}_c`;
let app: App;
let agents: AgentServiceClient;
let campaigns: CampaignServiceClient;

before(async () => {
  const config = loadDialerConfig({
    GRPC_ADDRESS: '127.0.0.1:0',
    NATS_URL: testUrls.nats,
    REDIS_URL: testUrls.redis,
    DATABASE_URL: testUrls.database,
    DIALER_SCHEMA: `${probe}_dialer`,
    DIALER_REDIS_PREFIX: probe,
    DIALER_DURABLE_PREFIX: probe,
    // Nothing listens here: these tests place no call.
    MEDIA_ADDRESS: '127.0.0.1:9',
    COMPLIANCE_ADDRESS: '127.0.0.1:9',
    LEAD_INGEST_ADDRESS: '127.0.0.1:9',
    LEAD_INGEST_REVEAL_TOKEN: 'unused',
  });
  app = createApp({ config, logger: createLogger({ service: 'dialer-test', level: 'silent' }) });
  const { port } = await app.start();
  agents = createClient(AgentServiceClient, `127.0.0.1:${String(port)}`);
  campaigns = createClient(CampaignServiceClient, `127.0.0.1:${String(port)}`);
  await unary(
    campaigns.createCampaign,
    campaigns,
    {
      campaign: {
        campaignId,
        name: 'agents',
        dialMode: DialMode.DIAL_MODE_PROGRESSIVE,
        state: 0,
        leadLists: [{ listId: 'l', tier: '', tags: [], region: '', intent: '', customFields: {} }],
        hours: undefined,
        callerIds: ['+861051234567'],
        gateway: 'carrier1',
        retryPolicy: undefined,
        machineAction: MachineAction.MACHINE_ACTION_HANG_UP,
        machineMessage: '',
        abandonMessage: '',
        maxAttemptsPerLead: 0,
        progressive: { ratio: 1 },
        requiredSkills: [],
        rulePacks: [],
        lineClass: '',
        amd: false,
        ringTimeoutMs: 0,
        script: '',
        createdAt: undefined,
        updatedAt: undefined,
        version: 0,
      },
    },
    new Metadata(),
  );
});

after(async () => {
  agents?.close();
  campaigns?.close();
  await app?.stop();
});

const login = (agentId: string, campaignIds = [campaignId], skills: string[] = []) =>
  unary(
    agents.login,
    agents,
    { agentId, endpoint: `user/${agentId}`, campaignIds, skills, reveal: false },
    new Metadata(),
  );

async function rejects(promise: Promise<unknown>, code: Status): Promise<void> {
  await assert.rejects(promise, (error: { code?: number; details?: string }) => {
    assert.equal(error.code, code, error.details);
    return true;
  });
}

test('log in (paused until ready), ready, pause with a reason, log out; refusals name what is wrong', async () => {
  const { agent } = await login('a1');
  assert.equal(agent?.state, AgentState.AGENT_STATE_PAUSED);
  await rejects(login('a1'), Status.ALREADY_EXISTS);
  await rejects(login('a2', [`${probe}_nobody`]), Status.NOT_FOUND);
  await rejects(
    unary(
      agents.login,
      agents,
      { agentId: 'a3', endpoint: 'not an endpoint', campaignIds: [campaignId], skills: [], reveal: false },
      new Metadata(),
    ),
    Status.INVALID_ARGUMENT,
  );
  assert.equal(
    (await unary(agents.setReady, agents, { agentId: 'a1' }, new Metadata())).agent?.state,
    AgentState.AGENT_STATE_READY,
  );
  await rejects(unary(agents.pause, agents, { agentId: 'a1', reason: 'nap' }, new Metadata()), Status.INVALID_ARGUMENT);
  assert.equal(
    (await unary(agents.pause, agents, { agentId: 'a1', reason: 'lunch' }, new Metadata())).agent?.pauseReason,
    'lunch',
  );
  await rejects(
    unary(
      agents.setDisposition,
      agents,
      {
        agentId: 'a1',
        attemptId: 'never-had-it',
        disposition: {
          intent: IntentGrade.INTENT_GRADE_A,
          notes: '',
          followUpAt: undefined,
          followUpSameAgent: false,
          code: 'sale',
          agentId: '',
          setAt: undefined,
        },
      },
      new Metadata(),
    ),
    Status.NOT_FOUND,
  );
  assert.equal(
    (await unary(agents.logout, agents, { agentId: 'a1' }, new Metadata())).agent?.state,
    AgentState.AGENT_STATE_LOGGED_OUT,
  );
  await rejects(unary(agents.setReady, agents, { agentId: 'a1' }, new Metadata()), Status.NOT_FOUND);
});

test('WatchAgent starts with the agent as it is and follows its state changes', async () => {
  await login('w1');
  const stream = agents.watchAgent({ agentId: 'w1' }, new Metadata(), { deadline: Date.now() + 10_000 });
  const seen: WatchAgentResponse[] = [];
  for await (const update of stream as AsyncIterable<WatchAgentResponse>) {
    seen.push(update);
    if (seen.length === 1) await unary(agents.setReady, agents, { agentId: 'w1' }, new Metadata());
    if (seen.length === 2) break;
  }
  stream.cancel();
  assert.deepEqual(
    seen.map((u) => u.stateChanged),
    [AgentState.AGENT_STATE_PAUSED, AgentState.AGENT_STATE_READY],
  );
});

test('the longest-idle ready agent with the skills is taken, once, however many calls ask at once', async () => {
  const redis = createRedis({ url: testUrls.redis, name: 'agent-test' });
  try {
    const board = new RedisAgentStates(redis, new Keyspace('dialer', `${probe}_board`), { wrapUpMs: 1_000 });
    const c = `${probe}_race`;
    for (const [i, skills] of [['en'], ['en', 'zh'], ['zh'], ['en', 'zh'], ['en']].entries()) {
      await board.login({
        agentId: `r${i}`,
        endpoint: `user/r${i}`,
        campaignIds: [c],
        skills,
        reveal: false,
        state: 'paused',
      });
      await board.setReady(`r${i}`);
    }
    const before = await board.list(c);
    const expected = pickLongestIdle(before, { campaignId: c, skills: ['zh'] });
    const first = await board.reserve({ campaignId: c, attemptId: 'x0', leadId: 'l0', skills: ['zh'] });
    assert.equal(first?.agentId, expected?.agentId);
    assert.equal(first?.readySinceMs, expected?.stateSinceMs, 'it says since when the agent was ready');
    assert.equal(first?.state, 'reserved');
    const taken = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        board.reserve({ campaignId: c, attemptId: `x${i + 1}`, leadId: `l${i}`, skills: [] }),
      ),
    );
    const ids = taken.filter((a) => a !== undefined).map((a) => a.agentId);
    assert.equal(ids.length, 4, 'four agents were left');
    assert.equal(new Set(ids).size, 4, 'no agent taken twice');
    assert.equal((await board.counts(c)).reserved, 5);
  } finally {
    redis.disconnect();
  }
});

test("counts: a campaign's agents by state, agents of other campaigns and logged-out ones left out", async () => {
  const redis = createRedis({ url: testUrls.redis, name: 'agent-test' });
  try {
    const board = new RedisAgentStates(redis, new Keyspace('dialer', `${probe}_counts`), { wrapUpMs: 1_000 });
    const c = `${probe}_count`;
    const login = (agentId: string, campaignIds: string[]) =>
      board.login({ agentId, endpoint: `user/${agentId}`, campaignIds, skills: [], reveal: false, state: 'paused' });
    await login('k0', [c]);
    await login('k1', [c, `${c}_other`]);
    await login('k2', [c]);
    await login('k3', [`${c}_other`]);
    await login('k4', [c]);
    await board.setReady('k1');
    await board.setReady('k2');
    await board.setReady('k3');
    await board.reserve({ campaignId: c, attemptId: 'a1', leadId: 'l1', skills: [], agentId: 'k2' });
    await board.logout('k4');
    assert.deepEqual(await board.counts(c), { loggedIn: 3, ready: 1, reserved: 1, talking: 0, wrapUp: 0, paused: 1 });
    assert.deepEqual(await board.counts(`${c}_other`), {
      loggedIn: 2,
      ready: 2,
      reserved: 0,
      talking: 0,
      wrapUp: 0,
      paused: 0,
    });
    assert.deepEqual(await board.counts(`${c}_none`), {
      loggedIn: 0,
      ready: 0,
      reserved: 0,
      talking: 0,
      wrapUp: 0,
      paused: 0,
    });
  } finally {
    redis.disconnect();
  }
});
