import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { ImportJobState, LeadServiceClient, type ImportRequest, type ImportResponse } from '@outbound/proto/outbound/v1/lead';
import { Metadata, createClient } from '@outbound/rpc';

// Operators script imports with this: stream a file to the running service, print the job's counts.
const usage = 'usage: import <file> --list <id> [--campaign <id>] [--region CN] [--format csv|xlsx|jsonl] [--encoding gb18030] [--sheet <name>] [--address host:port]';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    list: { type: 'string' },
    campaign: { type: 'string', default: '' },
    region: { type: 'string', default: '' },
    format: { type: 'string', default: '' },
    encoding: { type: 'string', default: '' },
    sheet: { type: 'string', default: '' },
    address: { type: 'string', default: process.env['LEAD_INGEST_ADDRESS'] ?? '127.0.0.1:50053' },
  },
});
const file = positionals[0];
if (!file || !values.list) {
  process.stderr.write(`${usage}\n`);
  process.exit(64);
}
const listId = values.list;

const client = createClient(LeadServiceClient, values.address, { defaultDeadlineMs: 3_600_000 });
const jobId = randomUUID();
const response = await new Promise<ImportResponse>((resolve, reject) => {
  const call = client.import(new Metadata(), (error, reply) => (error ? reject(error) : resolve(reply)));
  const header = { listId, campaignId: values.campaign, defaultRegion: values.region, format: values.format, fileName: basename(file), columnMapping: {}, encoding: values.encoding, sheetName: values.sheet, jobId, delimiter: '', dedupByExternalId: false };
  call.write({ header } satisfies ImportRequest);
  const input = createReadStream(file, { highWaterMark: 256 * 1024 });
  // Back-pressure: stop reading the file while gRPC's send buffer is full.
  input.on('data', (chunk) => {
    if (!call.write({ chunk: chunk as Buffer } satisfies ImportRequest)) {
      input.pause();
      call.once('drain', () => input.resume());
    }
  });
  input.on('end', () => call.end());
  input.on('error', (error) => {
    call.cancel();
    reject(error);
  });
}).catch((error: unknown) => {
  process.stderr.write(`import failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

const job = response.job!;
process.stdout.write(
  `job ${job.jobId}  list ${job.listId}  state ${['unspecified', 'running', 'succeeded', 'failed', 'cancelled'][job.state] ?? job.state}\n` +
    `read ${job.rowsRead}  accepted ${job.rowsAccepted}  rejected ${job.rowsRejected}  duplicate ${job.rowsDuplicate}\n` +
    (job.failureReason ? `reason: ${job.failureReason}\n` : ''),
);
client.close();
process.exit(job.state === ImportJobState.IMPORT_JOB_STATE_SUCCEEDED ? 0 : 1);
