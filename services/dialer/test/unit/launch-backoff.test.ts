import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LaunchBackoff } from '../../src/domain/launch-backoff.js';

test('launch back-off: the pause doubles while failures go on, up to its longest, and starts over after a quiet spell', () => {
  const backoff = new LaunchBackoff({ firstPauseMs: 500, longestPauseMs: 2_000 });
  assert.equal(backoff.paused(0), false);
  assert.equal(backoff.failed(0), 500);
  assert.equal(backoff.paused(499), true);
  assert.equal(backoff.failed(300), undefined, 'a failure of a launch begun before the pause does not lengthen it');
  assert.equal(backoff.paused(500), false);
  assert.equal(backoff.failed(600), 1_000, 'soon after the pause ended: doubled');
  assert.equal(backoff.failed(1_700), 2_000);
  assert.equal(backoff.failed(3_800), 2_000, 'never longer than the longest');
  assert.equal(backoff.failed(5_800 + 2_000), 500, 'after a quiet spell as long as the pause: the first pause again');
});
