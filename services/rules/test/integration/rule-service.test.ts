import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { RuleKind, type Rule } from '@outbound/proto/outbound/v1/rules';
import { Status } from '@outbound/rpc';
import { uniqueName } from '@outbound/testkit';
import type { AppDeps } from '../../src/app.js';
import { baseDeps, call, rule, startRules, type RulesHarness, cleanup } from './harness.js';
import { startLeadStub, type LeadStub } from './lead-stub.js';

let stub: LeadStub;
let h: RulesHarness;
let deps: AppDeps;

before(async () => {
  stub = await startLeadStub();
  h = await startRules((deps = baseDeps(stub)));
});

after(async () => {
  await h?.stop();
  if (deps) await cleanup(deps);
  await stub?.stop();
});

const trigger = (when: string) =>
  rule({ ruleId: 'new-lead', kind: RuleKind.RULE_KIND_TRIGGER, on: ['leads.ingested'], when });

async function refused(promise: Promise<unknown>): Promise<{ code: number; details: string; metadata: unknown }> {
  try {
    await promise;
  } catch (error) {
    return error as { code: number; details: string; metadata: unknown };
  }
  assert.fail('expected the call to be refused');
}

test('grpc: create, save, publish, roll back, history; versions are never edited', async () => {
  const c = h.client;
  const campaignId = uniqueName('camp');
  const created = await call(c, c.createRuleSet, {
    campaignId,
    listIds: ['list-a'],
    rules: [trigger('lead.tier == "A"')],
    scripts: [],
    publish: true,
  });
  const id = created.ruleSet!.ruleSetId;
  assert.equal(created.ruleSet!.activeVersion, 1);
  const v2 = await call(c, c.saveRuleSetVersion, {
    ruleSetId: id,
    rules: [trigger('lead.tier == "B"')],
    scripts: [],
    listIds: ['list-a'],
    baseVersion: 1,
  });
  assert.equal(v2.ruleSet!.version, 2);
  assert.equal(v2.ruleSet!.activeVersion, 1, 'saving does not publish');
  const stale = await refused(
    call(c, c.saveRuleSetVersion, {
      ruleSetId: id,
      rules: [trigger('true')],
      scripts: [],
      listIds: [],
      baseVersion: 1,
    }),
  );
  assert.equal(stale.code, Status.FAILED_PRECONDITION);
  await call(c, c.publishRuleSetVersion, { ruleSetId: id, version: 2 });
  const active = await call(c, c.getRuleSet, { ruleSetId: '', campaignId, version: 0 });
  assert.equal(active.ruleSet!.version, 2);
  assert.equal(active.ruleSet!.rules[0]!.when, 'lead.tier == "B"');
  const back = await call(c, c.rollbackRuleSet, { ruleSetId: id, toVersion: 0 });
  assert.equal(back.ruleSet!.activeVersion, 1);
  assert.equal(back.ruleSet!.rules[0]!.when, 'lead.tier == "A"');
  const v1 = await call(c, c.getRuleSet, { ruleSetId: id, campaignId: '', version: 1 });
  assert.equal(v1.ruleSet!.rules[0]!.when, 'lead.tier == "A"');
  const { entries } = await call(c, c.getRuleSetHistory, { ruleSetId: id });
  assert.deepEqual(
    entries.map((e) => `${e.action}:${e.version}:${e.previousVersion}`),
    ['created:1:0', 'published:1:0', 'saved:2:0', 'published:2:1', 'rolled_back:1:2'],
  );
  const dup = await refused(
    call(c, c.createRuleSet, { campaignId, listIds: [], rules: [trigger('true')], scripts: [], publish: false }),
  );
  assert.equal(dup.code, Status.ALREADY_EXISTS);
  await call(c, c.deleteRuleSet, { ruleSetId: id });
  const listed = await call(c, c.listRuleSets, { includeArchived: false });
  assert.ok(!listed.ruleSets.some((s) => s.ruleSetId === id));
});

