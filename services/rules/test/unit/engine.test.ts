import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluate, type EvaluationInput } from '../../src/domain/engine.js';
import { recordAttempt } from '../../src/domain/history.js';
import { renderTemplate, templateValues } from '../../src/domain/template.js';
import { NOW, compiled, event, history, lead } from './helpers.js';

function run(input: Partial<EvaluationInput> & Pick<EvaluationInput, 'ruleSet'>) {
  return evaluate({
    lead: lead(),
    history: history(),
    event: event('leads.ingested'),
    sourceId: 'ev1:c1:lead1',
    nowMs: NOW,
    defaultZone: 'Asia/Shanghai',
    hardCapPerDay: 20,
    explain: true,
    ...input,
  });
}

test('engine: an event trigger fires when its condition holds, with the condition value recorded', () => {
  const ruleSet = compiled([{ id: 'new-a', kind: 'trigger', on: ['leads.ingested'], when: 'lead.tier == "A"' }]);
  const no = run({ ruleSet });
  assert.equal(no.tasks.length, 0);
  assert.equal(no.conditions[0]!.value, 'false');
  const yes = run({ ruleSet, lead: lead({ tier: 'A' }) });
  assert.equal(yes.tasks.length, 1);
  assert.equal(yes.tasks[0]!.ruleId, 'new-a');
  assert.equal(yes.tasks[0]!.channel, 'call');
  assert.equal(yes.conditions[0]!.fired, true);
  // Same fact, same task id; another fact, another id.
  assert.equal(run({ ruleSet, lead: lead({ tier: 'A' }) }).tasks[0]!.taskId, yes.tasks[0]!.taskId);
  assert.notEqual(run({ ruleSet, lead: lead({ tier: 'A' }), sourceId: 'ev2' }).tasks[0]!.taskId, yes.tasks[0]!.taskId);
});

test('engine: an elapsed-time trigger sets a timer, and fires when the timer is due if still true', () => {
  const ruleSet = compiled([
    { id: 'not-called-10m', kind: 'trigger', on: ['leads.ingested'], afterMinutes: 10, when: 'lead.attempts == 0' },
  ]);
  const first = run({ ruleSet });
  assert.equal(first.tasks.length, 0);
  assert.equal(first.timers.length, 1);
  assert.equal(first.timers[0]!.dueAtMs, NOW + 600_000);
  const due = run({ ruleSet, timerRuleId: 'not-called-10m', nowMs: NOW + 600_000, sourceId: first.timers[0]!.timerId });
  assert.equal(due.tasks.length, 1);
  assert.equal(due.tasks[0]!.trigger, 'timer:leads.ingested');
  const called = run({
    ruleSet,
    timerRuleId: 'not-called-10m',
    history: history({ attempts: 1 }),
    nowMs: NOW + 600_000,
  });
  assert.equal(called.tasks.length, 0);
});

test('engine: webhook trigger: cart abandoned two hours ago and not opted out', () => {
  const ruleSet = compiled([
    {
      id: 'cart',
      kind: 'trigger',
      on: ['webhook.cart_abandoned'],
      afterMinutes: 120,
      when: 'event.fields["amount"] > 100 && !lead.optedOut',
    },
  ]);
  const set = run({ ruleSet, event: event('webhook.cart_abandoned', { amount: 250 }) });
  assert.equal(set.timers.length, 1);
  const due = run({
    ruleSet,
    event: event('webhook.cart_abandoned', { amount: 250 }),
    timerRuleId: 'cart',
    nowMs: NOW + 7_200_000,
  });
  assert.equal(due.tasks.length, 1);
  const optedOut = run({
    ruleSet,
    event: event('webhook.cart_abandoned', { amount: 250 }),
    timerRuleId: 'cart',
    history: history({ optedOut: true }),
  });
  assert.equal(optedOut.tasks.length, 0);
});

test('engine: retry per outcome with delay and a maximum, SMS fallback on no answer', () => {
  const ruleSet = compiled([
    { id: 'busy', kind: 'retry', outcomes: ['busy'], delayMinutes: 30, maxAttempts: 3 },
    {
      id: 'sms',
      kind: 'retry',
      outcomes: ['no_answer'],
      channel: 'sms',
      smsTemplate: 'hi {{lead.tier}}',
      maxAttempts: 5,
    },
  ]);
  const attempt = (outcome: string, n: number) => ({
    event: event('attempts.completed', { outcome, attemptNumber: n }),
    history: recordAttempt(history(), { attemptNumber: n, outcome, answered: false, atMs: NOW }),
  });
  const busy = run({ ruleSet, ...attempt('busy', 1) });
  assert.deepEqual(
    busy.timers.map((t) => [t.ruleId, t.dueAtMs]),
    [['busy', NOW + 1_800_000]],
  );
  assert.equal(run({ ruleSet, ...attempt('busy', 3) }).timers.length, 0);
  const noAnswer = run({ ruleSet, ...attempt('no_answer', 1) });
  assert.equal(noAnswer.tasks[0]!.channel, 'sms');
  assert.equal(noAnswer.tasks[0]!.smsTemplate, 'hi {{lead.tier}}');
});

