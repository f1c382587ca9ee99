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

function intervalsFor(window: CallingWindow, date: string, weekday: IsoWeekday): [readonly LocalInterval[], WindowVerdict['calendar']] {
  const holiday = window.holidays?.[date];
  if (holiday !== undefined) return [holiday, 'holiday'];
  const special = window.weekdays?.[weekday];
  return special !== undefined ? [special, 'weekday'] : [window.default, 'default'];
}

/**
 * Is the instant inside the window in `zone`? Wall-clock rules in local time, so DST moves the
 * window's UTC edges with the clock (08:00 EDT is 12:00Z, 08:00 EST is 13:00Z).
 */
export function checkWindow(window: CallingWindow, zone: string, at: number): WindowVerdict {
  const offset = offsetMinutes(zone, at);
  if (Number.isNaN(offset)) return { inside: false, calendar: 'invalid-zone' };
  const local = new Date(at + offset * 60_000);
  const date = local.toISOString().slice(0, 10);
  const weekday = (local.getUTCDay() || 7) as IsoWeekday;
  const [intervals, calendar] = intervalsFor(window, date, weekday);
  const sod = local.getUTCHours() * 3600 + local.getUTCMinutes() * 60 + local.getUTCSeconds();
  return { inside: intervals.some((interval) => sod >= seconds(interval.start) && sod < seconds(interval.end)), calendar };
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
  return { local: `${iso.slice(0, 19)}${formatOffset(offset)}`, intervals: calendar === 'holiday' ? `holiday ${iso.slice(0, 10)}: ${text}` : text };
}
