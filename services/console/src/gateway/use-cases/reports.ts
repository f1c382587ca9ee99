// Reports from the dialer's attempt records (ListAttempts over gRPC), scoped: an agent's report
// holds only the agent's own calls. CSV exports are audited through compliance first.

import { AttemptOutcome } from '@outbound/proto/outbound/v1/campaign';
import { HttpError } from '../adapters/backends.js';
import { intentName, ms, outcomeName } from '../domain/convert.js';
import { toCsv } from '../domain/csv.js';
import {
  REPORT_HEADER,
  buildReport,
  reportCells,
  type GroupBy,
  type ReportAttempt,
  type ReportRow,
} from '../domain/report.js';
import type { Session } from '../domain/session.js';
import type { Audit } from './audit.js';
import type { CampaignUseCases } from './campaigns.js';

export function createReports(campaigns: CampaignUseCases, audit: Audit, options: { amdFalsePositiveShare: number }) {
  async function rows(session: Session, campaignIds: readonly string[], by: GroupBy): Promise<ReportRow[]> {
    if (campaignIds.length === 0) throw new HttpError(400, 'invalid_input', 'choose at least one campaign');
    const all: ReportAttempt[] = [];
    for (const campaignId of campaignIds) {
      const campaign = await campaigns.get(campaignId);
      for (const a of await campaigns.attempts(campaignId)) {
        if (session.role === 'agent' && a.agentId !== session.agentId) continue;
        const t = a.timeline;
        all.push({
          campaignId,
          agentId: a.agentId,
          // Attempts recorded before the dialer kept the line: the campaign's gateway was it.
          line: a.line || campaign.gateway,
          outcome: a.outcome === AttemptOutcome.UNRECOGNIZED ? '' : outcomeName(a.outcome),
          at: ms(t?.originatedAt) || ms(t?.queuedAt),
          talkSeconds: a.billsec,
          intent: a.disposition ? intentName(a.disposition.intent) : '',
          code: a.disposition?.code ?? '',
        });
      }
    }
    return buildReport(all, by, { amdFalsePositiveShare: options.amdFalsePositiveShare });
  }

  async function csv(session: Session, campaignIds: readonly string[], by: GroupBy): Promise<string> {
    const report = await rows(session, campaignIds, by);
    await audit(session, 'exported', `report:${campaignIds.join('+')}`, { by, rows: String(report.length) });
    return toCsv(REPORT_HEADER, report.map(reportCells));
  }

  return { rows, csv };
}
