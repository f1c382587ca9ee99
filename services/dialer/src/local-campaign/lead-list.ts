// The local campaign's lead list through lead-ingest: the synthetic leads go in as a CSV import
// (cleaned, deduplicated, checked against compliance's do-not-call list, encrypted), and the
// campaign dials what lead-ingest lists as callable, with clear numbers shown to it under its
// reveal grant (each page recorded in compliance's audit log).

import {
  ImportJobState,
  LeadServiceClient,
  LeadStatus,
  type ImportRequest,
  type ImportResponse,
  type ListLeadsRequest,
  type ListLeadsResponse,
} from '@outbound/proto/outbound/v1/lead';
import { Metadata, createClient, unary } from '@outbound/rpc';

export interface ImportedList {
  readonly accepted: number;
  readonly rejected: number;
  readonly duplicate: number;
  /** Stored but not callable (do-not-call at import). */
  readonly barred: number;
  readonly callable: ReadonlyArray<{ leadId: string; phone: string }>;
}

const PAGE = 500;

export async function importThroughLeadIngest(
  address: string,
  revealToken: string,
  listId: string,
  rows: ReadonlyArray<{ name: string; phone: string; externalId: string }>,
): Promise<ImportedList> {
  const client = createClient(LeadServiceClient, address, { defaultDeadlineMs: 120_000 });
  try {
    const csv = `姓名,手机,编号\n${rows.map((r) => `${r.name},${r.phone},${r.externalId}`).join('\n')}\n`;
    const reply = await new Promise<ImportResponse>((resolve, reject) => {
      const call = client.import(new Metadata(), (error, response) => (error ? reject(error) : resolve(response)));
      const header = {
        listId,
        campaignId: listId,
        defaultRegion: 'CN',
        format: 'csv',
        fileName: `${listId}.csv`,
        columnMapping: {},
        encoding: '',
        sheetName: '',
        jobId: `${listId}-import`,
        delimiter: '',
        dedupByExternalId: false,
      };
      call.write({ header } satisfies ImportRequest);
      call.write({ chunk: Buffer.from(csv) } satisfies ImportRequest);
      call.end();
    });
    const job = reply.job;
    if (job?.state !== ImportJobState.IMPORT_JOB_STATE_SUCCEEDED)
      throw new Error(`lead import failed: ${job?.failureReason ?? 'no job'}`);

    const reveal = new Metadata();
    reveal.set('x-outbound-pii', 'reveal');
    reveal.set('authorization', `Bearer ${revealToken}`);
    const listed = async (status: LeadStatus, withNumbers: boolean) => {
      const out: Array<{ leadId: string; phone: string }> = [];
      for (let pageToken = ''; ;) {
        const request: ListLeadsRequest = {
          listId,
          tier: '',
          tags: [],
          region: '',
          status,
          intent: '',
          customFields: {},
          page: { pageSize: PAGE, pageToken },
        };
        const page = await unary<ListLeadsRequest, ListLeadsResponse>(
          client.listLeads,
          client,
          request,
          withNumbers ? reveal : new Metadata(),
        );
        out.push(...page.leads.map((lead) => ({ leadId: lead.leadId, phone: lead.phone })));
        pageToken = page.page?.nextPageToken ?? '';
        if (!pageToken) return out;
      }
    };
    const callable = await listed(LeadStatus.LEAD_STATUS_CALLABLE, true);
    const barred = (await listed(LeadStatus.LEAD_STATUS_DO_NOT_CALL, false)).length;
    return { accepted: job.rowsAccepted, rejected: job.rowsRejected, duplicate: job.rowsDuplicate, barred, callable };
  } finally {
    client.close();
  }
}
