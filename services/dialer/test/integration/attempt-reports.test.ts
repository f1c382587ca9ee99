// SummarizeAttempts and the denials page of ListAttempts over real gRPC, counted by the dialer's
// real PostgreSQL: a known set of attempts is written into the dialer's own schema and the
// tallies read back per campaign, agent, line and hour, scoped to an agent and a time range.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { toTimestamp } from '@outbound/proto';
import {
  AttemptGrouping,
  AttemptOutcome,
  CampaignServiceClient,
  CampaignState,
  DialMode,
  MachineAction,
  type AttemptTally,
  type Campaign,
  type SummarizeAttemptsRequest,
} from '@outbound/proto/outbound/v1/campaign';
import { Metadata, Status, createClient, unary } from '@outbound/rpc';
import { createPool } from '@outbound/store';
import { createLogger } from '@outbound/telemetry';
import { testUrls, uniqueName } from '@outbound/testkit';
import { createApp, type App } from '../../src/app.js';
import { loadDialerConfig } from '../../src/config.js';

const probe = uniqueName('reports')
  .toLowerCase()
  .replace(/[^a-z0-9_]/g, '_');
const schema = `${probe}_dialer`;
const pool = createPool({ url: testUrls.database, applicationName: 'dialer-reports-test' });
let app: App;
let client: CampaignServiceClient;

const A = `${probe}_a`;
const B = `${probe}_b`;
const at = (hhmm: string) => new Date(`2026-12-01T${hhmm}:00Z`);

interface Fixture {
  id: string;
  campaign: string;
  outcome: string | null;
  agent?: string;
  line?: string;
  queued: string;
  originated?: string;
  billsec?: number;
  intent?: 'A' | 'B' | 'C';
  code?: string;
  /** The disposition's follow-up time, and who disposed when not the agent who took the call. */
  followUp?: string;
  disposedBy?: string;
}

// Campaign A goes out on gateway gw_a, B on gw_b: an attempt without a line counts under them.
const ATTEMPTS: Fixture[] = [
  {
    id: 'a1',
    campaign: A,
    outcome: 'connected',
    agent: 'ag1',
    line: 'line1',
    queued: '10:04',
    originated: '10:05',
    billsec: 60,
    intent: 'A',
    code: 'sale',
  },
  {
    id: 'a2',
    campaign: A,
    outcome: 'connected',
    agent: 'ag1',
    queued: '10:39',
    originated: '10:40',
    billsec: 30,
    intent: 'B',
    code: 'callback',
    followUp: '14:00',
  },
  { id: 'a3', campaign: A, outcome: 'abandoned', line: 'line1', queued: '11:09', originated: '11:10' },
  { id: 'a4', campaign: A, outcome: 'machine', line: 'line1', queued: '11:19', originated: '11:20', billsec: 12 },
  { id: 'a5', campaign: A, outcome: 'denied', queued: '09:30' },
  { id: 'a5b', campaign: A, outcome: 'denied', queued: '09:45' },
  { id: 'a6', campaign: A, outcome: 'busy', line: 'line2', queued: '11:49', originated: '11:50' },
  { id: 'a7', campaign: A, outcome: null, queued: '12:00' },
  {
    id: 'a8',
    campaign: A,
    outcome: 'connected',
    agent: 'ag2',
    line: 'line2',
    queued: '12:14',
    originated: '12:15',
    billsec: 100,
    intent: 'C',
    code: 'sale',
    followUp: '15:00',
    disposedBy: 'ag1',
  },
  {
    id: 'b1',
    campaign: B,
    outcome: 'connected',
    agent: 'ag1',
    queued: '10:19',
    originated: '10:20',
    billsec: 45,
    intent: 'A',
    code: 'sale',
  },
  { id: 'b2', campaign: B, outcome: 'no_answer', line: 'line3', queued: '10:29', originated: '10:30' },
];

