// CampaignService over real gRPC, with the dialer's real stores (PostgreSQL, Redis, NATS) and a
// real compliance process (a started campaign's policy goes there first).

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  CampaignServiceClient,
  CampaignState,
  DialMode,
  MachineAction,
  type Campaign,
  type WatchCampaignResponse,
} from '@outbound/proto/outbound/v1/campaign';
import { Metadata, Status, createClient, unary } from '@outbound/rpc';
import { createLogger } from '@outbound/telemetry';
import { Processes, testUrls, uniqueName } from '@outbound/testkit';
import { createApp, type App } from '../../src/app.js';
import { loadDialerConfig } from '../../src/config.js';

const processes = new Processes();
const probe = uniqueName('campaignsvc')
  .toLowerCase()
  .replace(/[^a-z0-9_]/g, '_');
let app: App;
let client: CampaignServiceClient;

before(async () => {
  const compliance = await processes.start(
    fileURLToPath(new URL('../../../../compliance/dist/src/main.js', import.meta.url)),
    {
      NATS_URL: testUrls.nats,
      REDIS_URL: testUrls.redis,
      DATABASE_URL: testUrls.database,
      LOG_LEVEL: 'info',
      GRPC_ADDRESS: '127.0.0.1:0',
      COMPLIANCE_DB_SCHEMA: `${probe}_compliance`,
      COMPLIANCE_REDIS_PREFIX: probe,
      COMPLIANCE_DURABLE_PREFIX: probe,
      COMPLIANCE_BLIND_INDEX_SECRET: randomBytes(24).toString('base64'),
    },
    (line) => line['msg'] === 'compliance ready',
  );
  const config = loadDialerConfig({
    GRPC_ADDRESS: '127.0.0.1:0',
    NATS_URL: testUrls.nats,
    REDIS_URL: testUrls.redis,
    DATABASE_URL: testUrls.database,
    DIALER_SCHEMA: `${probe}_dialer`,
    DIALER_REDIS_PREFIX: probe,
    DIALER_DURABLE_PREFIX: probe,
    COMPLIANCE_ADDRESS: `127.0.0.1:${String(compliance.ready['port'])}`,
    // Nothing listens here: these tests place no call.
    MEDIA_ADDRESS: '127.0.0.1:9',
    LEAD_INGEST_ADDRESS: '127.0.0.1:9',
    LEAD_INGEST_REVEAL_TOKEN: 'unused',
  });
  app = createApp({ config, logger: createLogger({ service: 'dialer-test', level: 'silent' }) });
  const { port } = await app.start();
  client = createClient(CampaignServiceClient, `127.0.0.1:${String(port)}`);
});

after(async () => {
  client?.close();
  await app?.stop();
  processes.stopAll();
});

function campaign(over: Partial<Campaign> = {}): Campaign {
  return {
    campaignId: '',
    name: 'spring sale',
    dialMode: DialMode.DIAL_MODE_PROGRESSIVE,
    state: CampaignState.CAMPAIGN_STATE_UNSPECIFIED,
    leadLists: [{ listId: 'list_a', tier: '', tags: [], region: '', intent: '', customFields: {} }],
    hours: { startHour: 9, endHour: 20, weekdays: [] },
    callerIds: ['+861051234567'],
    gateway: 'carrier1',
    retryPolicy: undefined,
    machineAction: MachineAction.MACHINE_ACTION_HANG_UP,
    machineMessage: '',
    abandonMessage: 'ivr/sorry.wav',
    maxAttemptsPerLead: 3,
    preview: undefined,
    progressive: { ratio: 1.5 },
    predictive: undefined,
    agentless: undefined,
    requiredSkills: [],
    rulePacks: [],
    lineClass: '',
    amd: false,
    ringTimeoutMs: 0,
    script: '',
    createdAt: undefined,
    updatedAt: undefined,
    version: 0,
    ...over,
  };
}

const create = (c: Campaign) => unary(client.createCampaign, client, { campaign: c }, new Metadata());
const command = (name: 'startCampaign' | 'pauseCampaign' | 'resumeCampaign' | 'stopCampaign', campaignId: string) =>
  unary(client[name], client, { campaignId }, new Metadata());

async function rejects(promise: Promise<unknown>, code: Status, field?: string): Promise<void> {
  await assert.rejects(promise, (error: { code?: number; details?: string }) => {
    assert.equal(error.code, code, error.details);
    if (field !== undefined) assert.match(error.details ?? '', new RegExp(field.replace(/[[\].]/g, '\\$&')));
    return true;
  });
}

test('create, get, list and update a campaign; defaults filled in, the version moves', async () => {
  const { campaign: created } = await create(campaign({ campaignId: `${probe}_one` }));
  assert.equal(created?.state, CampaignState.CAMPAIGN_STATE_DRAFT);
  assert.equal(created?.ringTimeoutMs, 25_000);
  assert.equal(created?.retryPolicy?.rules.length, 8, 'the default retry policy');
  const { campaign: got } = await unary(client.getCampaign, client, { campaignId: `${probe}_one` }, new Metadata());
  assert.equal(got?.name, 'spring sale');
  const { campaign: updated } = await unary(
    client.updateCampaign,
    client,
    {
      campaign: campaign({ campaignId: `${probe}_one`, name: 'autumn sale', gateway: 'ignored' }),
      updateMask: ['name'],
    },
    new Metadata(),
  );
  assert.equal(updated?.name, 'autumn sale');
  assert.equal(updated?.gateway, 'carrier1', 'fields outside the mask are kept');
  assert.ok((updated?.version ?? 0) > (created?.version ?? 0));
  const listed = await unary(
    client.listCampaigns,
    client,
    { page: { pageSize: 1000, pageToken: '' }, state: CampaignState.CAMPAIGN_STATE_DRAFT },
    new Metadata(),
  );
  assert.ok(listed.campaigns.some((c) => c.campaignId === `${probe}_one`));
});

