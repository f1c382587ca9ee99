import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileRuleSet, position } from '../../src/domain/compile.js';

const trigger = (when: string, extra: Record<string, unknown> = {}) => ({
  id: 'r1',
  kind: 'trigger',
  on: ['leads.ingested'],
  when,
  ...extra,
});

function errorsOf(rules: unknown[], scripts: unknown[] = []) {
  const result = compileRuleSet('rs', 1, { rules, scripts });
  assert.equal(result.ok, false, 'expected the rule set to be refused');
  return result.ok ? [] : result.errors;
}

test('compile: a valid rule set of every kind compiles', () => {
  const result = compileRuleSet('rs', 1, {
    rules: [
      trigger('lead.tier == "A" && !(local.hhmm >= "11:30" && local.hhmm < "13:30")'),
      { id: 'p', kind: 'priority', priority: 'lead.orderValue > 1000.0 ? 90 : 40' },
      { id: 'm', kind: 'matching', when: 'lead.intent == "high"', scriptTags: ['vip'], lineClass: 'premium' },
      { id: 'f', kind: 'frequency', maxPerDay: 3, minGapMinutes: 30 },
      { id: 'busy', kind: 'retry', outcomes: ['busy'], delayMinutes: 30, maxAttempts: 3 },
    ],
    scripts: [{ id: 's-vip', tags: ['vip', 'zh'] }],
  });
  assert.equal(result.ok, true, JSON.stringify(!result.ok && result.errors));
});

test('compile: a syntax error names the field and the position', () => {
  const [e] = errorsOf([trigger('lead.tier ==\n  ')]);
  assert.equal(e!.field, 'rules[0].when');
  assert.equal(e!.line, 2);
  assert.ok(e!.column >= 1);
  assert.match(e!.message, /^2:\d+: /);
});

test('compile: an unknown variable and an unknown field point at themselves', () => {
  const [unknown] = errorsOf([trigger('lead.tier == "A" && foo > 1')]);
  assert.equal(unknown!.reason, 'UNKNOWN_VARIABLE');
  assert.equal(unknown!.column, 21);
  const [field] = errorsOf([trigger('lead.tierr == "A"')]);
  assert.equal(field!.column, 6);
  assert.match(field!.message, /tierr/);
});

test('compile: type errors and wrong result types are refused', () => {
  const [typeError] = errorsOf([trigger('lead.tier > 1')]);
  assert.match(typeError!.message, /no such overload/);
  const [notBool] = errorsOf([trigger('lead.tier')]);
  assert.equal(notBool!.reason, 'WRONG_TYPE');
  const [notInt] = errorsOf([{ id: 'p', kind: 'priority', priority: '"high"' }]);
  assert.equal(notInt!.field, 'rules[0].priority');
  assert.equal(notInt!.reason, 'WRONG_TYPE');
});

test('compile: runaway expressions are refused (nesting, size)', () => {
  const [deep] = errorsOf([trigger('size(lead.tags.map(a, lead.tags.map(b, lead.tags.map(c, a + b + c)))) > 0')]);
  assert.equal(deep!.reason, 'TOO_COSTLY');
  assert.equal(deep!.column, 'size(lead.tags.map(a, lead.tags.map(b, '.length + 1);
  const huge = Array.from({ length: 300 }, (_, i) => `lead.tier == "${i}"`).join(' || ');
  const [big] = errorsOf([trigger(huge)]);
  assert.equal(big!.field, 'rules[0].when');
});

test('compile: loops through own events and missing fields are refused', () => {
  const errors = errorsOf([
    { id: 'loop', kind: 'trigger', on: ['attempts.completed'], when: 'true' },
    { id: 'loop', kind: 'retry', outcomes: ['busy'] },
    { id: 'm', kind: 'matching', script: 'nope' },
  ]);
  const reasons = errors.map((e) => `${e.field}:${e.reason}`);
  assert.ok(reasons.includes('rules[0].maxAttempts:LOOP'), reasons.join());
  assert.ok(reasons.includes('rules[1].id:DUPLICATE'), reasons.join());
  assert.ok(reasons.includes('rules[1].maxAttempts:LOOP'), reasons.join());
  assert.ok(reasons.includes('rules[2].script:UNKNOWN_SCRIPT'), reasons.join());
  const [unknownEvent] = errorsOf([{ id: 'x', kind: 'trigger', on: ['calls.whatever'] }]);
  assert.equal(unknownEvent!.field, 'rules[0].on[0]');
});

test('position: line and column of an offset', () => {
  assert.deepEqual(position('ab\ncd', 4), { line: 2, column: 2 });
  assert.deepEqual(position('abc', 0), { line: 1, column: 1 });
});

test('compile: an expression too costly for its trial run, regular expressions and cel.bind are refused', () => {
  const terms = Array.from({ length: 100 }, (_, i) => (i % 2 ? 'a' : 'b')).join(' + ');
  const [costly] = errorsOf([
    trigger(`lead.custom.exists(a, lead.custom.exists(b, (lead.custom[a] + ${terms}).upperAscii().contains("zz")))`),
  ]);
  assert.equal(costly!.reason, 'TOO_COSTLY');
  assert.match(costly!.message, /ms on the largest inputs allowed/);
  const [regex] = errorsOf([trigger('lead.tier == "A" && lead.region.matches("(x+x+)+y")')]);
  assert.deepEqual([regex!.reason, regex!.column], ['FORBIDDEN_FUNCTION', 'lead.tier == "A" && '.length + 1]);
  const [split] = errorsOf([trigger('size(lead.tier.split("")) > 3')]);
  assert.equal(split!.reason, 'FORBIDDEN_FUNCTION');
  const [bind] = errorsOf([trigger('cel.bind(a, lead.tier + lead.tier, cel.bind(b, a + a, b.size() > 3))')]);
  assert.equal(bind!.reason, 'FORBIDDEN_FUNCTION');
  // Two-deep comprehensions of moderate cost pass.
  const ok = compileRuleSet('rs', 1, { rules: [trigger('lead.tags.exists(a, lead.tags.exists(b, a + b == "x"))')] });
  assert.equal(ok.ok, true);
});
