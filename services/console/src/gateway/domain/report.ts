// Report figures from finished attempts, grouped by campaign, agent, line (caller id) or hour.
// Abandon rate by two formulas: the US (FCC/TSR) rate counts abandoned calls against calls
// answered by a live person (abandoned + connected); the UK (Ofcom) rate additionally counts an
// estimate of machine-detection false positives as abandoned, against live calls plus that
// estimate. The estimate is a setting (the share of AMD "machine" verdicts taken to be people).

export interface ReportAttempt {
  readonly campaignId: string;
  readonly agentId: string;
  readonly line: string;
  readonly outcome: string;
  /** Epoch ms of the dial (or the queueing when never dialled). */
  readonly at: number;
  readonly talkSeconds: number;
  readonly intent: string;
  readonly code: string;
}

export type GroupBy = 'campaign' | 'agent' | 'line' | 'hour';
export const GROUPS: readonly GroupBy[] = ['campaign', 'agent', 'line', 'hour'];

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

const NOT_DIALLED = new Set(['denied', 'unspecified', '']);

function keyOf(a: ReportAttempt, by: GroupBy): string {
  switch (by) {
    case 'campaign':
      return a.campaignId;
    case 'agent':
      return a.agentId || '-';
    case 'line':
      return a.line || '-';
    case 'hour':
      return new Date(Math.floor(a.at / 3_600_000) * 3_600_000).toISOString().slice(0, 13) + ':00Z';
  }
}

export function buildReport(
  attempts: readonly ReportAttempt[],
  by: GroupBy,
  options: { amdFalsePositiveShare?: number; conversionCodes?: readonly string[] } = {},
): ReportRow[] {
  const share = options.amdFalsePositiveShare ?? 0;
  const conversions = new Set(options.conversionCodes ?? ['sale']);
  const groups = new Map<string, ReportAttempt[]>();
  for (const a of attempts) {
    const key = keyOf(a, by);
    const list = groups.get(key);
    if (list) list.push(a);
    else groups.set(key, [a]);
  }
  const rows: ReportRow[] = [];
  for (const [key, list] of groups) {
    const dialled = list.filter((a) => !NOT_DIALLED.has(a.outcome));
    const connects = list.filter((a) => a.outcome === 'connected').length;
    const abandoned = list.filter((a) => a.outcome === 'abandoned').length;
    const machines = list.filter((a) => a.outcome === 'machine').length;
    const talkSeconds = list.reduce((sum, a) => sum + (a.outcome === 'connected' ? a.talkSeconds : 0), 0);
    const live = connects + abandoned;
    const falsePositives = machines * share;
    rows.push({
      key,
      dials: dialled.length,
      connects,
      connectRate: dialled.length === 0 ? 0 : connects / dialled.length,
      talkSeconds,
      avgTalkSeconds: connects === 0 ? 0 : talkSeconds / connects,
      abandoned,
      machines,
      abandonRateUs: live === 0 ? 0 : abandoned / live,
      abandonRateUk: live + falsePositives === 0 ? 0 : (abandoned + falsePositives) / (live + falsePositives),
      intents: {
        A: list.filter((a) => a.intent === 'A').length,
        B: list.filter((a) => a.intent === 'B').length,
        C: list.filter((a) => a.intent === 'C').length,
      },
      conversions: list.filter((a) => conversions.has(a.code)).length,
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
