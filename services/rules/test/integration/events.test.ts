import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, test } from 'node:test';
import { events, type Bus } from '@outbound/bus';
import { Channel, RuleKind, type Rule } from '@outbound/proto/outbound/v1/rules';
import { uniqueName, waitFor } from '@outbound/testkit';
import type { AppDeps } from '../../src/app.js';
import {
  HTTP_TOKEN,
  TaskCollector,
  TestClock,
  baseDeps,
  call,
  rule,
  startRules,
  testBus,
  type RulesHarness,
  cleanup,
} from './harness.js';
import { startLeadStub, type LeadStub } from './lead-stub.js';

let stub: LeadStub;
let h: RulesHarness;
let deps: AppDeps;
let bus: Bus;
const clock = new TestClock();
const collectors: TaskCollector[] = [];

/** The SMS provider: a local HTTP server that records every request; the first one fails (503). */
const smsRequests: Array<{ headers: Record<string, unknown>; body: { messageId: string; to: string; body: string } }> =
  [];
let smsServer: Server;
let smsFailuresLeft = 1;

before(async () => {
  smsServer = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      smsRequests.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      if (smsFailuresLeft-- > 0) {
        res.writeHead(503).end('busy');
        return;
      }
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ id: `prov-${smsRequests.length}` }));
    });
  });
  await new Promise<void>((resolve) => smsServer.listen(0, '127.0.0.1', resolve));
  const address = smsServer.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  stub = await startLeadStub();
  bus = await testBus();
  h = await startRules(
    (deps = baseDeps(stub, {
      now: clock.now,
      sms: {
        url: `http://127.0.0.1:${port}/send`,
        token: 'provider-token',
        retry: { initialDelayMs: 20, maxDelayMs: 100, multiplier: 2, maxAttempts: 4 },
      },
    })),
  );
});

after(async () => {
  for (const c of collectors) await c.stop();
  await h?.stop();
  if (deps) await cleanup(deps);
  await bus?.close();
  await stub?.stop();
  smsServer?.close();
});

async function campaign(
  rules: Rule[],
  listIds: string[] = [],
  scripts: Array<{ scriptId: string; tags: string[] }> = [],
) {
  const campaignId = uniqueName('camp');
  const created = await call(h.client, h.client.createRuleSet, { campaignId, listIds, rules, scripts, publish: true });
  const collector = await new TaskCollector(bus, campaignId).start();
  collectors.push(collector);
  return { campaignId, ruleSetId: created.ruleSet!.ruleSetId, collector };
}

test('events: leads.ingested → tasks.call with priority, script, line class and reason; repeats emit nothing', async () => {
  const listId = uniqueName('list');
  const [a, b] = [uniqueName('lead'), uniqueName('lead')];
  stub.add({ leadId: a, listId, tier: 'A', orderValue: 3000, intent: 'high' }, { leadId: b, listId, tier: 'C' });
  const { campaignId, ruleSetId, collector } = await campaign(
    [
      rule({ ruleId: 'tier-a', kind: RuleKind.RULE_KIND_TRIGGER, on: ['leads.ingested'], when: 'lead.tier == "A"' }),
      rule({ ruleId: 'value', kind: RuleKind.RULE_KIND_PRIORITY, priority: 'lead.orderValue >= 1000.0 ? 95 : 40' }),
      rule({
        ruleId: 'vip',
        kind: RuleKind.RULE_KIND_MATCHING,
        when: 'lead.intent == "high"',
        scriptTags: ['vip'],
        lineClass: 'premium',
      }),
    ],
    [listId],
    [{ scriptId: 'script-vip', tags: ['vip', 'zh'] }],
  );
  const ghost = uniqueName('lead'); // not known to lead-ingest: skipped
  await bus.publish(events.leadIngested, { listId, leadIds: [a, b, ghost] }, { id: uniqueName('ev') });
  await waitFor(() => collector.calls.length >= 1, { what: 'the call task' });
  const task = collector.calls[0]!;
  assert.equal(task.data.leadId, a);
  assert.equal(task.data.campaignId, campaignId);
  assert.equal(task.data.priority, 95);
  assert.equal(task.data.script, 'script-vip');
  assert.equal(task.data.lineClass, 'premium');
  assert.deepEqual(task.data.reason, { ruleSetId, ruleId: 'tier-a', version: 1, trigger: 'leads.ingested' });
  assert.equal(task.id, task.data.taskId, 'the task id is the event id (Nats-Msg-Id)');

  // The same facts again (a redelivery after a crash): claimed already, nothing new.
  const again = await h.app.evaluator.process([
    {
      sourceId: `x:${campaignId}:${a}`,
      campaignId,
      leadId: a,
      event: { type: 'leads.ingested', name: '', fields: {}, occurredAtMs: Date.now() },
      evaluate: true,
    },
  ]);
  assert.equal(again.tasks, 1);
  const repeat = await h.app.evaluator.process([
    {
      sourceId: `x:${campaignId}:${a}`,
      campaignId,
      leadId: a,
      event: { type: 'leads.ingested', name: '', fields: {}, occurredAtMs: Date.now() },
      evaluate: true,
    },
  ]);
  assert.equal(repeat.tasks, 0);
  await waitFor(() => collector.calls.length === 2, { what: 'the second task' });
});

