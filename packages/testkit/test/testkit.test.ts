import { test } from 'node:test';
import assert from 'node:assert/strict';
import { uniqueName, waitFor } from '../src/index.js';

test('waitFor returns the first truthy value and times out otherwise', async () => {
  let n = 0;
  assert.equal(await waitFor(() => (++n >= 3 ? n : 0), { intervalMs: 1 }), 3);
  await assert.rejects(
    waitFor(() => false, { timeoutMs: 30, intervalMs: 5, what: 'never' }),
    /timed out waiting for never/,
  );
});

test('unique names differ and are subject-safe', () => {
  const a = uniqueName('t');
  assert.notEqual(a, uniqueName('t'));
  assert.match(a, /^[A-Za-z0-9_]+$/);
});
