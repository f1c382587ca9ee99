import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AgentDecisions, DEFAULT_MIX, seeded } from '../../src/domain/mix.js';

test('the same seed makes the same decisions', () => {
  const run = (seed: number) => {
    const d = new AgentDecisions(seeded(seed));
    return Array.from({ length: 50 }, () => [d.acceptsPreview(), d.wrapUpMs(), d.disposition().intent]);
  };
  assert.deepEqual(run(7), run(7));
  assert.notDeepEqual(run(7), run(8));
});

test('over many calls the mix is what it says', () => {
  const d = new AgentDecisions(seeded(1));
  const n = 20_000;
  const grades = { A: 0, B: 0, C: 0 };
  let accepted = 0;
  let followUps = 0;
  for (let i = 0; i < n; i++) {
    if (d.acceptsPreview()) accepted++;
    const choice = d.disposition();
    grades[choice.intent]++;
    if (choice.followUpInMs !== undefined) followUps++;
    const wrap = d.wrapUpMs();
    assert.ok(wrap >= DEFAULT_MIX.wrapUpMs[0] && wrap <= DEFAULT_MIX.wrapUpMs[1]);
  }
  const near = (x: number, expected: number) => Math.abs(x / n - expected) < 0.02;
  assert.ok(near(accepted, DEFAULT_MIX.acceptPreview), `accepted ${accepted}`);
  assert.ok(near(grades.A, DEFAULT_MIX.intentA), `A ${grades.A}`);
  assert.ok(near(grades.B, DEFAULT_MIX.intentB), `B ${grades.B}`);
  assert.ok(near(followUps, DEFAULT_MIX.followUp), `follow-ups ${followUps}`);
});
