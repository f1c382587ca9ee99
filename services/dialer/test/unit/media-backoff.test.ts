import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MediaBackoff } from '../../src/domain/media-backoff.js';

test('media back-off: the pause doubles while refusals go on, up to its longest, and is forgotten once a call is placed', () => {
  const backoff = new MediaBackoff({ firstPauseMs: 500, longestPauseMs: 2_000 });
  assert.equal(backoff.paused(0), false);
  assert.equal(backoff.refused(0), 500);
  assert.equal(backoff.paused(499), true);
  assert.equal(backoff.refused(300), undefined, 'a refusal of a call launched before the pause does not lengthen it');
  assert.equal(backoff.paused(500), false);
  assert.equal(backoff.refused(600), 1_000);
  assert.equal(backoff.refused(1_700), 2_000);
  assert.equal(backoff.refused(3_800), 2_000, 'never longer than the longest');
  backoff.placed();
  assert.equal(backoff.refused(6_000), 500, 'after a call went through, the first pause again');
});
