// A lead file goes from the browser's upload straight into lead-ingest's Import stream, chunk by
// chunk (never held whole in memory). A wrong file type is refused before anything is sent; a
// broken upload cancels the Import call, so lead-ingest drops the job instead of keeping half.

import { ImportJobState, type ImportRequest, type ImportResponse } from '@outbound/proto/outbound/v1/lead';
import { Metadata, clientStream } from '@outbound/rpc';
import { HttpError, call, toHttpError, type Backends } from '../adapters/backends.js';

export const LEAD_FORMATS = ['csv', 'xlsx', 'jsonl'] as const;
export type LeadFormat = (typeof LEAD_FORMATS)[number];

/** The format from the file name, checked against the first bytes (a renamed binary is refused). */
export function detectFormat(fileName: string, head: Buffer): LeadFormat {
  const ext = /\.([a-z0-9]+)$/i.exec(fileName)?.[1]?.toLowerCase();
  const format = (LEAD_FORMATS as readonly string[]).includes(ext ?? '') ? (ext as LeadFormat) : undefined;
  if (!format) throw new HttpError(415, 'wrong_file_type', 'wrong file type: send a .csv, .xlsx or .jsonl file');
  const isZip = head.length >= 4 && head.readUInt32LE(0) === 0x04034b50;
  if (format === 'xlsx' && !isZip) throw new HttpError(415, 'wrong_file_type', 'this .xlsx file is not a spreadsheet');
  if (format !== 'xlsx' && (isZip || head.subarray(0, 4096).includes(0)))
    throw new HttpError(415, 'wrong_file_type', `this .${format} file is not text`);
  return format;
}

export interface ImportResult {
  readonly jobId: string;
  readonly state: string;
  readonly rowsRead: number;
  readonly rowsAccepted: number;
  readonly rowsRejected: number;
  readonly rowsDuplicate: number;
  readonly failureReason: string;
  readonly warnings: readonly string[];
}

export function createLeadUseCases(backends: Backends) {
  const l = backends.leads;

  async function importFile(options: {
    listId: string;
    campaignId: string;
    fileName: string;
    defaultRegion: string;
    jobId: string;
    body: AsyncIterable<Buffer>;
  }): Promise<ImportResult> {
    const chunks = options.body[Symbol.asyncIterator]();
    const first = await chunks.next();
    if (first.done || first.value.length === 0) throw new HttpError(400, 'empty_upload', 'the file is empty');
    const format = detectFormat(options.fileName, first.value);
    async function* requests(): AsyncGenerator<ImportRequest> {
      yield {
        header: {
          listId: options.listId,
          campaignId: options.campaignId,
          defaultRegion: options.defaultRegion,
          format,
          fileName: options.fileName.slice(0, 200),
          columnMapping: {},
          encoding: '',
          sheetName: '',
          jobId: options.jobId,
          delimiter: '',
          dedupByExternalId: false,
        },
      };
      yield { chunk: first.value as Buffer };
      for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield { chunk: next.value };
    }
    let reply: ImportResponse;
    try {
      reply = await clientStream<ImportRequest, ImportResponse>(l.import, l, requests(), new Metadata());
    } catch (error) {
      if ((error as Error).message === 'aborted')
        throw new HttpError(400, 'upload_broken', 'the upload broke off; nothing was imported');
      throw toHttpError(error, 'lead-ingest');
    }
    const job = reply.job;
    if (!job) throw new HttpError(502, 'backend_error', 'lead-ingest returned no job');
    return {
      jobId: job.jobId,
      state: ImportJobState[job.state].replace('IMPORT_JOB_STATE_', '').toLowerCase(),
      rowsRead: job.rowsRead,
      rowsAccepted: job.rowsAccepted,
      rowsRejected: job.rowsRejected,
      rowsDuplicate: job.rowsDuplicate,
      failureReason: job.failureReason,
      warnings: [...job.warnings],
    };
  }

  async function rejectReport(jobId: string): Promise<{ csv: Buffer; truncated: boolean }> {
    const reply = await call('lead-ingest', l, l.getRejectReport, { jobId });
    return { csv: Buffer.from(reply.csv), truncated: reply.truncated };
  }

  return { importFile, rejectReport };
}
