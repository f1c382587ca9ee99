import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { events, type Bus } from '@outbound/bus';
import { RuleKind } from '@outbound/proto/outbound/v1/rules';
import { uniqueName, waitFor } from '@outbound/testkit';
import {
  TaskCollector,
  TestClock,
  baseDeps,
  call,
  cleanup,
  rule,
  startRules,
  testBus,
  type RulesHarness,
} from './harness.js';
import { startLeadStub, type LeadStub } from './lead-stub.js';

let stub: LeadStub;
let bus: Bus;

before(async () => {
  stub = await startLeadStub();
  bus = await testBus();
});

after(async () => {
  await bus?.close();
  await stub?.stop();
});

test('scheduler: time triggers survive a restart and fire once across two replicas (none lost, none doubled)', async () => {
  const LEADS = 400;
  const clock = new TestClock();
  const deps = baseDeps(stub, { now: clock.now, schedulerBatch: 25, schedulerPollMs: 20 });
  const listId = uniqueName('list');
  const leadIds = Array.from({ length: LEADS }, () => uniqueName('lead'));
  stub.add(...leadIds.map((leadId) => ({ leadId, listId })));

  // Replica one takes the events and sets the timers, then stops before any is due.
  const first: RulesHarness = await startRules(deps);
  const campaignId = uniqueName('camp');
  await call(first.client, first.client.createRuleSet, {
    campaignId,
    listIds: [listId],
    rules: [
      rule({
        ruleId: 'not-called-10m',
        kind: RuleKind.RULE_KIND_TRIGGER,
        description: 'lead created and not called within 10 minutes',
        when: 'lead.attempts == 0',
        on: ['leads.ingested'],
        afterMinutes: 10,
      }),
    ],
    scripts: [],
    publish: true,
  });
  const collector = await new TaskCollector(bus, campaignId).start();
  try {
    for (let i = 0; i < LEADS; i += 100)
      await bus.publish(events.leadIngested, { listId, leadIds: leadIds.slice(i, i + 100) });
    const pending = async () =>
      Number(
        (
          await first.app.pool.query<{ n: string }>(
            `SELECT count(*) AS n FROM timers WHERE campaign_id = $1 AND fired_at IS NULL`,
            [campaignId],
          )
        ).rows[0]!.n,
      );
    await waitFor(async () => (await pending()) === LEADS, { what: 'every timer set', timeoutMs: 30_000 });
    await first.stop();
    assert.equal(collector.calls.length, 0);

    // Time passes while no replica runs; then two replicas start on the same schema and durables.
    clock.advance(11 * 60_000);
    const [one, two] = await Promise.all([
      startRules({ ...deps, replica: 'replica-one' }),
      startRules({ ...deps, replica: 'replica-two' }),
    ]);
    try {
      await waitFor(() => collector.calls.length >= LEADS, { what: 'every task', timeoutMs: 60_000 });
      const { rows } = await one.app.pool.query<{ fired_by: string; outcome: string; n: string }>(
        `SELECT fired_by, outcome, count(*) AS n FROM timers WHERE campaign_id = $1 GROUP BY 1, 2 ORDER BY 1`,
        [campaignId],
      );
      const byReplica = Object.fromEntries(rows.map((r) => [`${r.fired_by}:${r.outcome}`, Number(r.n)]));
      assert.equal(
        Object.values(byReplica).reduce((a, b) => a + b, 0),
        LEADS,
      );
      assert.ok(
        rows.every((r) => r.outcome === 'task'),
        JSON.stringify(byReplica),
      );
      // Give a doubled publish the time to show up, then count.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const ids = new Set(collector.calls.map((c) => c.data.taskId));
      const leads = new Set(collector.calls.map((c) => c.data.leadId));
      assert.equal(collector.calls.length, LEADS, 'none doubled');
      assert.equal(ids.size, LEADS);
      assert.equal(leads.size, LEADS, 'none lost');
      process.stdout.write(`# timers fired per replica: ${JSON.stringify(byReplica)}\n`);
    } finally {
      await Promise.all([one.stop(), two.stop()]);
    }
  } finally {
    await collector.stop();
    await cleanup(deps);
  }
});