function campaign(campaignId: string, gateway: string): Campaign {
  return {
    campaignId,
    name: 'report test',
    dialMode: DialMode.DIAL_MODE_PROGRESSIVE,
    state: CampaignState.CAMPAIGN_STATE_UNSPECIFIED,
    leadLists: [{ listId: 'list_a', tier: '', tags: [], region: '', intent: '', customFields: {} }],
    hours: { startHour: 9, endHour: 20, weekdays: [] },
    callerIds: ['+861051234567'],
    gateway,
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
  };
}

before(async () => {
  const config = loadDialerConfig({
    GRPC_ADDRESS: '127.0.0.1:0',
    NATS_URL: testUrls.nats,
    REDIS_URL: testUrls.redis,
    DATABASE_URL: testUrls.database,
    DIALER_SCHEMA: schema,
    DIALER_REDIS_PREFIX: probe,
    DIALER_DURABLE_PREFIX: probe,
    // Nothing listens here: these tests start no campaign and place no call.
    COMPLIANCE_ADDRESS: '127.0.0.1:9',
    MEDIA_ADDRESS: '127.0.0.1:9',
    LEAD_INGEST_ADDRESS: '127.0.0.1:9',
    LEAD_INGEST_REVEAL_TOKEN: 'unused',
  });
  app = createApp({ config, logger: createLogger({ service: 'dialer-test', level: 'silent' }) });
  const { port } = await app.start();
  client = createClient(CampaignServiceClient, `127.0.0.1:${String(port)}`);
  await unary(client.createCampaign, client, { campaign: campaign(A, 'gw_a') }, new Metadata());
  await unary(client.createCampaign, client, { campaign: campaign(B, 'gw_b') }, new Metadata());
  for (const [i, a] of ATTEMPTS.entries())
    await pool.query(
      `INSERT INTO "${schema}".attempts (attempt_id, campaign_id, lead_id, attempt_number, dial_mode, outcome,
          agent_id, line, billsec, queued_at, originated_at, ended_at, denial_reasons, compliance_check_id, disposition)
        VALUES ($1, $2, $3, 1, 'progressive', $4, $5, $6, $7, $8, $9, $10, $11, 'chk', $12)`,
      [
        `${probe}_${a.id}`,
        a.campaign,
        `lead${String(i)}`,
        a.outcome,
        a.agent ?? null,
        a.line ?? null,
        a.billsec ?? null,
        at(a.queued),
        a.originated ? at(a.originated) : null,
        a.outcome === null ? null : at(a.originated ?? a.queued),
        a.outcome === 'denied' ? ['dnc'] : [],
        a.intent
          ? JSON.stringify({
              intent: a.intent,
              code: a.code,
              notes: '',
              agentId: a.disposedBy ?? a.agent,
              setAt: at('13:00'),
              ...(a.followUp ? { followUpAt: at(a.followUp) } : {}),
            })
          : null,
      ],
    );
});

after(async () => {
  client?.close();
  await app?.stop();
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await pool.end();
});

const summarize = (over: Partial<SummarizeAttemptsRequest>) =>
  unary(
    client.summarizeAttempts,
    client,
    {
      campaignIds: [A, B],
      groupBy: AttemptGrouping.ATTEMPT_GROUPING_CAMPAIGN,
      agentId: '',
      from: undefined,
      to: undefined,
      conversionCodes: ['sale'],
      ...over,
    },
    new Metadata(),
  );

type Counts = [
  dials: number,
  connects: number,
  talk: number,
  abandoned: number,
  machines: number,
  a: number,
  b: number,
  c: number,
  conversions: number,
];
const counts = (t: AttemptTally): Counts => [
  t.dials,
  t.connects,
  t.talkSeconds,
  t.abandoned,
  t.machines,
  t.intentA,
  t.intentB,
  t.intentC,
  t.conversions,
];
const byKey = (tallies: AttemptTally[]) => Object.fromEntries(tallies.map((t) => [t.key, counts(t)]));

