import { maskPhone } from '@outbound/phone/mask';
import { maskName } from '@outbound/telemetry';
import type { Metadata } from '@outbound/rpc';
import type { Lead } from '@outbound/proto/outbound/v1/lead';
import type { JobRecord } from '../sql/jobs-repo.js';
import type { LeadRow } from '../sql/leads-repo.js';
import type { PiiCipher } from '../pii-cipher.js';
import { ImportJobState, type ImportJob } from '@outbound/proto/outbound/v1/lead';

/** A caller asks for clear numbers and names with this metadata entry, and proves it may with a bearer token. */
export const REVEAL_HEADER = 'x-outbound-pii';

/** Whether the call asks for clear values, and its bearer token if it carries one. */
export function revealAsk(metadata: Metadata): { asked: boolean; bearerToken?: string } {
  const asked = metadata.get(REVEAL_HEADER)[0] === 'reveal';
  const authorization = metadata.get('authorization')[0];
  const bearer = typeof authorization === 'string' ? /^Bearer (\S+)$/i.exec(authorization)?.[1] : undefined;
  return bearer === undefined ? { asked } : { asked, bearerToken: bearer };
}

export function toLead(row: LeadRow, cipher: PiiCipher, reveal: boolean): Lead {
  const pii = cipher.open(row.pii);
  return {
    leadId: row.lead_id,
    listId: row.list_id,
    externalId: row.external_id ?? '',
    phone: reveal ? pii.e164 : maskPhone(pii.e164),
    name: reveal ? pii.name : maskName(pii.name),
    numberType: row.number_type,
    region: row.region,
    timeZone: row.time_zone,
    tier: row.tier,
    tags: row.tags,
    customFields: row.custom,
    status: row.status,
    country: row.country,
    intent: row.intent ?? '',
    orderValue: row.order_value === null ? 0 : Number(row.order_value),
    // An extension alone names nobody: shown with the masked number too.
    extension: pii.extension,
  };
}

const STATES: Record<JobRecord['state'], ImportJobState> = {
  running: ImportJobState.IMPORT_JOB_STATE_RUNNING,
  succeeded: ImportJobState.IMPORT_JOB_STATE_SUCCEEDED,
  failed: ImportJobState.IMPORT_JOB_STATE_FAILED,
  cancelled: ImportJobState.IMPORT_JOB_STATE_CANCELLED,
};

export function toImportJob(job: JobRecord): ImportJob {
  return {
    jobId: job.jobId,
    state: STATES[job.state],
    rowsRead: job.read,
    rowsAccepted: job.accepted,
    rowsRejected: job.rejected,
    rowsDuplicate: job.duplicate,
    failureReason: job.failureReason,
    listId: job.listId,
    rowsNoted: job.noted,
    rowsWithExtension: job.withExtension,
    warnings: job.warnings,
  };
}
