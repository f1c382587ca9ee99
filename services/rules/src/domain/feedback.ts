// Feedback over results (pure): which callee local hours connect best per segment, and which
// scripts draw complaints (opt-outs after connected calls that carried them) past the threshold.

export interface HourCount {
  segment: string;
  hour: number;
  attempts: number;
  connected: number;
}

export interface ScriptCount {
  script: string;
  connected: number;
  complaints: number;
}

/** Hours with fewer attempts say nothing yet. */
export const MIN_HOUR_ATTEMPTS = 20;
export const BEST_HOURS = 3;
export const COMPLAINT_THRESHOLD = 0.005;
export const MIN_SCRIPT_CONNECTED = 200;

/** The segment of a lead: its tier, "-" when it has none. */
export function segmentOf(tier: string | undefined): string {
  return tier ? tier : '-';
}

export interface SegmentHours {
  segment: string;
  bestHours: number[];
  hours: Array<HourCount & { connectRate: number }>;
}

export function bestHours(
  rows: readonly HourCount[],
  minAttempts = MIN_HOUR_ATTEMPTS,
  top = BEST_HOURS,
): SegmentHours[] {
  const bySegment = new Map<string, HourCount[]>();
  for (const row of rows) bySegment.set(row.segment, [...(bySegment.get(row.segment) ?? []), row]);
  return [...bySegment.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([segment, hours]) => {
      const rated = hours
        .map((h) => ({ ...h, connectRate: h.attempts > 0 ? h.connected / h.attempts : 0 }))
        .sort((a, b) => a.hour - b.hour);
      const best = rated
        .filter((h) => h.attempts >= minAttempts)
        .sort((a, b) => b.connectRate - a.connectRate || a.hour - b.hour)
        .slice(0, top)
        .map((h) => h.hour)
        .sort((a, b) => a - b);
      return { segment, bestHours: best, hours: rated };
    });
}

export function complaintRate(s: ScriptCount): number {
  return s.connected > 0 ? s.complaints / s.connected : 0;
}

export function isFlagged(
  s: ScriptCount,
  threshold = COMPLAINT_THRESHOLD,
  minConnected = MIN_SCRIPT_CONNECTED,
): boolean {
  return s.connected >= minConnected && complaintRate(s) > threshold;
}

/** What rules see as `stats`: the connect rate at this hour for the lead's segment, and whether it is a best hour. */
export interface LeadStats {
  connectRate: number;
  isBestHour: boolean;
}

export const NO_STATS: LeadStats = Object.freeze({ connectRate: -1, isBestHour: false });

export function statsFor(segments: readonly SegmentHours[], segment: string, hour: number): LeadStats {
  const found = segments.find((s) => s.segment === segment);
  if (!found) return NO_STATS;
  const h = found.hours.find((x) => x.hour === hour);
  return {
    connectRate: h && h.attempts >= MIN_HOUR_ATTEMPTS ? h.connectRate : -1,
    isBestHour: found.bestHours.includes(hour),
  };
}
