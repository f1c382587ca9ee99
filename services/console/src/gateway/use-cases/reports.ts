// Reports from the dialer's tallies of attempt records (SummarizeAttempts over gRPC: the dialer
// counts in PostgreSQL), scoped: an agent's report holds only the agent's own calls, which the
// dialer is asked for by the session's agent id. CSV exports are audited through compliance first.

import { AttemptGrouping } from '@outbound/proto/outbound/v1/campaign';
import { HttpError } from '../adapters/backends.js';
import { ms } from '../domain/convert.js';
import { toCsv } from '../domain/csv.js';
import {
  CONVERSION_CODES,
  MAX_REPORT_CAMPAIGNS,
  REPORT_HEADER,
  buildReport,
  groupKey,
  reportCells,
  type GroupBy,
  type ReportRow,
} from '../domain/report.js';
import type { Session } from '../domain/session.js';
import type { Audit } from './audit.js';
import type { CampaignUseCases } from './campaigns.js';

const GROUPING: Record<GroupBy, AttemptGrouping> = {
  campaign: AttemptGrouping.ATTEMPT_GROUPING_CAMPAIGN,
  agent: AttemptGrouping.ATTEMPT_GROUPING_AGENT,
  line: AttemptGrouping.ATTEMPT_GROUPING_LINE,
  hour: AttemptGrouping.ATTEMPT_GROUPING_HOUR,
};

export function createReports(campaigns: CampaignUseCases, audit: Audit, options: { amdFalsePositiveShare: number }) {
  async function rows(session: Session, campaignIds: readonly string[], by: GroupBy): Promise<ReportRow[]> {
    if (campaignIds.length === 0) throw new HttpError(400, 'invalid_input', 'choose at least one campaign');
    const ids = [...new Set(campaignIds)];
    if (ids.length > MAX_REPORT_CAMPAIGNS)
      throw new HttpError(400, 'invalid_input', `choose at most ${String(MAX_REPORT_CAMPAIGNS)} campaigns`);
    let agentId = '';
    if (session.role === 'agent') {
      // An agent's report is their own calls; an agent account without a dialer agent id has none.
      if (!session.agentId) return [];
      agentId = session.agentId;
    }
    const tallies = await campaigns.summarize({
      campaignIds: ids,
      groupBy: GROUPING[by],
      agentId,
      from: undefined,
      to: undefined,
      conversionCodes: [...CONVERSION_CODES],
    });
    return buildReport(
      tallies.map((t) => ({
        key: groupKey(by, t.key, ms(t.hour)),
        dials: t.dials,
        connects: t.connects,
        talkSeconds: t.talkSeconds,
        abandoned: t.abandoned,
        machines: t.machines,
        intents: { A: t.intentA, B: t.intentB, C: t.intentC },
        conversions: t.conversions,
      })),
      { amdFalsePositiveShare: options.amdFalsePositiveShare },
    );
  }

  async function csv(session: Session, campaignIds: readonly string[], by: GroupBy): Promise<string> {
    const report = await rows(session, campaignIds, by);
    await audit(session, 'exported', `report:${campaignIds.join('+')}`, { by, rows: String(report.length) });
    return toCsv(REPORT_HEADER, report.map(reportCells));
  }

  return { rows, csv };
}
