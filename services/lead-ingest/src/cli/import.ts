import { createReadStream, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import {
  ImportJobState,
  LeadServiceClient,
  type GetRejectReportRequest,
  type GetRejectReportResponse,
  type ImportRequest,
  type ImportResponse,
} from '@outbound/proto/outbound/v1/lead';
import { Metadata, Status, clientStream, createClient, unary } from '@outbound/rpc';

// Operators script imports with this: stream a file to the running service, print the job's
// counts, optionally save the reject report. Exit 0 when the job succeeded, 1 when it did not,
// 64 for bad arguments, whether this program or the service finds them (INVALID_ARGUMENT).
const usage = `usage: import <file> --list <id> [--campaign <id>] [--region CN] [--format csv|xlsx|jsonl] [--encoding gb18030]
  [--sheet <name>] [--delimiter ';'] [--map '<column>=<phone|name|region|intent|order_value|tags|external_id|custom.x|ignore>' ...]
  [--dedup-by-external-id] [--rejects <report.csv>] [--address host:port]`;

function fail(message: string): never {
  // A bad argument, found here or by the service.
  process.stderr.write(`${message}\n${usage}\n`);
  process.exit(64);
}

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      list: { type: 'string' },
      campaign: { type: 'string', default: '' },
      region: { type: 'string', default: '' },
      format: { type: 'string', default: '' },
      encoding: { type: 'string', default: '' },
      sheet: { type: 'string', default: '' },
      delimiter: { type: 'string', default: '' },
      map: { type: 'string', multiple: true, default: [] },
      'dedup-by-external-id': { type: 'boolean', default: false },
      rejects: { type: 'string' },
      address: { type: 'string', default: process.env['LEAD_INGEST_ADDRESS'] ?? '127.0.0.1:50053' },
    },
  });
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
const { values, positionals } = parsed;
const file = positionals[0];
if (!file || !values.list) fail('a file and --list are required');
const listId = values.list;
const columnMapping: Record<string, string> = {};
for (const entry of values.map) {
  const cut = entry.lastIndexOf('=');
  if (cut < 1 || cut === entry.length - 1) fail(`--map ${entry}: expected <column>=<target>`);
  columnMapping[entry.slice(0, cut)] = entry.slice(cut + 1);
}

const client = createClient(LeadServiceClient, values.address, { defaultDeadlineMs: 3_600_000 });
const jobId = randomUUID();
const header = {
  listId,
  campaignId: values.campaign,
  defaultRegion: values.region,
  format: values.format,
  fileName: basename(file),
  columnMapping,
  encoding: values.encoding,
  sheetName: values.sheet,
  jobId,
  delimiter: values.delimiter,
  dedupByExternalId: values['dedup-by-external-id'],
};
/** The header, then the file in chunks as it is read (reading waits while gRPC's send buffer is full). */
async function* requests(path: string): AsyncGenerator<ImportRequest> {
  yield { header };
  for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 })) yield { chunk: chunk as Buffer };
}
const response = await clientStream<ImportRequest, ImportResponse>(
  client.import,
  client,
  requests(file),
  new Metadata(),
).catch((error: unknown) => {
  if (isServiceError(error) && error.code === Status.INVALID_ARGUMENT)
    fail(`the service refused an argument: ${error.details}`);
  process.stderr.write(`import failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

const job = response.job!;
process.stdout.write(
  `job ${job.jobId}  list ${job.listId}  state ${['unspecified', 'running', 'succeeded', 'failed', 'cancelled'][job.state] ?? job.state}\n` +
    `read ${job.rowsRead}  accepted ${job.rowsAccepted}  rejected ${job.rowsRejected}  duplicate ${job.rowsDuplicate}\n` +
    `kept with a note ${job.rowsNoted}  with an extension ${job.rowsWithExtension}\n` +
    job.warnings.map((warning) => `warning: ${warning}\n`).join('') +
    (job.failureReason ? `reason: ${job.failureReason}\n` : ''),
);
if (values.rejects) {
  // Line, outcome, column, masked value and reason of each refused or noted row (formula-escaped, UTF-8 with BOM for spreadsheets).
  const report = await unary<GetRejectReportRequest, GetRejectReportResponse>(
    client.getRejectReport,
    client,
    { jobId: job.jobId },
    new Metadata(),
  );
  writeFileSync(values.rejects, report.csv);
  process.stdout.write(
    `reject report: ${values.rejects}${report.truncated ? ' (truncated: more rows were rejected than are kept)' : ''}\n`,
  );
}
client.close();
process.exit(job.state === ImportJobState.IMPORT_JOB_STATE_SUCCEEDED ? 0 : 1);

function isServiceError(error: unknown): error is Error & { code: Status; details: string } {
  return error instanceof Error && typeof (error as { code?: unknown }).code === 'number';
}