test('grpc: bad rules are refused on save with the field and position, and nothing is stored', async () => {
  const c = h.client;
  const campaignId = uniqueName('camp');
  const created = await call(c, c.createRuleSet, {
    campaignId,
    listIds: [],
    rules: [trigger('true')],
    scripts: [],
    publish: false,
  });
  const id = created.ruleSet!.ruleSetId;
  const cases: Array<[string, Rule, RegExp]> = [
    ['syntax', trigger('lead.tier == '), /rules\[0\]\.when: 1:14: /],
    ['unknown variable', trigger('lead.tier == "A" && nope'), /1:21: Unknown variable: nope/],
    ['type', trigger('lead.orderValue == "x"'), /no such overload/],
    ['runaway', trigger('lead.tags.all(a, lead.tags.all(b, lead.tags.all(c, a != b + c)))'), /nested 3 deep/],
    [
      'loop',
      rule({ ruleId: 'again', kind: RuleKind.RULE_KIND_TRIGGER, on: ['attempts.completed'] }),
      /rules\[0\]\.maxAttempts: .*loops/,
    ],
    ['unknown kind', rule({ ruleId: 'k', kind: RuleKind.RULE_KIND_UNSPECIFIED }), /rules\[0\]\.kind/],
  ];
  for (const [name, bad, pattern] of cases) {
    const error = await refused(
      call(c, c.saveRuleSetVersion, { ruleSetId: id, rules: [bad], scripts: [], listIds: [], baseVersion: 0 }),
    );
    assert.equal(error.code, Status.INVALID_ARGUMENT, name);
    assert.match(error.details, pattern, name);
  }
  const validation = await call(c, c.validateRules, { rules: [trigger('lead.tier == "A" && nope')], scripts: [] });
  assert.equal(validation.valid, false);
  assert.deepEqual(
    [validation.errors[0]!.field, validation.errors[0]!.line, validation.errors[0]!.column],
    ['rules[0].when', 1, 21],
  );
  const still = await call(c, c.getRuleSet, { ruleSetId: id, campaignId: '', version: 0 });
  assert.equal(still.ruleSet!.latestVersion, 1, 'no refused save left a version');
  const badCampaign = await refused(
    call(c, c.createRuleSet, { campaignId: 'a b', listIds: [], rules: [], scripts: [], publish: false }),
  );
  assert.equal(badCampaign.code, Status.INVALID_ARGUMENT);
  const missing = await refused(call(c, c.publishRuleSetVersion, { ruleSetId: id, version: 9 }));
  assert.equal(missing.code, Status.NOT_FOUND);
});

test('grpc: dry run shows which rules fire, each condition value, and the tasks', async () => {
  const c = h.client;
  const campaignId = uniqueName('camp');
  const listId = uniqueName('list');
  stub.add(
    { leadId: uniqueName('lead'), listId, tier: 'A', orderValue: 5000, intent: 'high' },
    { leadId: uniqueName('lead'), listId, tier: 'C', orderValue: 10 },
  );
  const created = await call(c, c.createRuleSet, {
    campaignId,
    listIds: [listId],
    rules: [
      trigger('lead.tier == "A"'),
      rule({
        ruleId: 'later',
        kind: RuleKind.RULE_KIND_TRIGGER,
        on: ['leads.ingested'],
        afterMinutes: 10,
        when: 'lead.attempts == 0',
      }),
      rule({ ruleId: 'value', kind: RuleKind.RULE_KIND_PRIORITY, priority: 'lead.orderValue > 1000.0 ? 90 : 20' }),
      rule({
        ruleId: 'premium',
        kind: RuleKind.RULE_KIND_MATCHING,
        when: 'lead.intent == "high"',
        lineClass: 'premium',
        scriptTags: ['vip'],
      }),
    ],
    scripts: [{ scriptId: 'vip-zh', tags: ['vip'] }],
    publish: true,
  });
  const at = { seconds: Math.floor(Date.parse('2026-12-03T02:00:00Z') / 1000), nanos: 0 };
  const inline = await call(c, c.dryRun, {
    ruleSetId: created.ruleSet!.ruleSetId,
    campaignId: '',
    version: 0,
    lead: { leadId: 'x1', tier: 'A', orderValue: 2000, intent: 'high' },
    leadIds: [],
    sampleSize: 0,
    event: { type: 'leads.ingested', fields: {}, occurredAt: at },
    at,
  });
  const [one] = inline.leads;
  const byRule = Object.fromEntries(one!.conditions.map((x) => [x.ruleId, x]));
  assert.equal(byRule['new-lead']!.value, 'true');
  assert.equal(byRule['new-lead']!.fired, true);
  assert.equal(byRule['later']!.fired, true);
  assert.match(byRule['later']!.note, /scheduled/);
  assert.equal(byRule['value']!.note, 'priority 90');
  const immediate = one!.tasks.find((t) => !t.scheduled)!;
  assert.deepEqual(
    [immediate.ruleId, immediate.priority, immediate.lineClass, immediate.script],
    ['new-lead', 90, 'premium', 'vip-zh'],
  );
  const scheduled = one!.tasks.find((t) => t.scheduled)!;
  assert.equal(scheduled.notBefore!.seconds, at.seconds + 600);

  const sample = await call(c, c.dryRun, {
    ruleSetId: '',
    campaignId,
    version: 0,
    lead: undefined,
    leadIds: [],
    sampleSize: 10,
    event: { type: 'leads.ingested', fields: {}, occurredAt: undefined },
    at,
  });
  assert.equal(sample.leads.length, 2);
  const fired = sample.leads.map((l) => l.conditions.find((x) => x.ruleId === 'new-lead')!.value).sort();
  assert.deepEqual(fired, ['false', 'true']);
  const noEvent = await refused(
    call(c, c.dryRun, {
      ruleSetId: '',
      campaignId,
      version: 0,
      lead: { tier: 'A' },
      leadIds: [],
      sampleSize: 0,
      event: undefined,
      at,
    }),
  );
  assert.equal(noEvent.code, Status.INVALID_ARGUMENT);
});

test('housekeeping: the prune statements run', async () => {
  const { pruneOld } = await import('../../src/adapters/sql/evaluation-store.js');
  assert.equal(await pruneOld(h.app.pool, 86_400_000, 86_400_000), 0);
});
