import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  InvalidArgumentError,
  NotFoundError,
  backoffDelayMs,
  defaultRetryPolicy,
  retry,
  isDomainError,
} from '../src/index.js';

test('errors carry kind, reason, fields and cause', () => {
  const cause = new Error('db');
  const notFound = new NotFoundError('lead', 'L1', { cause });
  assert.equal(notFound.kind, 'not_found');
  assert.equal(notFound.reason, 'NOT_FOUND');
  assert.equal(notFound.cause, cause);
  assert.deepEqual(notFound.details, { resource: 'lead', id: 'L1' });
  const invalid = InvalidArgumentError.field('phone', 'not a phone number', 'INVALID_PHONE');
  assert.equal(invalid.kind, 'invalid_argument');
  assert.deepEqual(invalid.violations, [
    { field: 'phone', description: 'not a phone number', reason: 'INVALID_PHONE' },
  ]);
  assert.ok(isDomainError(invalid));
  assert.ok(!isDomainError(new Error('x')));
});

test('back-off grows by the multiplier and is capped', () => {
  const top = () => 0; // no random share taken off: the ceiling itself
  const cases: Array<[number, number]> = [
    [1, 100],
    [2, 200],
    [3, 400],
    [8, 10_000],
    [30, 10_000],
  ];
  for (const [attempt, expected] of cases) assert.equal(backoffDelayMs(defaultRetryPolicy, attempt, top), expected);
  assert.equal(
    backoffDelayMs(defaultRetryPolicy, 3, () => 1),
    0,
    'full jitter can take the whole delay',
  );
  assert.equal(
    backoffDelayMs({ ...defaultRetryPolicy, jitter: 0.5 }, 3, () => 1),
    200,
    'half jitter keeps at least half',
  );
});

test('retry stops at maxAttempts and on non-retryable errors', async () => {
  const policy = { initialDelayMs: 1, maxDelayMs: 1, multiplier: 1, maxAttempts: 3 };
  let calls = 0;
  await assert.rejects(
    retry(
      async () => {
        calls++;
        throw new Error('boom');
      },
      { policy },
    ),
    /boom/,
  );
  assert.equal(calls, 3);
  calls = 0;
  await assert.rejects(
    retry(
      async () => {
        calls++;
        throw new Error('fatal');
      },
      { policy, isRetryable: () => false },
    ),
    /fatal/,
  );
  assert.equal(calls, 1);
  assert.equal(
    await retry(
      async (n) => {
        if (n < 2) throw new Error('once');
        return n;
      },
      { policy },
    ),
    2,
  );
});
