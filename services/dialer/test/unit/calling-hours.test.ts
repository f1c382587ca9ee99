import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextOpening } from '../../src/domain/calling-hours.js';

const hours = { startHour: 9, endHour: 20, weekdays: [1, 2, 3, 4, 5] };

test("inside the campaign's hours in the callee's zone: now", () => {
  const now = new Date('2026-12-02T02:00:00Z'); // Wednesday 10:00 in Shanghai
  assert.equal(nextOpening(hours, 'Asia/Shanghai', now), now);
});

test('before, after and on a closed day: the next opening in the callee’s zone', () => {
  const cases: Array<[string, string, string]> = [
    ['2026-12-02T00:30:00Z', 'Asia/Shanghai', '2026-12-02T01:00:00.000Z'], // 08:30 → 09:00 same day
    ['2026-12-02T12:30:00Z', 'Asia/Shanghai', '2026-12-03T01:00:00.000Z'], // 20:30 → tomorrow 09:00
    ['2026-12-04T13:00:00Z', 'Asia/Shanghai', '2026-12-07T01:00:00.000Z'], // Friday 21:00 → Monday
    ['2026-12-02T12:00:00Z', 'America/New_York', '2026-12-02T14:00:00.000Z'], // 07:00 EST → 09:00
  ];
  for (const [now, zone, expected] of cases)
    assert.equal(nextOpening(hours, zone, new Date(now)).toISOString(), expected, `${now} ${zone}`);
});

test('all day every day is always open; an unknown zone is read as UTC', () => {
  const now = new Date('2026-12-06T23:59:00Z');
  assert.equal(nextOpening({ startHour: 0, endHour: 24, weekdays: [] }, 'Asia/Shanghai', now), now);
  assert.equal(
    nextOpening(hours, 'Not/AZone', new Date('2026-12-02T07:00:00Z')).toISOString(),
    '2026-12-02T09:00:00.000Z',
  );
});