test('events: an opt-out stops every later task (frequency and built-in stops)', async () => {
  const listId = uniqueName('list');
  const lead = uniqueName('lead');
  stub.add({ leadId: lead, listId });
  const { campaignId, collector } = await campaign(
    [
      rule({ ruleId: 'upd', kind: RuleKind.RULE_KIND_TRIGGER, on: ['leads.updated'] }),
      rule({ ruleId: 'twice', kind: RuleKind.RULE_KIND_FREQUENCY, maxPerDay: 2 }),
    ],
    [listId],
  );
  for (let i = 0; i < 3; i++) await bus.publish(events.leadUpdated, { listId, leadIds: [lead] });
  await waitFor(
    async () =>
      (await h.app.pool.query(`SELECT 1 FROM ${h.schema}.tasks WHERE campaign_id = $1`, [campaignId])).rowCount === 3,
    { what: 'three evaluations' },
  );
  assert.equal(collector.calls.length <= 2, true);
  const { rows } = await h.app.pool.query<{ suppressed_by: string | null }>(
    `SELECT suppressed_by FROM ${h.schema}.tasks WHERE campaign_id = $1 ORDER BY created_at`,
    [campaignId],
  );
  // Events are evaluated concurrently, each under the lead's row lock: exactly one is over the cap.
  assert.deepEqual(rows.map((r) => r.suppressed_by ?? 'sent').sort(), ['sent', 'sent', 'twice']);
  await bus.publish(events.complianceOptOut, { campaignId, leadId: lead, channel: 'sms' });
  await waitFor(
    async () =>
      (
        await h.app.pool.query(`SELECT 1 FROM ${h.schema}.lead_state WHERE campaign_id = $1 AND opted_out`, [
          campaignId,
        ])
      ).rowCount === 1,
    { what: 'the opt-out' },
  );
  await bus.publish(events.leadUpdated, { listId, leadIds: [lead] });
  await waitFor(
    async () =>
      (
        await h.app.pool.query(
          `SELECT 1 FROM ${h.schema}.tasks WHERE campaign_id = $1 AND suppressed_by = 'opted_out'`,
          [campaignId],
        )
      ).rowCount === 1,
    { what: 'the task stopped by the opt-out' },
  );
  assert.equal(collector.calls.length, 2);
});

