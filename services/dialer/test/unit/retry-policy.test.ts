import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AttemptOutcome } from '../../src/domain/model.js';
import { DEFAULT_RETRY_RULES, nextStep } from '../../src/domain/retry-policy.js';

const now = new Date('2026-12-02T10:00:00Z');
const after = (step: ReturnType<typeof nextStep>): number | string =>
  'retryAt' in step ? (step.retryAt.getTime() - now.getTime()) / 60_000 : step.closeReason;

test('the default policy: busy in 30 min, no answer in 1 h at most twice, invalid never', () => {
  const cases: Array<[AttemptOutcome[], AttemptOutcome, number | string]> = [
    [[], 'busy', 30],
    [[], 'no_answer', 60],
    [['no_answer'], 'no_answer', 60],
    [['no_answer', 'no_answer'], 'no_answer', 'no_answer_retries_exhausted'],
    [[], 'invalid_number', 'invalid_number'],
    [[], 'connected', 'connected'],
    [[], 'rejected', 'rejected'],
  ];
  for (const [earlier, outcome, expected] of cases)
    assert.equal(after(nextStep([], 10, earlier, outcome, now)), expected, `${earlier.join(',')} → ${outcome}`);
});

test('the campaign cap on attempts holds whatever the outcome rule allows; denials do not count', () => {
  assert.equal(after(nextStep(DEFAULT_RETRY_RULES, 2, ['busy'], 'busy', now)), 'max_attempts');
  assert.equal(after(nextStep(DEFAULT_RETRY_RULES, 2, ['denied', 'denied'], 'busy', now)), 30);
});

test("a campaign's own rules replace the defaults; an outcome without a rule closes the lead", () => {
  const rules = [{ outcome: 'busy' as const, delayMs: 5 * 60_000, maxRetries: 1 }];
  assert.equal(after(nextStep(rules, 10, [], 'busy', now)), 5);
  assert.equal(after(nextStep(rules, 10, ['busy'], 'busy', now)), 'busy_retries_exhausted');
  assert.equal(after(nextStep(rules, 10, [], 'no_answer', now)), 'no_answer');
});
