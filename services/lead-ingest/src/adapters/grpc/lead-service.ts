import { randomUUID } from 'node:crypto';
import type { CountryCode } from 'libphonenumber-js/max';
import { stringify } from 'csv-stringify/sync';
import { AlreadyExistsError, InvalidArgumentError, NotFoundError } from '@outbound/errors';
import { LeadServiceService, type ImportRequest, type LeadServiceServer } from '@outbound/proto/outbound/v1/lead';
import { bindService, validateRequest, type CallContext, type ServiceBinding } from '@outbound/rpc';
import type { Logger } from '@outbound/telemetry';
import type { Pool } from '@outbound/store';
import { inputCells } from '../../domain/lead-input.js';
import { escapeFormula } from '../../domain/formula.js';
import type { TierRule } from '../../domain/tiers.js';
import type { ImportRunner, ImportSpec } from '../../use-cases/import-leads.js';
import type { LeadUpserter } from '../../use-cases/upsert-leads.js';
import type { PiiCipher } from '../pii-cipher.js';
import { formatOf, readRows, type SourceRow, type SourceRows } from '../readers/index.js';
import * as jobs from '../sql/jobs-repo.js';
import * as leads from '../sql/leads-repo.js';
import { importHeaderSchema, getLeadSchema, jobIdSchema, listLeadsSchema, upsertSchema } from './schemas.js';
import type { RevealPolicy } from '../../domain/reveal.js';
import type { AuditTrail } from './compliance-audit.js';
import { revealAsk, toImportJob, toLead } from './lead-view.js';

export interface LeadServiceDeps {
  pool: Pool;
  cipher: PiiCipher;
  runner: ImportRunner;
  upserter: LeadUpserter;
  tierRules: readonly TierRule[];
  defaultRegion: CountryCode;
  reveal: RevealPolicy;
  audit: AuditTrail;
  logger: Logger;
}

const DEFAULT_PAGE = 100;

export function leadServiceBinding(deps: LeadServiceDeps): ServiceBinding {
  return bindService<LeadServiceServer>(
    'outbound.v1.LeadService',
    LeadServiceService,
    {
      import: (requests, ctx) => importStream(deps, requests, ctx),

      getImportJob: async (req) => ({
        job: toImportJob(await mustGetJob(deps.pool, validateRequest(jobIdSchema, req).jobId)),
      }),

      cancelImportJob: async (req) => {
        const { jobId } = validateRequest(jobIdSchema, req);
        await mustGetJob(deps.pool, jobId);
        await deps.runner.cancel(jobId);
        return { job: toImportJob(await mustGetJob(deps.pool, jobId)) };
      },

      getRejectReport: async (req) => {
        const { jobId } = validateRequest(jobIdSchema, req);
        const job = await mustGetJob(deps.pool, jobId);
        const rows = (await jobs.listRejects(deps.pool, jobId)).map((r) =>
          [String(r.line), r.kept ? 'kept' : 'rejected', r.column, r.maskedValue, r.reason].map(escapeFormula),
        );
        const csv = stringify([['line', 'outcome', 'column', 'value', 'reason'], ...rows]);
        return {
          csv: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(csv, 'utf8')]),
          truncated: job.rejectsTruncated,
        };
      },

      upsertLeads: async (req, ctx) => ({
        results: await deps.upserter.upsert(validateRequest(upsertSchema, req), ctx.signal),
      }),

      getLead: async (req, ctx) => {
        const { leadId } = validateRequest(getLeadSchema, req);
        const principal = revealTo(deps, ctx);
        const row = await leads.getLead(deps.pool, leadId);
        if (!row) throw new NotFoundError('lead', leadId);
        if (principal) await deps.audit.revealed(principal, `lead:${leadId}`, 1);
        return { lead: toLead(row, deps.cipher, principal !== undefined) };
      },

      listLeads: async (req, ctx) => {
        const request = validateRequest(listLeadsSchema, req);
        const principal = revealTo(deps, ctx);
        const limit = request.page?.pageSize || DEFAULT_PAGE;
        const rows = await leads.listLeads(deps.pool, {
          listId: request.listId,
          tier: request.tier,
          tags: request.tags,
          region: request.region,
          intent: request.intent,
          status: request.status,
          customFields: request.customFields,
          after: request.page?.pageToken || undefined,
          limit: limit + 1,
        });
        const page = rows.slice(0, limit);
        if (principal && page.length > 0) await deps.audit.revealed(principal, `list:${request.listId}`, page.length);
        return {
          leads: page.map((row) => toLead(row, deps.cipher, principal !== undefined)),
          page: { nextPageToken: rows.length > limit ? page[page.length - 1]!.lead_id : '' },
        };
      },
    },
    deps.logger,
  );
}

/** Who the call shows clear personal data to; undefined: masked. Refuses an ask without a grant. */
function revealTo(deps: LeadServiceDeps, ctx: CallContext): string | undefined {
  const { asked, bearerToken } = revealAsk(ctx.metadata);
  return deps.reveal.principalFor(asked, bearerToken);
}

async function mustGetJob(pool: Pool, jobId: string): Promise<jobs.JobRecord> {
  const job = await jobs.getJob(pool, jobId);
  if (!job) throw new NotFoundError('import job', jobId);
  return job;
}

/** Header first, then either file chunks or rows; the call returns the finished job. */
async function importStream(deps: LeadServiceDeps, requests: AsyncIterable<ImportRequest>, ctx: CallContext) {
  const iterator = requests[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done || !first.value.header)
    throw InvalidArgumentError.field('header', 'the first message must be the import header', 'HEADER_FIRST');
  const header = validateRequest(importHeaderSchema, first.value.header);
  const spec: ImportSpec = {
    jobId: header.jobId || randomUUID(),
    listId: header.listId,
    campaignId: header.campaignId,
    defaultRegion: header.defaultRegion || deps.defaultRegion,
    mapping: header.columnMapping,
    dedupByExternalId: header.dedupByExternalId,
  };
  if (!(await deps.runner.create(spec)))
    throw new AlreadyExistsError(`import job ${spec.jobId} exists; use a new job id`, {
      details: { jobId: spec.jobId },
    });
  const second = await iterator.next();
  const rest = { [Symbol.asyncIterator]: () => iterator };
  let rows: SourceRows;
  if (!second.done && second.value.row) {
    rows = rowMessages(second.value, rest);
  } else {
    rows = readRows(
      header.format || formatOf(header.fileName),
      chunkMessages(second.done ? undefined : second.value, rest),
      {
        encoding: header.encoding,
        delimiter: header.delimiter,
        sheetName: header.sheetName,
      },
    );
  }
  const job = await deps.runner.run(spec, rows, ctx.signal);
  return { job: toImportJob(job) };
}

async function* chunkMessages(
  first: ImportRequest | undefined,
  rest: AsyncIterable<ImportRequest>,
): AsyncGenerator<Buffer> {
  if (first?.chunk) yield first.chunk;
  for await (const message of rest) {
    if (!message.chunk)
      throw InvalidArgumentError.field('chunk', 'a file import carries only chunks after the header', 'MIXED_IMPORT');
    yield message.chunk;
  }
}

// One message is one row: a batch of one (rows arrive as the client sends them).
async function* rowMessages(first: ImportRequest, rest: AsyncIterable<ImportRequest>): AsyncGenerator<SourceRow[]> {
  let line = 1;
  yield [{ line, cells: inputCells(first.row!) }];
  for await (const message of rest) {
    line++;
    const row: SourceRow = message.row
      ? { line, cells: inputCells(message.row) }
      : { line, malformed: 'a row import carries only rows after the header' };
    yield [row];
  }
}