test('events: webhook over HTTP → elapsed-time trigger fires once when due', async () => {
  const lead = uniqueName('lead');
  stub.add({ leadId: lead, listId: 'shop' });
  const { campaignId, ruleSetId, collector } = await campaign([
    rule({
      ruleId: 'cart-2h',
      kind: RuleKind.RULE_KIND_TRIGGER,
      on: ['webhook.cart_abandoned'],
      afterMinutes: 120,
      when: 'event.fields["amount"] > 100 && !lead.optedOut && lead.attempts == 0',
    }),
  ]);
  const post = (body: unknown, token = HTTP_TOKEN) =>
    fetch(`${h.httpBase}/v1/events/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
  const hook = {
    eventId: uniqueName('cart'),
    campaignId,
    leadId: lead,
    name: 'cart_abandoned',
    fields: { amount: 250, cartId: 'c-1' },
  };
  assert.equal((await post(hook, 'wrong')).status, 403);
  assert.equal((await post({ ...hook, leadId: 'has space' })).status, 400);
  const first = await post(hook);
  assert.equal(first.status, 202);
  const second = await post(hook);
  assert.deepEqual(await second.json(), { accepted: true, duplicate: true });
  await waitFor(
    async () =>
      (await h.app.pool.query(`SELECT 1 FROM ${h.schema}.timers WHERE campaign_id = $1`, [campaignId])).rowCount === 1,
    { what: 'the timer' },
  );
  assert.equal(collector.calls.length, 0, 'not before two hours');
  clock.advance(121 * 60_000);
  await waitFor(() => collector.calls.length === 1, { what: 'the elapsed-time task' });
  assert.deepEqual(collector.calls[0]!.data.reason, {
    ruleSetId,
    ruleId: 'cart-2h',
    version: 1,
    trigger: 'timer:webhook.cart_abandoned',
  });
  const { rows } = await h.app.pool.query<{ outcome: string }>(
    `SELECT outcome FROM ${h.schema}.timers WHERE campaign_id = $1`,
    [campaignId],
  );
  assert.deepEqual(rows, [{ outcome: 'task' }]);
});

test('events: retry per outcome (busy in 30 min) and SMS fallback on no answer through the webhook provider', async () => {
  const lead = uniqueName('lead');
  stub.add({ leadId: lead, listId: 'x', phone: '+8613800138000', name: '王小明', custom: { course: 'IELTS' } });
  const { campaignId, collector } = await campaign([
    rule({ ruleId: 'busy-30', kind: RuleKind.RULE_KIND_RETRY, outcomes: ['busy'], delayMinutes: 30, maxAttempts: 3 }),
    rule({
      ruleId: 'sms-no-answer',
      kind: RuleKind.RULE_KIND_RETRY,
      outcomes: ['no_answer'],
      channel: Channel.CHANNEL_SMS,
      smsTemplate: '{{lead.name}}，您好：{{lead.custom.course}} 课程顾问稍后联系您',
      maxAttempts: 5,
    }),
  ]);
  const attempt = (n: number, outcome: 'busy' | 'no_answer') =>
    bus.publish(events.attemptCompleted, {
      campaignId,
      leadId: lead,
      attemptId: uniqueName('att'),
      attemptNumber: n,
      outcome,
      answered: false,
      bridged: false,
    });
  await attempt(1, 'busy');
  await waitFor(
    async () =>
      (await h.app.pool.query(`SELECT 1 FROM ${h.schema}.timers WHERE campaign_id = $1`, [campaignId])).rowCount === 1,
    { what: 'the retry timer' },
  );
  clock.advance(31 * 60_000);
  await waitFor(() => collector.calls.length === 1, { what: 'the retry task' });
  assert.equal(collector.calls[0]!.data.reason!.ruleId, 'busy-30');

  smsRequests.length = 0;
  smsFailuresLeft = 1;
  await attempt(2, 'no_answer');
  await waitFor(() => collector.sms.length === 1, { what: 'the sms task' });
  const task = collector.sms[0]!.data;
  assert.equal(task.template.includes('{{lead.name}}'), true, 'the event carries the template, never the name');
  await waitFor(
    async () =>
      (
        await h.app.pool.query(`SELECT 1 FROM ${h.schema}.sms_messages WHERE task_id = $1 AND status = 'sent'`, [
          task.taskId,
        ])
      ).rowCount === 1,
    { what: 'the sms sent' },
  );
  assert.equal(smsRequests.length, 2, 'one 503, then sent');
  assert.deepEqual(smsRequests[1]!.body, {
    messageId: task.taskId,
    to: '+8613800138000',
    body: '王小明，您好：IELTS 课程顾问稍后联系您',
  });
  assert.equal(smsRequests[1]!.headers['authorization'], 'Bearer provider-token');
  const status = await fetch(`${h.httpBase}/v1/sms/status`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${HTTP_TOKEN}` },
    body: JSON.stringify({ providerMessageId: 'prov-2', status: 'delivered' }),
  });
  assert.equal(status.status, 200);
  const { rows } = await h.app.pool.query<{ status: string; attempts: number }>(
    `SELECT status, attempts FROM ${h.schema}.sms_messages WHERE task_id = $1`,
    [task.taskId],
  );
  assert.deepEqual(rows, [{ status: 'delivered', attempts: 2 }]);
  const unknown = await fetch(`${h.httpBase}/v1/sms/status`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${HTTP_TOKEN}` },
    body: JSON.stringify({ messageId: 'nope', status: 'delivered' }),
  });
  assert.equal(unknown.status, 404);
});
