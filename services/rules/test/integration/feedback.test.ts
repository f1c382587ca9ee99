import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { events, type Bus, type ConsumerHandle, type PayloadOf } from '@outbound/bus';
import { RuleKind } from '@outbound/proto/outbound/v1/rules';
import { uniqueName, waitFor } from '@outbound/testkit';
import type { AppDeps } from '../../src/app.js';
import { TaskCollector, baseDeps, call, rule, startRules, testBus, type RulesHarness, cleanup } from './harness.js';
import { startLeadStub, type LeadStub } from './lead-stub.js';

let stub: LeadStub;
let h: RulesHarness;
let deps: AppDeps;
let bus: Bus;

before(async () => {
  stub = await startLeadStub();
  bus = await testBus();
  h = await startRules((deps = baseDeps(stub, { feedback: { ttlMs: 0, minConnected: 4 } })));
});

after(async () => {
  await h?.stop();
  if (deps) await cleanup(deps);
  await bus?.close();
  await stub?.stop();
});

test('feedback: best hours per segment from connect rates, stats.* in rules, a script flagged past 0.5 % complaints', async () => {
  const listId = uniqueName('list');
  const leads = Array.from({ length: 4 }, () => uniqueName('lead'));
  stub.add(...leads.map((leadId) => ({ leadId, listId, tier: 'A' })));
  const campaignId = uniqueName('camp');
  await call(h.client, h.client.createRuleSet, {
    campaignId,
    listIds: [listId],
    rules: [
      rule({ ruleId: 'new', kind: RuleKind.RULE_KIND_TRIGGER, on: ['leads.ingested', 'leads.updated'] }),
      rule({ ruleId: 'best-hour', kind: RuleKind.RULE_KIND_PRIORITY, priority: 'stats.isBestHour ? 80 : 50' }),
      rule({ ruleId: 'script', kind: RuleKind.RULE_KIND_MATCHING, script: 'pitch-a' }),
    ],
    scripts: [{ scriptId: 'pitch-a', tags: [] }],
    publish: true,
  });
  const collector = await new TaskCollector(bus, campaignId).start();
  const flags: Array<PayloadOf<typeof events.rulesScriptFlagged>> = [];
  const flagDurable = uniqueName('flags');
  const flagConsumer: ConsumerHandle = await bus.consume({
    event: events.rulesScriptFlagged,
    durable: flagDurable,
    filterSubject: events.rulesScriptFlagged.subjectForKey(campaignId),
    handler: async ({ event }) => void flags.push(event.data),
  });
  try {
    await bus.publish(events.leadIngested, { listId, leadIds: leads });
    await waitFor(() => collector.calls.length === 4, { what: 'four tasks' });
    assert.ok(collector.calls.every((c) => c.data.script === 'pitch-a' && c.data.priority === 50));

    // 20 attempts this hour, 8 connected (2 per lead): this hour becomes the segment's best.
    for (let i = 0; i < 20; i++)
      await bus.publish(events.attemptCompleted, {
        campaignId,
        leadId: leads[i % 4]!,
        attemptId: uniqueName('att'),
        attemptNumber: 1 + Math.floor(i / 4),
        outcome: i < 8 ? 'connected' : 'no_answer',
        answered: i < 8,
        bridged: i < 8,
      });
    const feedback = () => call(h.client, h.client.getFeedback, { campaignId });
    await waitFor(async () => (await feedback()).segments[0]?.hours.reduce((n, x) => n + x.attempts, 0) === 20, {
      what: 'the attempts counted',
    });
    const { segments } = await feedback();
    assert.equal(segments[0]!.segment, 'A');
    assert.equal(segments[0]!.bestHours.length, 1);
    assert.equal(segments[0]!.hours[0]!.connectRate, 0.4);

    // A complaint (opt-out) after connected calls carried by pitch-a: 1 of 8 > 0.5 %: flagged once.
    await bus.publish(events.complianceOptOut, { campaignId, leadId: leads[0]!, channel: 'speech' });
    await waitFor(() => flags.length === 1, { what: 'rules.script_flagged' });
    assert.deepEqual(flags[0], {
      campaignId,
      script: 'pitch-a',
      connected: 8,
      complaints: 1,
      complaintRate: 0.125,
      threshold: 0.005,
    });
    const after = await feedback();
    assert.deepEqual(
      after.scripts.map((s) => [s.script, s.connected, s.complaints, s.flagged]),
      [['pitch-a', 8, 1, true]],
    );

    // Rules see it: a lead updated now, in the segment's best hour, gets priority 80.
    await bus.publish(events.leadUpdated, { listId, leadIds: [leads[1]!] });
    await waitFor(() => collector.calls.length === 5, { what: 'the fifth task' });
    assert.equal(collector.calls[4]!.data.priority, 80);
    await bus.publish(events.complianceOptOut, { campaignId, leadId: leads[2]!, channel: 'speech' });
    await waitFor(async () => (await feedback()).scripts[0]!.complaints === 2, { what: 'the second complaint' });
    assert.equal(flags.length, 1, 'flagged once a day');
  } finally {
    await flagConsumer.stop();
    await bus.manager.consumers.delete('RULES', flagDurable).catch(() => undefined);
    await collector.stop();
  }
});