test('a predictive campaign keeps its pacing settings, AMD false-positive rate included', async () => {
  const predictive = { targetAbandonRate: 0.02, maxDialRatio: 4, amdHumanFalsePositiveRate: 0.005 };
  await create(
    campaign({
      campaignId: `${probe}_pred`,
      dialMode: DialMode.DIAL_MODE_PREDICTIVE,
      progressive: undefined,
      amd: true,
      predictive,
    }),
  );
  const { campaign: got } = await unary(client.getCampaign, client, { campaignId: `${probe}_pred` }, new Metadata());
  assert.deepEqual(got?.predictive, predictive);
});

test('bad input is refused naming the field, and nothing is stored', async () => {
  const before = await unary(client.listCampaigns, client, { page: undefined, state: 0 }, new Metadata());
  const cases: Array<[Campaign, string]> = [
    [campaign({ dialMode: DialMode.DIAL_MODE_UNSPECIFIED }), 'campaign.dial_mode'],
    [campaign({ dialMode: DialMode.DIAL_MODE_PREDICTIVE, progressive: undefined }), 'campaign.predictive'],
    [
      campaign({
        dialMode: DialMode.DIAL_MODE_PREDICTIVE,
        progressive: undefined,
        amd: true,
        predictive: { targetAbandonRate: 0.03, maxDialRatio: 3, amdHumanFalsePositiveRate: 0.03 },
      }),
      'campaign.predictive.amd_human_false_positive_rate',
    ],
    [campaign({ progressive: { ratio: 0 } }), 'campaign.progressive.ratio'],
    [campaign({ progressive: { ratio: -2 } }), 'campaign.progressive.ratio'],
    [campaign({ hours: { startHour: 9, endHour: 25, weekdays: [] } }), 'campaign.hours.end_hour'],
    [campaign({ leadLists: [] }), 'campaign.lead_lists'],
    [campaign({ callerIds: ['not a number'] }), 'campaign.caller_ids[0]'],
    [campaign({ campaignId: 'bad id!' }), 'campaign.campaign_id'],
  ];
  for (const [bad, field] of cases) await rejects(create(bad), Status.INVALID_ARGUMENT, field);
  const after = await unary(client.listCampaigns, client, { page: undefined, state: 0 }, new Metadata());
  assert.equal(after.campaigns.length, before.campaigns.length);
  await create(campaign({ campaignId: `${probe}_dup` }));
  await rejects(create(campaign({ campaignId: `${probe}_dup` })), Status.ALREADY_EXISTS);
  await rejects(unary(client.getCampaign, client, { campaignId: `${probe}_nobody` }, new Metadata()), Status.NOT_FOUND);
  await rejects(
    unary(
      client.listAttempts,
      client,
      {
        campaignId: `${probe}_nobody`,
        leadId: '',
        page: undefined,
        outcome: 0,
        newestFirst: false,
        followUpsOfAgent: '',
      },
      new Metadata(),
    ),
    Status.NOT_FOUND,
  );
  await rejects(unary(client.getAttempt, client, { attemptId: 'nope' }, new Metadata()), Status.NOT_FOUND);
});

test('the lifecycle refuses illegal transitions with FAILED_PRECONDITION naming the state', async () => {
  const id = `${probe}_life`;
  await create(campaign({ campaignId: id }));
  await rejects(command('resumeCampaign', id), Status.FAILED_PRECONDITION, 'draft');
  await rejects(command('pauseCampaign', id), Status.FAILED_PRECONDITION, 'draft');
  assert.equal((await command('startCampaign', id)).campaign?.state, CampaignState.CAMPAIGN_STATE_RUNNING);
  await rejects(command('startCampaign', id), Status.FAILED_PRECONDITION, 'running');
  assert.equal((await command('pauseCampaign', id)).campaign?.state, CampaignState.CAMPAIGN_STATE_PAUSED);
  assert.equal((await command('resumeCampaign', id)).campaign?.state, CampaignState.CAMPAIGN_STATE_RUNNING);
  assert.equal((await command('stopCampaign', id)).campaign?.state, CampaignState.CAMPAIGN_STATE_STOPPED);
  await rejects(command('startCampaign', id), Status.FAILED_PRECONDITION, 'stopped');
  await rejects(
    unary(client.updateCampaign, client, { campaign: campaign({ campaignId: id }), updateMask: [] }, new Metadata()),
    Status.FAILED_PRECONDITION,
  );
  await rejects(command('startCampaign', `${probe}_nobody`), Status.NOT_FOUND);
});

test('WatchCampaign sends the figures at once and keeps sending them; an unknown campaign is NOT_FOUND', async () => {
  const id = `${probe}_watch`;
  await create(campaign({ campaignId: id }));
  const stream = client.watchCampaign({ campaignId: id }, new Metadata(), { deadline: Date.now() + 10_000 });
  const seen: WatchCampaignResponse[] = [];
  for await (const message of stream as AsyncIterable<WatchCampaignResponse>) {
    seen.push(message);
    if (seen.length === 2) break;
  }
  stream.cancel();
  assert.equal(seen[0]?.figures?.campaignId, id);
  assert.equal(seen[0]?.figures?.state, CampaignState.CAMPAIGN_STATE_DRAFT);
  assert.equal(seen[1]?.figures?.dialed, 0);
  const unknown = client.watchCampaign({ campaignId: `${probe}_nobody` }, new Metadata(), {
    deadline: Date.now() + 5_000,
  });
  await rejects(
    (async () => {
      for await (const _ of unknown as AsyncIterable<WatchCampaignResponse>) void _;
    })(),
    Status.NOT_FOUND,
  );
});
