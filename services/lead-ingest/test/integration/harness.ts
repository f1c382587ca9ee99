import { createHash, randomBytes } from 'node:crypto';
import {
  LeadServiceClient,
  type GetRejectReportRequest,
  type GetRejectReportResponse,
  type ListLeadsRequest,
  type ListLeadsResponse,
  type ImportHeader,
  type ImportRequest,
  type ImportResponse,
} from '@outbound/proto/outbound/v1/lead';
import { Metadata, clientStream, createClient, unary } from '@outbound/rpc';
import { createLogger } from '@outbound/telemetry';
import { testUrls, uniqueName } from '@outbound/testkit';
import { createApp, type App, type AppDeps } from '../../src/app.js';
import { DEFAULT_TIER_RULES } from '../../src/domain/tiers.js';

export interface Harness {
  app: App;
  client: LeadServiceClient;
  /** host:port of the gRPC API. */
  grpcAddress: string;
  /** Base URL of the HTTP API, e.g. http://127.0.0.1:40123 */
  httpBase: string;
  schema: string;
  stop(): Promise<void>;
}

/** The campaign whose hangups and opt-outs the harness's consumers hear (a new durable replays its whole filter). */
export const deadNumbersCampaign = uniqueName('c');

export const keys = { k1: randomBytes(32), k2: randomBytes(32), blind: randomBytes(32) };

/** The one caller the harness lets see clear numbers and names. */
export const revealToken = randomBytes(16).toString('hex');
export const REVEAL_PRINCIPAL = 'test-operator';

/** The one caller the harness lets upsert over HTTP. */
export const upsertToken = randomBytes(16).toString('hex');

/** Metadata asking for clear values, with the granted token by default (null: no token at all). */
export function revealMetadata(token: string | null = revealToken): Metadata {
  const md = new Metadata();
  md.set('x-outbound-pii', 'reveal');
  if (token !== null) md.set('authorization', `Bearer ${token}`);
  return md;
}

/** A real service on a random port over the real PostgreSQL and NATS, in a schema of its own. */
export async function startHarness(overrides: Partial<AppDeps> = {}): Promise<Harness> {
  const schema = overrides.schema ?? uniqueName('li').toLowerCase();
  const app = createApp({
    logger: createLogger({ service: 'lead-ingest-test', level: 'silent' }),
    databaseUrl: testUrls.database,
    natsUrl: testUrls.nats,
    schema,
    grpcAddress: '127.0.0.1:0',
    piiKeys: [{ id: 'k1', key: keys.k1 }],
    piiActiveKeyId: 'k1',
    blindIndexKey: keys.blind,
    defaultRegion: 'CN',
    tierRules: DEFAULT_TIER_RULES,
    importBatchRows: 500,
    maxRejectsStored: 1000,
    shutdownGraceMs: 5_000,
    deadNumbersDurable: uniqueName('dead'),
    deadNumbersCampaign: deadNumbersCampaign,
    optOutsDurable: uniqueName('optout'),
    optOutsCampaign: deadNumbersCampaign,
    dncAddedDurable: uniqueName('dncadded'),
    dncAddedFrom: 'new',
    revealGrants: [{ principal: REVEAL_PRINCIPAL, tokenSha256: createHash('sha256').update(revealToken).digest() }],
    httpAddress: '127.0.0.1:0',
    upsertGrants: [{ principal: 'crm', tokenSha256: createHash('sha256').update(upsertToken).digest() }],
    ...overrides,
  });
  const { port, httpPort } = await app.start();
  const client = createClient(LeadServiceClient, `127.0.0.1:${port}`, { defaultDeadlineMs: 60_000 });
  return {
    app,
    client,
    grpcAddress: `127.0.0.1:${port}`,
    httpBase: `http://127.0.0.1:${httpPort}`,
    schema,
    stop: async () => {
      client.close();
      await app.stop();
    },
  };
}

export function header(listId: string, extra: Partial<ImportHeader> = {}): ImportHeader {
  return {
    listId,
    campaignId: '',
    defaultRegion: 'CN',
    format: '',
    fileName: 'leads.csv',
    columnMapping: {},
    encoding: '',
    sheetName: '',
    jobId: '',
    delimiter: '',
    dedupByExternalId: false,
    ...extra,
  };
}

/** Stream a header and then the given messages; resolves with the finished job or the gRPC error. */
export function importMessages(client: LeadServiceClient, messages: ImportRequest[]): Promise<ImportResponse> {
  return clientStream(client.import, client, messages, new Metadata());
}

export function importFile(
  client: LeadServiceClient,
  head: ImportHeader,
  file: Buffer,
  chunkSize = 7919,
): Promise<ImportResponse> {
  const chunks: ImportRequest[] = [];
  for (let at = 0; at < file.length; at += chunkSize) chunks.push({ chunk: file.subarray(at, at + chunkSize) });
  return importMessages(client, [{ header: head }, ...chunks]);
}

/** A page of up to 100 leads of a list, masked or revealed. */
export async function listLeads(
  client: LeadServiceClient,
  listId: string,
  reveal = false,
  extra: Partial<ListLeadsRequest> = {},
): Promise<ListLeadsResponse> {
  return unary<ListLeadsRequest, ListLeadsResponse>(
    client.listLeads,
    client,
    {
      listId,
      tier: '',
      tags: [],
      region: '',
      status: 0,
      intent: '',
      page: { pageSize: 100, pageToken: '' },
      ...extra,
      customFields: extra.customFields ?? {},
    },
    reveal ? revealMetadata() : new Metadata(),
  );
}

/** The job's report as rows of cells (simple CSV: the cells tested hold no commas). */
export async function rejectReport(client: LeadServiceClient, jobId: string): Promise<string[][]> {
  const res = await unary<GetRejectReportRequest, GetRejectReportResponse>(
    client.getRejectReport,
    client,
    { jobId },
    new Metadata(),
  );
  return res.csv
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trim()
    .split('\r\n')
    .join('\n')
    .split('\n')
    .map((l) => l.split(','));
}

export { clientStream, unary, Metadata };