test('tallies per campaign: denied and open attempts are not dials; talk is connected calls only', async () => {
  const { tallies } = await summarize({});
  assert.deepEqual(byKey(tallies), {
    //    dials conn talk aband mach A  B  C  conv
    [A]: [6, 3, 190, 1, 1, 1, 1, 1, 2],
    [B]: [2, 1, 45, 0, 0, 1, 0, 0, 1],
  });
  const more = await summarize({ campaignIds: [A], conversionCodes: ['sale', 'callback'] });
  assert.equal(more.tallies[0]?.conversions, 3, 'every code named counts');
  const none = await summarize({ campaignIds: [A], conversionCodes: [] });
  assert.equal(none.tallies[0]?.conversions, 0);
});

test('tallies per agent, per line (the campaign gateway standing in for a missing line) and per UTC hour', async () => {
  assert.deepEqual(byKey((await summarize({ groupBy: AttemptGrouping.ATTEMPT_GROUPING_AGENT })).tallies), {
    '': [4, 0, 0, 1, 1, 0, 0, 0, 0],
    ag1: [3, 3, 135, 0, 0, 2, 1, 0, 2],
    ag2: [1, 1, 100, 0, 0, 0, 0, 1, 1],
  });
  assert.deepEqual(byKey((await summarize({ groupBy: AttemptGrouping.ATTEMPT_GROUPING_LINE })).tallies), {
    line1: [3, 1, 60, 1, 1, 1, 0, 0, 1],
    line2: [2, 1, 100, 0, 0, 0, 0, 1, 1],
    line3: [1, 0, 0, 0, 0, 0, 0, 0, 0],
    gw_a: [1, 1, 30, 0, 0, 0, 1, 0, 0],
    gw_b: [1, 1, 45, 0, 0, 1, 0, 0, 1],
  });
  const hours = (await summarize({ groupBy: AttemptGrouping.ATTEMPT_GROUPING_HOUR })).tallies;
  assert.deepEqual(
    hours.map((t) => [toIso(t), ...counts(t)]),
    [
      ['2026-12-01T09:00:00.000Z', 0, 0, 0, 0, 0, 0, 0, 0, 0],
      ['2026-12-01T10:00:00.000Z', 4, 3, 135, 0, 0, 2, 1, 0, 2],
      ['2026-12-01T11:00:00.000Z', 3, 0, 0, 1, 1, 0, 0, 0, 0],
      ['2026-12-01T12:00:00.000Z', 1, 1, 100, 0, 0, 0, 0, 1, 1],
    ],
  );
  assert.ok(hours.every((t) => t.key === ''));
});

function toIso(t: AttemptTally): string {
  return new Date((t.hour?.seconds ?? 0) * 1000).toISOString();
}

test('an agent sees only their own calls; a time range holds only its attempts', async () => {
  assert.deepEqual(byKey((await summarize({ agentId: 'ag1' })).tallies), {
    [A]: [2, 2, 90, 0, 0, 1, 1, 0, 1],
    [B]: [1, 1, 45, 0, 0, 1, 0, 0, 1],
  });
  assert.deepEqual(byKey((await summarize({ agentId: 'nobody' })).tallies), {});
  const range = await summarize({
    from: toTimestamp(at('10:00').getTime()),
    to: toTimestamp(at('11:00').getTime()),
  });
  assert.deepEqual(byKey(range.tallies), {
    [A]: [2, 2, 90, 0, 0, 1, 1, 0, 1],
    [B]: [2, 1, 45, 0, 0, 1, 0, 0, 1],
  });
});

async function refused(promise: Promise<unknown>, code: Status, field?: string): Promise<void> {
  await assert.rejects(promise, (error: { code?: number; details?: string }) => {
    assert.equal(error.code, code, error.details);
    // "invalid argument: <field>: <rule>; <field>: <rule>"
    if (field !== undefined)
      assert.match(error.details ?? '', new RegExp(`(?:: |; )${field.replace(/[[\].]/g, '\\$&')}: `));
    return true;
  });
}

