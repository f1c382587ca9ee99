import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CallerIdRotation } from '../../src/domain/caller-ids.js';

test('caller IDs: least recently used first, never within the minimum gap, never past the daily cap', () => {
  const rotation = new CallerIdRotation(['+861', '+862', '+863'], { maxPer24h: 3, minGapMs: 30_000 });
  assert.equal(rotation.available(0), 3);
  assert.deepEqual(
    [rotation.take(0), rotation.take(0), rotation.take(0), rotation.take(0)],
    ['+861', '+862', '+863', undefined],
  );
  assert.equal(rotation.available(29_999), 0, 'each ID waits out its gap');
  assert.equal(rotation.take(30_000), '+861', 'the least recently used comes back first');
  assert.equal(rotation.take(31_000), '+862');
  // 60 s: +863 (unused since 0); 61 s: +861, its third use in 24 h: capped from now on.
  assert.equal(rotation.take(60_000), '+863');
  assert.equal(rotation.take(61_000), '+861');
  assert.equal(rotation.take(95_000), '+862', '+861 is at its daily cap');
  const at = 120_000;
  assert.equal(rotation.take(at), '+863', '+861 capped, +862 inside its gap');
  assert.equal(rotation.take(at + 86_400_000), '+861', 'a day later its first use has left the window');
});

test('caller IDs: without caps they simply rotate; without IDs the dial uses the default', () => {
  const rotation = new CallerIdRotation(['a', 'b']);
  assert.deepEqual([rotation.take(0), rotation.take(0), rotation.take(0)], ['a', 'b', 'a']);
  const none = new CallerIdRotation([]);
  assert.equal(none.empty, true);
  assert.equal(none.available(0), Number.POSITIVE_INFINITY);
  assert.equal(none.take(0), undefined);
});
