import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { createPool, loadMigrations, migrate } from '@outbound/store';
import { testUrls, uniqueName } from '@outbound/testkit';
import { SqlAttemptStore } from '../../src/adapters/sql/attempts-repo.js';
import { SqlCampaignLeadStore } from '../../src/adapters/sql/campaign-leads-repo.js';
import { SqlCampaignStore } from '../../src/adapters/sql/campaigns-repo.js';
import { StaleOwnerError } from '../../src/use-cases/ports.js';
import { PacingDecisionLog } from '../../src/adapters/sql/pacing-decisions-repo.js';
import type { PacingDecision } from '../../src/domain/pacing/index.js';

const pool = createPool({ url: testUrls.database, applicationName: 'dialer-leads-test' });
after(() => pool.end());
const migrations = fileURLToPath(new URL('../../../migrations/', import.meta.url));

const NOW = new Date('2026-12-02T10:00:00Z');

async function store(): Promise<{ leads: SqlCampaignLeadStore; schema: string; campaignId: string }> {
  const schema = uniqueName('dialer').toLowerCase();
  await migrate(pool, { schema, migrations: await loadMigrations(migrations) });
  const campaignId = uniqueName('camp');
  await pool.query(
    `INSERT INTO "${schema}".campaigns (campaign_id, name, state, dial_mode, settings) VALUES ($1, 'test', 'running', 'progressive', '{}')`,
    [campaignId],
  );
  return { leads: new SqlCampaignLeadStore(pool, schema, () => NOW), schema, campaignId };
}

const minutes = (n: number) => new Date(NOW.getTime() + n * 60_000);

test('campaign-leads: add keeps the first row of a lead; due is priority first, then time, only open and due', async () => {
  const { leads, schema, campaignId } = await store();
  assert.equal(
    await leads.add(campaignId, [
      { leadId: 'a', listId: 'L', nextAttemptAt: minutes(-30) },
      { leadId: 'b', listId: 'L', priority: 5, nextAttemptAt: minutes(-1) },
      { leadId: 'c', listId: 'L', nextAttemptAt: minutes(-60) },
      { leadId: 'later', listId: 'L', priority: 9, nextAttemptAt: minutes(10) },
      { leadId: 'd', listId: 'L' },
    ]),
    5,
  );
  // A second fill: only new leads count; existing ones keep their values.
  assert.equal(
    await leads.add(campaignId, [
      { leadId: 'a', listId: 'L', priority: 100 },
      { leadId: 'e', listId: 'L2', nextAttemptAt: minutes(-5) },
    ]),
    1,
  );
  assert.equal((await leads.get(campaignId, 'a'))?.priority, 0);
  const due = await leads.due(campaignId, NOW, 10);
  assert.deepEqual(
    due.map((l) => l.leadId),
    ['b', 'c', 'a', 'e', 'd'],
  );
  assert.deepEqual(
    (await leads.due(campaignId, NOW, 2)).map((l) => l.leadId),
    ['b', 'c'],
  );
  await pool.query(`UPDATE "${schema}".campaign_leads SET status = 'in_flight' WHERE lead_id = 'b'`);
  await pool.query(
    `UPDATE "${schema}".campaign_leads SET status = 'closed', closed_reason = 'connected' WHERE lead_id = 'c'`,
  );
  assert.deepEqual(
    (await leads.due(campaignId, NOW, 10)).map((l) => l.leadId),
    ['a', 'e', 'd'],
  );
  assert.deepEqual(await leads.counts(campaignId), { open: 4, inFlight: 1, closed: 1, due: 3 });
  // A closed lead is never reopened by a fill.
  assert.equal(await leads.add(campaignId, [{ leadId: 'c', listId: 'L' }]), 0);
  assert.equal((await leads.get(campaignId, 'c'))?.status, 'closed');
  assert.equal(await leads.get(campaignId, 'nobody'), undefined);
});