test('engine: priority and matching choose by value and intent (first match wins)', () => {
  const ruleSet = compiled(
    [
      { id: 't', kind: 'trigger', on: ['leads.ingested'] },
      { id: 'vip', kind: 'priority', when: 'lead.orderValue >= 1000.0', priority: '90' },
      { id: 'intent', kind: 'priority', priority: 'lead.intent == "high" ? 70 : 30' },
      { id: 'premium', kind: 'matching', when: 'lead.tier == "A"', lineClass: 'premium', scriptTags: ['vip'] },
      { id: 'std', kind: 'matching', lineClass: 'standard', script: 's-std' },
    ],
    [
      { id: 's-std', tags: ['std'] },
      { id: 's-vip', tags: ['vip'] },
    ],
  );
  const vip = run({ ruleSet, lead: lead({ orderValue: 5000, tier: 'A' }) }).tasks[0]!;
  assert.deepEqual([vip.priority, vip.lineClass, vip.script], [90, 'premium', 's-vip']);
  const high = run({ ruleSet, lead: lead({ intent: 'high' }) }).tasks[0]!;
  assert.deepEqual([high.priority, high.lineClass, high.script], [70, 'standard', 's-std']);
  assert.equal(run({ ruleSet }).tasks[0]!.priority, 30);
});

test('engine: frequency caps: per day, minimum gap, quiet after refusal; built-in stops', () => {
  const ruleSet = compiled([
    { id: 't', kind: 'trigger', on: ['leads.updated'] },
    { id: 'per-day', kind: 'frequency', maxPerDay: 2 },
    { id: 'gap', kind: 'frequency', minGapMinutes: 60 },
    { id: 'quiet', kind: 'frequency', quietAfterRefusalMinutes: 1440 },
  ]);
  const ev = event('leads.updated');
  const today = '2026-12-03';
  assert.equal(
    run({ ruleSet, event: ev, history: history({ tasksDay: today, tasksToday: 2 }) }).tasks[0]!.suppressedBy,
    'per-day',
  );
  // Yesterday's count does not hold today.
  assert.equal(
    run({ ruleSet, event: ev, history: history({ tasksDay: '2026-12-02', tasksToday: 2 }) }).tasks[0]!.suppressedBy,
    undefined,
  );
  const gap = run({ ruleSet, event: ev, history: history({ lastTaskAtMs: NOW - 600_000 }) }).tasks[0]!;
  assert.equal(gap.suppressedBy, undefined);
  assert.equal(gap.notBeforeMs, NOW + 3_000_000);
  assert.equal(
    run({ ruleSet, event: ev, history: history({ refusedAtMs: NOW - 3_600_000 }) }).tasks[0]!.suppressedBy,
    'quiet',
  );
  assert.equal(run({ ruleSet, event: ev, history: history({ optedOut: true }) }).tasks[0]!.suppressedBy, 'opted_out');
  assert.equal(
    run({ ruleSet, event: ev, lead: lead({ status: 'DO_NOT_CALL' }) }).tasks[0]!.suppressedBy,
    'lead_status:DO_NOT_CALL',
  );
  assert.equal(
    run({ ruleSet, event: ev, hardCapPerDay: 1, history: history({ tasksDay: today, tasksToday: 1 }) }).tasks[0]!
      .suppressedBy,
    'hard_cap',
  );
});

test('engine: callee local time: not during 11:30-13:30 for local services', () => {
  const ruleSet = compiled([
    { id: 't', kind: 'trigger', on: ['leads.ingested'], when: '!(local.hhmm >= "11:30" && local.hhmm < "13:30")' },
  ]);
  const noon = Date.parse('2026-12-03T04:00:00Z'); // 12:00 in Shanghai
  assert.equal(run({ ruleSet, nowMs: noon }).tasks.length, 0);
  assert.equal(run({ ruleSet, nowMs: noon, lead: lead({ timeZone: 'Europe/Berlin' }) }).tasks.length, 1); // 05:00 there
  assert.equal(run({ ruleSet }).tasks.length, 1);
});

test('engine: an expression failing at run time stops that rule only', () => {
  const ruleSet = compiled([
    { id: 'bad', kind: 'trigger', on: ['leads.ingested'], when: 'lead.custom["missing"] == "x"' },
    { id: 'good', kind: 'trigger', on: ['leads.ingested'] },
  ]);
  const d = run({ ruleSet });
  assert.equal(d.errors, 1);
  assert.deepEqual(
    d.tasks.map((t) => t.ruleId),
    ['good'],
  );
  assert.match(d.conditions.find((c) => c.ruleId === 'bad')!.error, /key/i);
});

test('template: placeholders from lead and event fields', () => {
  const body = renderTemplate(
    '{{lead.name}}: your cart {{event.fields.cartId}} ({{lead.custom.sku}}) {{unknown}}',
    templateValues({ tier: 'A', intent: '', name: 'Wang', custom: { sku: 'K1' } }, { cartId: 'c9' }),
  );
  assert.equal(body, 'Wang: your cart c9 (K1) ');
});

test('engine: lead.ageMinutes counts from the ingest when known', () => {
  const ruleSet = compiled([{ id: 'old', kind: 'trigger', on: ['leads.ingested'], when: 'lead.ageMinutes >= 10' }]);
  assert.equal(run({ ruleSet, lead: lead({ createdAtMs: NOW - 5 * 60_000 }) }).tasks.length, 0);
  assert.equal(run({ ruleSet, lead: lead({ createdAtMs: NOW - 11 * 60_000 }) }).tasks.length, 1);
  assert.equal(run({ ruleSet }).conditions[0]!.value, 'false'); // unknown: -1
});
