import { DateTime } from 'luxon';

/** Finance keeps recordings at least 3 years (MISSION.md §5); others default to 1 year. */
export const DEFAULT_RETENTION_DAYS = 365;
export const MIN_FINANCE_RETENTION_DAYS = 1095;

/**
 * When a recording that started at `startedAtMs` may be purged: `days` calendar days later in UTC
 * (a leap day counts as a day, so a year is kept whole).
 */
export function retainUntil(startedAtMs: number, days: number): Date {
  return DateTime.fromMillis(startedAtMs, { zone: 'utc' }).plus({ days }).toJSDate();
}

export function isExpired(retainUntilMs: number, nowMs: number): boolean {
  return retainUntilMs <= nowMs;
}