test('campaign-leads: a task schedules a new lead, reschedules an open one, reopens a closed one, not one in flight or closed for good', async () => {
  const { leads, schema, campaignId } = await store();
  await leads.schedule(campaignId, {
    leadId: 'new',
    listId: 'L',
    priority: 3,
    nextAttemptAt: minutes(5),
    agentId: 'ag1',
  });
  const created = await leads.get(campaignId, 'new');
  assert.equal(created?.status, 'open');
  assert.equal(created?.priority, 3);
  assert.equal(created?.agentId, 'ag1');
  assert.deepEqual(created?.nextAttemptAt, minutes(5));

  await leads.add(campaignId, [
    { leadId: 'open', listId: 'L' },
    { leadId: 'flying', listId: 'L' },
    { leadId: 'done', listId: 'L' },
    { leadId: 'invalid', listId: 'L' },
    { leadId: 'optout', listId: 'L' },
  ]);
  await pool.query(`UPDATE "${schema}".campaign_leads SET status = 'in_flight' WHERE lead_id = 'flying'`);
  await pool.query(
    `UPDATE "${schema}".campaign_leads SET status = 'closed', closed_reason = lead_id WHERE lead_id IN ('done')`,
  );
  await pool.query(
    `UPDATE "${schema}".campaign_leads SET status = 'closed', closed_reason = 'invalid_number' WHERE lead_id = 'invalid'`,
  );
  await pool.query(
    `UPDATE "${schema}".campaign_leads SET status = 'closed', closed_reason = 'opted_out' WHERE lead_id = 'optout'`,
  );
  for (const leadId of ['open', 'flying', 'done', 'invalid', 'optout'])
    await leads.schedule(campaignId, {
      leadId,
      listId: 'L',
      priority: 7,
      nextAttemptAt: minutes(30),
      script: 'follow-up',
    });

  const open = await leads.get(campaignId, 'open');
  assert.equal(open?.priority, 7);
  assert.deepEqual(open?.nextAttemptAt, minutes(30));
  assert.equal(open?.script, 'follow-up');
  assert.equal((await leads.get(campaignId, 'flying'))?.status, 'in_flight');
  assert.equal((await leads.get(campaignId, 'flying'))?.priority, 0);
  const reopened = await leads.get(campaignId, 'done');
  assert.equal(reopened?.status, 'open');
  assert.equal(reopened?.closedReason, undefined);
  assert.equal((await leads.get(campaignId, 'invalid'))?.status, 'closed');
  assert.equal((await leads.get(campaignId, 'optout'))?.closedReason, 'opted_out');
});

