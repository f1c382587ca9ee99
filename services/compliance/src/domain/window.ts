import { IANAZone } from 'luxon';
import type { CallingWindow, IsoWeekday, LocalInterval } from './types.js';

export interface WindowVerdict {
  readonly inside: boolean;
  /** Which calendar the verdict came from. */
  readonly calendar: 'default' | 'weekday' | 'holiday' | 'invalid-zone';
}

const QUARTER_HOUR_MS = 900_000;
const offsets = new Map<string, number>();
const OFFSETS_MAX = 200_000;

/**
 * The zone's UTC offset (minutes) at `at`, from luxon's IANA data. Offsets are multiples of
 * 15 minutes and change at local whole hours, so every transition falls on a 15-minute UTC
 * boundary: one lookup per zone and quarter hour is exact, and keeps the hot path off Intl.
 */
function offsetMinutes(zone: string, at: number): number {
  const bucket = Math.floor(at / QUARTER_HOUR_MS);
  const key = `${zone}|${bucket}`;
  let offset = offsets.get(key);
  if (offset === undefined) {
    const iana = IANAZone.create(zone);
    offset = iana.isValid ? iana.offset(bucket * QUARTER_HOUR_MS) : Number.NaN;
    if (offsets.size >= OFFSETS_MAX) offsets.clear();
    offsets.set(key, offset);
  }
  return offset;
}

function seconds(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 3600 + (m ?? 0) * 60;
}

function intervalsFor(
  window: CallingWindow,
  date: string,
  weekday: IsoWeekday,
): [readonly LocalInterval[], WindowVerdict['calendar']] {
  const holiday = window.holidays?.[date];
  if (holiday !== undefined) return [holiday, 'holiday'];
  const special = window.weekdays?.[weekday];
  return special !== undefined ? [special, 'weekday'] : [window.default, 'default'];
}

/** One local day of a window in one zone, as seen from one UTC quarter hour. */
interface QuarterDay {
  /** UTC instant of the local midnight starting the day (ms). */
  readonly midnight: number;
  /** [start, end) in seconds of the local day. */
  readonly intervals: readonly (readonly [number, number])[];
  readonly calendar: WindowVerdict['calendar'];
}

const INVALID_ZONE: WindowVerdict = Object.freeze({ inside: false, calendar: 'invalid-zone' });
const verdicts = new Map<string, Readonly<Record<WindowVerdict['calendar'], WindowVerdict>>>();
/** Per window: `${zone}|${quarter hour}` → that local day. */
const quarterDays = new WeakMap<CallingWindow, Map<string, QuarterDay | null>>();
const QUARTER_DAYS_MAX = 100_000;

function verdict(inside: boolean, calendar: WindowVerdict['calendar']): WindowVerdict {
  const key = inside ? 'in' : 'out';
  let byCalendar = verdicts.get(key);
  if (!byCalendar) {
    byCalendar = Object.freeze({
      default: Object.freeze({ inside, calendar: 'default' }),
      weekday: Object.freeze({ inside, calendar: 'weekday' }),
      holiday: Object.freeze({ inside, calendar: 'holiday' }),
      'invalid-zone': Object.freeze({ inside, calendar: 'invalid-zone' }),
    } as const);
    verdicts.set(key, byCalendar);
  }
  return byCalendar[calendar];
}

/**
 * The local day of `at` in `zone`. The offset is constant over a UTC quarter hour and local
 * midnight falls on a quarter-hour boundary (offsets are multiples of 15 minutes), so the local
 * date, weekday and intervals are the same for every instant of the quarter hour.
 */
function quarterDay(window: CallingWindow, zone: string, at: number): QuarterDay | null {
  let byKey = quarterDays.get(window);
  if (!byKey) {
    byKey = new Map();
    quarterDays.set(window, byKey);
  }
  const bucket = Math.floor(at / QUARTER_HOUR_MS);
  const key = `${zone}|${bucket}`;
  let day = byKey.get(key);
  if (day === undefined) {
    const offset = offsetMinutes(zone, at);
    if (Number.isNaN(offset)) {
      day = null;
    } else {
      const start = bucket * QUARTER_HOUR_MS;
      const local = new Date(start + offset * 60_000);
      const date = local.toISOString().slice(0, 10);
      const weekday = (local.getUTCDay() || 7) as IsoWeekday;
      const [intervals, calendar] = intervalsFor(window, date, weekday);
      const localMidnight = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate());
      day = {
        midnight: localMidnight - offset * 60_000,
        intervals: intervals.map((i) => [seconds(i.start), seconds(i.end)] as const),
        calendar,
      };
    }
    if (byKey.size >= QUARTER_DAYS_MAX) byKey.clear();
    byKey.set(key, day);
  }
  return day;
}

/**
 * Is the instant inside the window in `zone`? Wall-clock rules in local time, so DST moves the
 * window's UTC edges with the clock (08:00 EDT is 12:00Z, 08:00 EST is 13:00Z).
 */
export function checkWindow(window: CallingWindow, zone: string, at: number): WindowVerdict {
  const day = quarterDay(window, zone, at);
  if (day === null) return INVALID_ZONE;
  // Whole seconds of the local day (the local clock's seconds field, as before).
  const sod = Math.floor((at - day.midnight) / 1000);
  let inside = false;
  for (const [start, end] of day.intervals) {
    if (sod >= start && sod < end) {
      inside = true;
      break;
    }
  }
  return verdict(inside, day.calendar);
}

function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** For explanations: the local time and the day's intervals, e.g. `holiday 2026-02-16: closed`. */
export function explainWindow(window: CallingWindow, zone: string, at: number): { local: string; intervals: string } {
  const offset = offsetMinutes(zone, at);
  if (Number.isNaN(offset)) return { local: '', intervals: 'unknown zone' };
  const local = new Date(at + offset * 60_000);
  const iso = local.toISOString();
  const [intervals, calendar] = intervalsFor(window, iso.slice(0, 10), (local.getUTCDay() || 7) as IsoWeekday);
  const text = intervals.length === 0 ? 'closed' : intervals.map((i) => `${i.start}–${i.end}`).join(', ');
  return {
    local: `${iso.slice(0, 19)}${formatOffset(offset)}`,
    intervals: calendar === 'holiday' ? `holiday ${iso.slice(0, 10)}: ${text}` : text,
  };
}
