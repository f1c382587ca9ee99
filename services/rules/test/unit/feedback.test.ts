import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bestHours, isFlagged, statsFor } from '../../src/domain/feedback.js';

test('feedback: best hours per segment among hours with enough attempts', () => {
  const segments = bestHours([
    { segment: 'A', hour: 9, attempts: 100, connected: 30 },
    { segment: 'A', hour: 10, attempts: 100, connected: 50 },
    { segment: 'A', hour: 11, attempts: 5, connected: 5 }, // too few to count
    { segment: 'A', hour: 14, attempts: 40, connected: 20 },
    { segment: 'A', hour: 20, attempts: 50, connected: 10 },
    { segment: 'B', hour: 19, attempts: 30, connected: 9 },
  ]);
  assert.deepEqual(
    segments.map((s) => [s.segment, s.bestHours]),
    [
      ['A', [9, 10, 14]],
      ['B', [19]],
    ],
  );
  assert.deepEqual(statsFor(segments, 'A', 10), { connectRate: 0.5, isBestHour: true });
  assert.deepEqual(statsFor(segments, 'A', 11), { connectRate: -1, isBestHour: false });
  assert.deepEqual(statsFor(segments, 'C', 10), { connectRate: -1, isBestHour: false });
});

test('feedback: a script is flagged past 0.5 % complaints with enough connected calls', () => {
  const cases: Array<[number, number, boolean]> = [
    [1000, 5, false], // exactly 0.5 %
    [1000, 6, true],
    [100, 10, false], // too few connected calls to say
    [200, 2, true],
  ];
  for (const [connected, complaints, flagged] of cases)
    assert.equal(isFlagged({ script: 's', connected, complaints }), flagged, `${complaints}/${connected}`);
});
