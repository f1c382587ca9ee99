import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkWindow, explainWindow } from '../../src/domain/window.js';
import type { CallingWindow } from '../../src/domain/types.js';

const nineToNine: CallingWindow = { default: [{ start: '08:00', end: '21:00' }] };
const withCalendar: CallingWindow = {
  default: [{ start: '08:00', end: '21:00' }],
  weekdays: { 6: [{ start: '10:00', end: '18:00' }], 7: [] },
  holidays: { '2026-12-25': [] },
};

const cases: Array<{
  name: string;
  window: CallingWindow;
  zone: string;
  at: string;
  inside: boolean;
  calendar?: string;
}> = [
  // 2026-03-08: New York springs forward at 02:00; 08:00 EDT is 12:00Z (13:00Z the day before).
  {
    name: 'NY day before DST: 12:59Z is 07:59 EST',
    window: nineToNine,
    zone: 'America/New_York',
    at: '2026-03-07T12:59:00Z',
    inside: false,
  },
  {
    name: 'NY day before DST: 13:00Z is 08:00 EST',
    window: nineToNine,
    zone: 'America/New_York',
    at: '2026-03-07T13:00:00Z',
    inside: true,
  },
  {
    name: 'NY DST day: 11:59Z is 07:59 EDT',
    window: nineToNine,
    zone: 'America/New_York',
    at: '2026-03-08T11:59:00Z',
    inside: false,
  },
  {
    name: 'NY DST day: 12:00Z is 08:00 EDT',
    window: nineToNine,
    zone: 'America/New_York',
    at: '2026-03-08T12:00:00Z',
    inside: true,
  },
  {
    name: 'NY DST day: 00:59Z next day is 20:59 EDT',
    window: nineToNine,
    zone: 'America/New_York',
    at: '2026-03-09T00:59:59Z',
    inside: true,
  },
  {
    name: 'NY DST day: 01:00Z next day is 21:00 EDT (end exclusive)',
    window: nineToNine,
    zone: 'America/New_York',
    at: '2026-03-09T01:00:00Z',
    inside: false,
  },
  // 2026-11-01: New York falls back at 02:00; 08:00 EST is 13:00Z, 21:00 EST is 02:00Z next day.
  {
    name: 'NY fall-back day: 12:30Z is 07:30 EST',
    window: nineToNine,
    zone: 'America/New_York',
    at: '2026-11-01T12:30:00Z',
    inside: false,
  },
  {
    name: 'NY fall-back day: 13:00Z is 08:00 EST',
    window: nineToNine,
    zone: 'America/New_York',
    at: '2026-11-01T13:00:00Z',
    inside: true,
  },
  {
    name: 'NY fall-back day: 01:30Z next day is 20:30 EST',
    window: nineToNine,
    zone: 'America/New_York',
    at: '2026-11-02T01:30:00Z',
    inside: true,
  },
  {
    name: 'NY fall-back day: 02:00Z next day is 21:00 EST',
    window: nineToNine,
    zone: 'America/New_York',
    at: '2026-11-02T02:00:00Z',
    inside: false,
  },
  // Day boundaries: the UTC date differs from the callee's date.
  {
    name: 'Shanghai: 23:30Z is 07:30 next local day',
    window: nineToNine,
    zone: 'Asia/Shanghai',
    at: '2026-05-04T23:30:00Z',
    inside: false,
  },
  {
    name: 'Shanghai: 00:00Z is 08:00 local',
    window: nineToNine,
    zone: 'Asia/Shanghai',
    at: '2026-05-05T00:00:00Z',
    inside: true,
  },
  {
    name: 'Los Angeles: 04:59Z is 20:59 PDT the previous local day',
    window: nineToNine,
    zone: 'America/Los_Angeles',
    at: '2026-06-02T03:59:00Z',
    inside: true,
  },
  {
    name: 'Los Angeles: 04:00Z is 21:00 PDT',
    window: nineToNine,
    zone: 'America/Los_Angeles',
    at: '2026-06-02T04:00:00Z',
    inside: false,
  },
  // London's own DST (29 March 2026).
  {
    name: 'London after BST starts: 07:00Z is 08:00 BST',
    window: nineToNine,
    zone: 'Europe/London',
    at: '2026-03-30T07:00:00Z',
    inside: true,
  },
  {
    name: 'London before BST: 07:00Z is 07:00 GMT',
    window: nineToNine,
    zone: 'Europe/London',
    at: '2026-03-27T07:00:00Z',
    inside: false,
  },
  // Weekday and holiday calendars.
  {
    name: 'Saturday has its own hours: 09:30 is closed',
    window: withCalendar,
    zone: 'Europe/London',
    at: '2026-06-06T08:30:00Z',
    inside: false,
    calendar: 'weekday',
  },
  {
    name: 'Saturday has its own hours: 10:30 is open',
    window: withCalendar,
    zone: 'Europe/London',
    at: '2026-06-06T09:30:00Z',
    inside: true,
    calendar: 'weekday',
  },
  {
    name: 'Sunday is closed',
    window: withCalendar,
    zone: 'Europe/London',
    at: '2026-06-07T12:00:00Z',
    inside: false,
    calendar: 'weekday',
  },
  {
    name: 'Christmas (a Friday) is closed',
    window: withCalendar,
    zone: 'Europe/London',
    at: '2026-12-25T12:00:00Z',
    inside: false,
    calendar: 'holiday',
  },
  {
    name: 'the day after Christmas is a Saturday again',
    window: withCalendar,
    zone: 'Europe/London',
    at: '2026-12-26T12:00:00Z',
    inside: true,
    calendar: 'weekday',
  },
  {
    name: 'the holiday is the callee’s date, not UTC’s: 2026-12-24T23:30Z in Shanghai is 25 Dec',
    window: withCalendar,
    zone: 'Asia/Shanghai',
    at: '2026-12-25T01:00:00Z',
    inside: false,
    calendar: 'holiday',
  },
  {
    name: 'an unknown zone is never inside',
    window: nineToNine,
    zone: 'Mars/Olympus',
    at: '2026-06-01T12:00:00Z',
    inside: false,
    calendar: 'invalid-zone',
  },
];

for (const c of cases) {
  test(`window: ${c.name}`, () => {
    const verdict = checkWindow(c.window, c.zone, Date.parse(c.at));
    assert.equal(verdict.inside, c.inside);
    if (c.calendar) assert.equal(verdict.calendar, c.calendar);
  });
}

test('window: explanations give the callee’s wall-clock time with its offset', () => {
  assert.deepEqual(explainWindow(nineToNine, 'America/New_York', Date.parse('2026-03-08T11:59:00Z')), {
    local: '2026-03-08T07:59:00-04:00',
    intervals: '08:00–21:00',
  });
  assert.deepEqual(explainWindow(withCalendar, 'Asia/Kolkata', Date.parse('2026-12-24T20:00:00Z')), {
    local: '2026-12-25T01:30:00+05:30',
    intervals: 'holiday 2026-12-25: closed',
  });
});