test('pacing-decisions: decisions are written in batches and read back per campaign', async () => {
  const { schema, campaignId } = await store();
  const log = new PacingDecisionLog(pool, schema, {
    batchSize: 3,
    flushEveryMs: 60_000,
    maxBuffered: 100,
    onError: (error) => assert.fail(String(error)),
  });
  const decision = (atMs: number, launch: number) => ({ atMs, launch, predictive: true }) as unknown as PacingDecision;
  for (let i = 0; i < 5; i++) log.record(campaignId, decision(i * 100, i), new Date(NOW.getTime() + i * 100));
  log.record('other-campaign', decision(0, 9), NOW);
  await log.stop();
  const stored = await log.list(campaignId, NOW, minutes(1), 100);
  assert.deepEqual(
    stored.map((d) => d.decision.launch),
    [0, 1, 2, 3, 4],
  );
  const { rows } = await pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM "${schema}".pacing_decisions WHERE launched = 9`,
  );
  assert.equal(Number(rows[0]?.n), 1);
});

test('fencing: once a newer owner raised the fence, an older owner cannot begin an attempt', async () => {
  const { leads, schema, campaignId } = await store();
  const campaigns = new SqlCampaignStore(pool, schema);
  const attempts = new SqlAttemptStore(pool, schema);
  await leads.add(campaignId, [
    { leadId: 'a', listId: 'L', nextAttemptAt: minutes(-1) },
    { leadId: 'b', listId: 'L', nextAttemptAt: minutes(-1) },
  ]);
  assert.equal(await campaigns.raiseFence(campaignId, 5), true);
  const many = await campaigns.getMany([campaignId, 'no-such-campaign']);
  assert.deepEqual([...many.keys()], [campaignId], 'several read at once; an absent one is not there');
  assert.deepEqual(many.get(campaignId), await campaigns.get(campaignId));
  assert.equal((await campaigns.getMany([])).size, 0);
  const begin = (leadId: string, fence: number) =>
    attempts.begin({ attemptId: uniqueName('att'), campaignId, leadId, dialMode: 'progressive', fence });
  assert.ok(await begin('a', 5), 'the current owner begins');
  assert.equal(await campaigns.raiseFence(campaignId, 9), true);
  assert.equal(await campaigns.raiseFence(campaignId, 7), false, 'an older token never lowers the fence');
  await assert.rejects(begin('b', 5), StaleOwnerError);
  assert.equal((await leads.get(campaignId, 'b'))?.status, 'open', 'the refused attempt left the lead as it was');
  assert.ok(await begin('b', 9));
});

test('attempts: of begins racing for one lead exactly one wins; a lead that still has an open attempt is not begun; finish reopens or closes the lead', async () => {
  const { leads, schema, campaignId } = await store();
  const attempts = new SqlAttemptStore(pool, schema);
  await leads.add(campaignId, [
    { leadId: 'a', listId: 'L', nextAttemptAt: minutes(-1) },
    { leadId: 'b', listId: 'L', nextAttemptAt: minutes(-1), agentId: 'agent-9', lineClass: 'premium' },
  ]);
  const begin = (leadId: string) =>
    attempts.begin({ attemptId: uniqueName('att'), campaignId, leadId, dialMode: 'progressive' });
  const racing = await Promise.all(Array.from({ length: 6 }, () => begin('a')));
  assert.deepEqual(racing.find((r) => r !== undefined)?.lead, {}, 'a lead of no agent and no line class');
  const won = racing.filter((r) => r !== undefined).map((r) => r.attempt);
  assert.equal(won.length, 1);
  assert.equal(won[0]?.attemptNumber, 1);
  assert.equal((await leads.get(campaignId, 'a'))?.attempts, 1, 'the losers counted no try');
  // A lead marked open while its attempt is still open (a repair gone wrong) is still not dialed twice.
  await pool.query(`UPDATE "${schema}".campaign_leads SET status = 'open' WHERE lead_id = 'a'`);
  assert.equal(await begin('a'), undefined);
  assert.equal((await leads.get(campaignId, 'a'))?.attempts, 1);
  await pool.query(`UPDATE "${schema}".campaign_leads SET status = 'in_flight' WHERE lead_id = 'a'`);
  const retryAt = minutes(30);
  const ended = await attempts.finish(won[0].attemptId, { outcome: 'busy', endedAt: minutes(1), lead: { retryAt } });
  assert.deepEqual(
    [ended?.attemptId, ended?.outcome, ended?.timeline.endedAt, ended?.nextAttemptAt],
    [won[0].attemptId, 'busy', minutes(1), retryAt],
    'the ended attempt as stored',
  );
  assert.deepEqual(ended, await attempts.get(won[0].attemptId));
  assert.equal(
    await attempts.finish(won[0].attemptId, { outcome: 'busy', endedAt: minutes(1), lead: { retryAt } }),
    undefined,
    'an attempt ends once',
  );
  const reopened = await leads.get(campaignId, 'a');
  assert.equal(reopened?.status, 'open');
  assert.deepEqual(reopened?.nextAttemptAt, retryAt);
  const begunB = await begin('b');
  assert.deepEqual(begunB?.lead, { agentId: 'agent-9', lineClass: 'premium' }, "the lead's own agent and line class");
  const second = begunB?.attempt;
  assert.deepEqual(
    (await attempts.ended([won[0].attemptId, second.attemptId, 'att-unknown'])).map((a) => [a.attemptId, a.outcome]),
    [[won[0].attemptId, 'busy']],
    'of these, the ended one only',
  );
  await attempts.finish(second.attemptId, {
    outcome: 'connected',
    endedAt: minutes(2),
    hangupCause: 'NORMAL_CLEARING',
    lead: { closeReason: 'connected' },
  });
  const closed = await leads.get(campaignId, 'b');
  assert.equal(closed?.status, 'closed');
  assert.equal(closed?.closedReason, 'connected');
  assert.equal((await attempts.get(second.attemptId))?.hangupCause, 'NORMAL_CLEARING');
});

test('attempts: facts recorded at once (one write) keep the first value of each field, as one at a time would', async () => {
  const { leads, schema, campaignId } = await store();
  const attempts = new SqlAttemptStore(pool, schema);
  await leads.add(
    campaignId,
    ['a', 'b', 'c'].map((leadId) => ({ leadId, listId: 'L', nextAttemptAt: minutes(-1) })),
  );
  const ids = await Promise.all(
    ['a', 'b', 'c'].map(async (leadId) => {
      const attempt = await attempts.begin({
        attemptId: uniqueName('att'),
        campaignId,
        leadId,
        dialMode: 'progressive',
      });
      return attempt!.attempt.attemptId;
    }),
  );
  const [a, b, c] = ids as [string, string, string];
  await attempts.record(a, { ringingAt: minutes(1) });
  // Handed in within one turn of the event loop: written together.
  await Promise.all([
    attempts.record(a, { ringingAt: minutes(2), answeredAt: minutes(3), callId: 'call-a' }),
    attempts.record(a, { answeredAt: minutes(4), amdVerdict: 'human' }),
    attempts.record(b, { denialReasons: [] }),
    attempts.record(b, { denialReasons: ['DNC'], checkedAt: minutes(1) }),
    attempts.record(b, { denialReasons: ['CAP'] }),
    attempts.record(c, { callerId: '+15550000001', agentId: 'agent-1', line: 'carrier-b' }),
    attempts.record(c, {}),
  ]);
  await attempts.record(b, { denialReasons: ['LATER'] });
  const [ra, rb, rc] = await Promise.all(ids.map((id) => attempts.get(id)));
  assert.deepEqual(ra?.timeline.ringingAt, minutes(1), 'a field already written stays');
  assert.deepEqual(ra?.timeline.answeredAt, minutes(3), 'the first of two in one write wins');
  assert.equal(ra?.callId, 'call-a');
  assert.equal(ra?.amdVerdict, 'human');
  assert.deepEqual(rb?.denialReasons, ['DNC'], 'an empty list leaves room; the first non-empty stays');
  assert.deepEqual(rb?.timeline.checkedAt, minutes(1));
  assert.equal(rc?.agentId, 'agent-1');
  assert.equal(rc?.callerId, '+15550000001');
  assert.equal(rc?.line, 'carrier-b');
  assert.equal(rc?.timeline.answeredAt, undefined);
});

test('attempts: ended attempts are unpublished until marked; marks handed in together go out in one write', async () => {
  const { leads, schema, campaignId } = await store();
  const attempts = new SqlAttemptStore(pool, schema);
  await leads.add(
    campaignId,
    ['a', 'b', 'c'].map((leadId) => ({ leadId, listId: 'L', nextAttemptAt: minutes(-1) })),
  );
  const ended: string[] = [];
  for (const leadId of ['a', 'b', 'c']) {
    const begun = await attempts.begin({ attemptId: uniqueName('att'), campaignId, leadId, dialMode: 'progressive' });
    await attempts.finish(begun!.attempt.attemptId, {
      outcome: 'busy',
      endedAt: minutes(1),
      lead: { closeReason: 'test' },
    });
    ended.push(begun!.attempt.attemptId);
  }
  const ours = async () =>
    (await attempts.unpublished(1_000)).map((a) => a.attemptId).filter((id) => ended.includes(id));
  assert.deepEqual((await ours()).sort(), [...ended].sort());
  await Promise.all(ended.slice(0, 2).map((id) => attempts.markPublished(id)));
  assert.deepEqual(await ours(), [ended[2]]);
});

test('attempts: a lead’s retry counting leaves out attempts never placed (media took no call, no line free)', async () => {
  const { leads, schema, campaignId } = await store();
  const attempts = new SqlAttemptStore(pool, schema);
  await leads.add(campaignId, [{ leadId: 'a', listId: 'L', nextAttemptAt: minutes(-1) }]);
  const ends: Array<{ outcome: 'failed' | 'no_answer'; cause: string }> = [
    { outcome: 'failed', cause: 'MEDIA_UNAVAILABLE' },
    { outcome: 'no_answer', cause: 'NO_ANSWER' },
    { outcome: 'failed', cause: 'NO_LINE_AVAILABLE' },
    { outcome: 'failed', cause: 'ORIGINATE_FAILED' },
  ];
  for (const end of ends) {
    const begun = await attempts.begin({
      attemptId: uniqueName('att'),
      campaignId,
      leadId: 'a',
      dialMode: 'progressive',
    });
    assert.ok(begun, 'the lead was reopened by the last finish');
    await attempts.finish(begun.attempt.attemptId, {
      outcome: end.outcome,
      endedAt: minutes(1),
      hangupCause: end.cause,
      lead: { retryAt: minutes(-1) },
    });
  }
  assert.deepEqual(await attempts.outcomesOf(campaignId, 'a'), ['no_answer', 'failed']);
});

test('attempts: the answers since an instant, people only, with the dialer’s and the customers’ abandons', async () => {
  const { leads, schema, campaignId } = await store();
  const attempts = new SqlAttemptStore(pool, schema);
  const calls: Array<{
    lead: string;
    answeredAt?: Date;
    amd?: 'human' | 'machine';
    abandonedAt?: Date;
    end?: 'abandoned';
  }> = [
    { lead: 'served', answeredAt: minutes(-30) },
    { lead: 'dialer-abandoned', answeredAt: minutes(-30), abandonedAt: minutes(-29) },
    { lead: 'hung-up-waiting', answeredAt: minutes(-20), end: 'abandoned' },
    { lead: 'person', answeredAt: minutes(-20), amd: 'human' },
    { lead: 'machine', answeredAt: minutes(-10), amd: 'machine' },
    { lead: 'too-early', answeredAt: minutes(-61), abandonedAt: minutes(-60) },
    { lead: 'no-answer' },
  ];
  await leads.add(
    campaignId,
    calls.map((c) => ({ leadId: c.lead, listId: 'L', nextAttemptAt: minutes(-90) })),
  );
  for (const c of calls) {
    const begun = await attempts.begin({
      attemptId: uniqueName('att'),
      campaignId,
      leadId: c.lead,
      dialMode: 'predictive',
    });
    assert.ok(begun);
    const id = begun.attempt.attemptId;
    await attempts.record(id, {
      ...(c.answeredAt ? { answeredAt: c.answeredAt } : {}),
      ...(c.amd ? { amdVerdict: c.amd, amdAt: c.answeredAt } : {}),
      ...(c.abandonedAt ? { abandonedAt: c.abandonedAt } : {}),
    });
    if (c.end) await attempts.finish(id, { outcome: c.end, endedAt: minutes(-19), lead: { retryAt: minutes(60) } });
  }
  const groups = await attempts.answersSince(campaignId, minutes(-60));
  assert.deepEqual(
    groups.map((g) => ({ at: g.at.getTime(), answers: g.answers, abandons: g.abandons })),
    [
      { at: minutes(-30).getTime(), answers: 2, abandons: 1 },
      { at: minutes(-20).getTime(), answers: 2, abandons: 1 },
    ],
  );
  assert.deepEqual(await attempts.answersSince(campaignId, minutes(-5)), []);
});
