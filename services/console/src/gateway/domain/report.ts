// Report figures from the dialer's tallies of finished attempts (SummarizeAttempts: the dialer
// counts in PostgreSQL), grouped by campaign, agent, line (caller id) or hour; the rates are
// computed here. Abandon rate by two formulas: the US (FCC/TSR) rate counts abandoned calls
// against calls answered by a live person (abandoned + connected); the UK (Ofcom) rate
// additionally counts an estimate of machine-detection false positives as abandoned, against live
// calls plus that estimate. The estimate is a setting (the share of AMD "machine" verdicts taken
// to be people).

/** One group's counts, as the dialer tallies them. */
export interface ReportTally {
  readonly key: string;
  /** Attempts that were dialled (an outcome other than denied). */
  readonly dials: number;
  readonly connects: number;
  /** Billed seconds of connected calls. */
  readonly talkSeconds: number;
  readonly abandoned: number;
  readonly machines: number;
  readonly intents: { readonly A: number; readonly B: number; readonly C: number };
  readonly conversions: number;
}

export type GroupBy = 'campaign' | 'agent' | 'line' | 'hour';
export const GROUPS: readonly GroupBy[] = ['campaign', 'agent', 'line', 'hour'];

/** Disposition codes a report counts as conversions. */
export const CONVERSION_CODES: readonly string[] = ['sale'];

/** At most this many campaigns in one report (the dialer's bound). */
export const MAX_REPORT_CAMPAIGNS = 50;

export interface ReportRow {
  readonly key: string;
  readonly dials: number;
  readonly connects: number;
  readonly connectRate: number;
  readonly talkSeconds: number;
  readonly avgTalkSeconds: number;
  readonly abandoned: number;
  readonly machines: number;
  readonly abandonRateUs: number;
  readonly abandonRateUk: number;
  readonly intents: { readonly A: number; readonly B: number; readonly C: number };
  readonly conversions: number;
}

/**
 * A group's key as the report shows it: '-' for calls without an agent or line, and an hour as
 * `2026-01-01T10:00Z` (UTC) from its start in epoch ms.
 */
export function groupKey(by: GroupBy, key: string, hourMs?: number): string {
  if (by === 'hour')
    return new Date(Math.floor((hourMs ?? 0) / 3_600_000) * 3_600_000).toISOString().slice(0, 13) + ':00Z';
  return key || '-';
}

export function buildReport(
  tallies: readonly ReportTally[],
  options: { amdFalsePositiveShare?: number } = {},
): ReportRow[] {
  const share = options.amdFalsePositiveShare ?? 0;
  // Tallies that show under one key (none expected, but a key is a row) are added together.
  const groups = new Map<string, ReportTally>();
  for (const t of tallies) {
    const seen = groups.get(t.key);
    groups.set(
      t.key,
      seen === undefined
        ? t
        : {
            key: t.key,
            dials: seen.dials + t.dials,
            connects: seen.connects + t.connects,
            talkSeconds: seen.talkSeconds + t.talkSeconds,
            abandoned: seen.abandoned + t.abandoned,
            machines: seen.machines + t.machines,
            intents: {
              A: seen.intents.A + t.intents.A,
              B: seen.intents.B + t.intents.B,
              C: seen.intents.C + t.intents.C,
            },
            conversions: seen.conversions + t.conversions,
          },
    );
  }
  const rows: ReportRow[] = [];
  for (const t of groups.values()) {
    const live = t.connects + t.abandoned;
    const falsePositives = t.machines * share;
    rows.push({
      key: t.key,
      dials: t.dials,
      connects: t.connects,
      connectRate: t.dials === 0 ? 0 : t.connects / t.dials,
      talkSeconds: t.talkSeconds,
      avgTalkSeconds: t.connects === 0 ? 0 : t.talkSeconds / t.connects,
      abandoned: t.abandoned,
      machines: t.machines,
      abandonRateUs: live === 0 ? 0 : t.abandoned / live,
      abandonRateUk: live + falsePositives === 0 ? 0 : (t.abandoned + falsePositives) / (live + falsePositives),
      intents: { ...t.intents },
      conversions: t.conversions,
    });
  }
  return rows.sort((a, b) => a.key.localeCompare(b.key));
}

export const REPORT_HEADER = [
  'group',
  'dials',
  'connects',
  'connect_rate',
  'talk_seconds',
  'avg_talk_seconds',
  'abandoned',
  'machines',
  'abandon_rate_us',
  'abandon_rate_uk',
  'intent_a',
  'intent_b',
  'intent_c',
  'conversions',
] as const;

export function reportCells(row: ReportRow): (string | number)[] {
  return [
    row.key,
    row.dials,
    row.connects,
    row.connectRate.toFixed(4),
    row.talkSeconds,
    row.avgTalkSeconds.toFixed(1),
    row.abandoned,
    row.machines,
    row.abandonRateUs.toFixed(4),
    row.abandonRateUk.toFixed(4),
    row.intents.A,
    row.intents.B,
    row.intents.C,
    row.conversions,
  ];
}
