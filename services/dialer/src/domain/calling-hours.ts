import { DateTime } from 'luxon';
import type { CallingHours } from './model.js';

/**
 * When a campaign may call someone in `timeZone` (its own hours; compliance's legal windows are
 * checked apart and always win): `now` when inside them, else the next opening. An unknown zone
 * is read as UTC.
 */
export function nextOpening(hours: CallingHours, timeZone: string, now: Date): Date {
  let local = DateTime.fromJSDate(now, { zone: timeZone || 'UTC' });
  if (!local.isValid) local = DateTime.fromJSDate(now, { zone: 'UTC' });
  const openOn = (day: DateTime): boolean => hours.weekdays.length === 0 || hours.weekdays.includes(day.weekday);
  for (let dayOffset = 0; dayOffset <= 7; dayOffset++) {
    const day = local.plus({ days: dayOffset }).startOf('day');
    if (!openOn(day)) continue;
    const opens = day.set({ hour: hours.startHour });
    const closes = hours.endHour >= 24 ? day.plus({ days: 1 }) : day.set({ hour: hours.endHour });
    if (local < opens) return opens.toJSDate();
    if (local < closes) return now;
  }
  // No open day in a week (cannot happen with valid settings): try again in a day.
  return local.plus({ days: 1 }).toJSDate();
}
