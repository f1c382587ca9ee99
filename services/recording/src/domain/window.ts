import { DateTime } from 'luxon';

/** A daily window in local minutes since midnight; end before start wraps past midnight (22:00–06:00). */
export interface TimeWindow {
  readonly startMinute: number;
  readonly endMinute: number;
}

/** `HH:MM-HH:MM` → a window, or the reason it is not one. */
export function parseWindow(raw: string): TimeWindow | string {
  const match = /^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$/.exec(raw.trim());
  if (!match) return 'must be HH:MM-HH:MM, e.g. 22:00-06:00';
  const [h1, m1, h2, m2] = match.slice(1).map(Number) as [number, number, number, number];
  if (h1 > 23 || h2 > 24 || m1 > 59 || m2 > 59 || (h2 === 24 && m2 !== 0)) return 'hours 00–24 and minutes 00–59';
  const startMinute = h1 * 60 + m1;
  const endMinute = h2 * 60 + m2;
  if (startMinute === endMinute) return 'start and end must differ';
  return { startMinute, endMinute };
}

/** Whether `atMs` falls in the window, read on the wall clock of `zone`. */
export function inWindow(window: TimeWindow | undefined, zone: string, atMs: number): boolean {
  if (window === undefined) return true;
  const local = DateTime.fromMillis(atMs, { zone });
  const minute = local.hour * 60 + local.minute;
  return window.startMinute < window.endMinute
    ? minute >= window.startMinute && minute < window.endMinute
    : minute >= window.startMinute || minute < window.endMinute;
}