test('bad arguments are refused naming the field; an unknown campaign is NOT_FOUND', async () => {
  await refused(summarize({ campaignIds: [] }), Status.INVALID_ARGUMENT, 'campaign_ids');
  await refused(
    summarize({ campaignIds: Array.from({ length: 51 }, (_, i) => `c${String(i)}`) }),
    Status.INVALID_ARGUMENT,
    'campaign_ids',
  );
  await refused(summarize({ campaignIds: [A, 'not an id'] }), Status.INVALID_ARGUMENT, 'campaign_ids[1]');
  await refused(
    summarize({ groupBy: AttemptGrouping.ATTEMPT_GROUPING_UNSPECIFIED }),
    Status.INVALID_ARGUMENT,
    'group_by',
  );
  await refused(summarize({ agentId: 'a b' }), Status.INVALID_ARGUMENT, 'agent_id');
  await refused(
    summarize({ from: toTimestamp(at('11:00').getTime()), to: toTimestamp(at('10:00').getTime()) }),
    Status.INVALID_ARGUMENT,
    'to',
  );
  await refused(
    summarize({ conversionCodes: Array.from({ length: 51 }, (_, i) => `c${String(i)}`) }),
    Status.INVALID_ARGUMENT,
    'conversion_codes',
  );
  await refused(summarize({ campaignIds: [A, `${probe}_nobody`] }), Status.NOT_FOUND);
});

test('ListAttempts gives only the denied attempts, newest first, page by page', async () => {
  const list = (pageToken: string, newestFirst = true) =>
    unary(
      client.listAttempts,
      client,
      {
        campaignId: A,
        leadId: '',
        page: { pageSize: 1, pageToken },
        outcome: AttemptOutcome.ATTEMPT_OUTCOME_DENIED,
        newestFirst,
        followUpsOfAgent: '',
      },
      new Metadata(),
    );
  const first = await list('');
  assert.deepEqual(
    first.attempts.map((a) => a.ref?.attemptId),
    [`${probe}_a5b`],
  );
  assert.deepEqual(first.attempts[0]?.denialReasons, ['dnc']);
  const second = await list(first.page?.nextPageToken ?? '');
  assert.deepEqual(
    second.attempts.map((a) => a.ref?.attemptId),
    [`${probe}_a5`],
  );
  assert.equal(second.page?.nextPageToken, '');
  await refused(list(first.page?.nextPageToken ?? '', false), Status.INVALID_ARGUMENT, 'page.page_token');
  const all = await unary(
    client.listAttempts,
    client,
    {
      campaignId: A,
      leadId: '',
      page: { pageSize: 100, pageToken: '' },
      outcome: 0,
      newestFirst: false,
      followUpsOfAgent: '',
    },
    new Metadata(),
  );
  assert.equal(all.attempts.length, 9, 'no filter: every attempt');
  await refused(
    unary(
      client.listAttempts,
      client,
      {
        campaignId: A,
        leadId: '',
        page: undefined,
        outcome: 99 as AttemptOutcome,
        newestFirst: false,
        followUpsOfAgent: '',
      },
      new Metadata(),
    ),
    Status.INVALID_ARGUMENT,
    'outcome',
  );
});

test('ListAttempts gives an agent’s follow-ups: the calls with a follow-up time the agent took or disposed', async () => {
  const followUps = (agent: string) =>
    unary(
      client.listAttempts,
      client,
      {
        campaignId: A,
        leadId: '',
        page: { pageSize: 100, pageToken: '' },
        outcome: 0,
        newestFirst: false,
        followUpsOfAgent: agent,
      },
      new Metadata(),
    );
  const ids = async (agent: string) => (await followUps(agent)).attempts.map((a) => a.ref?.attemptId).sort();
  // a2: taken and disposed by ag1; a8: taken by ag2, disposed by ag1; a1: ag1's, no follow-up.
  assert.deepEqual(await ids('ag1'), [`${probe}_a2`, `${probe}_a8`]);
  assert.deepEqual(await ids('ag2'), [`${probe}_a8`]);
  assert.deepEqual(await ids('ag9'), []);
  assert.ok((await followUps('ag1')).attempts.every((a) => a.disposition?.followUpAt !== undefined));
  await refused(followUps('a b'), Status.INVALID_ARGUMENT, 'follow_ups_of_agent');
});
