// The benchmark's campaigns, driven in process over the public APIs (a process per campaign, as the
// main job's driver is, would cost the machine more than the dialer under test): each campaign's
// leads imported through lead-ingest, the campaign created on the dialer, all started together,
// stopped together.

import { Campaign, CampaignServiceClient, DialMode, MachineAction } from '@outbound/proto/outbound/v1/campaign';
import {
  ImportJobState,
  LeadServiceClient,
  type ImportRequest,
  type ImportResponse,
} from '@outbound/proto/outbound/v1/lead';
import { Metadata, clientStream, createClient, unary } from '@outbound/rpc';
import { status as GrpcStatus } from '@grpc/grpc-js';

/**
 * Synthetic numbers from a seeded generator: Chinese mobiles, New York numbers and British mobiles
 * in turn, so some are inside a legal calling window at any hour.
 */
export function syntheticNumbers(count: number, seed: number): string[] {
  let state = seed >>> 0 || 1;
  const next = (): number => (state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32;
  const digits = (n: number): string => String(Math.floor(next() * 10 ** n)).padStart(n, '0');
  const kinds = [
    () => `+86139${digits(8)}`,
    () => `+1212${2 + Math.floor(next() * 8)}${digits(6)}`,
    () => `+447911${digits(6)}`,
  ];
  return Array.from({ length: count }, (_, i) => kinds[i % kinds.length]!());
}

export class BenchCampaigns {
  private readonly dialer: CampaignServiceClient;
  private readonly leads: LeadServiceClient;

  constructor(addresses: { dialer: string; leadIngest: string }) {
    this.dialer = createClient(CampaignServiceClient, addresses.dialer, { defaultDeadlineMs: 60_000 });
    this.leads = createClient(LeadServiceClient, addresses.leadIngest, { defaultDeadlineMs: 120_000 });
  }

  /** Imports the campaign's leads (its own list) and creates it, predictive, not yet started. */
  async prepare(campaignId: string, leads: number, seed: number, amd = false): Promise<void> {
    const csv = `phone,ref\n${syntheticNumbers(leads, seed)
      .map((phone, i) => `${phone},r${String(i)}`)
      .join('\n')}\n`;
    const reply = await clientStream<ImportRequest, ImportResponse>(
      this.leads.import,
      this.leads,
      [
        {
          header: {
            listId: campaignId,
            campaignId,
            defaultRegion: 'CN',
            format: 'csv',
            fileName: `${campaignId}.csv`,
            columnMapping: {},
            encoding: '',
            sheetName: '',
            jobId: `${campaignId}-import`,
            delimiter: '',
            dedupByExternalId: false,
          },
        },
        { chunk: Buffer.from(csv) },
      ],
      new Metadata(),
    );
    if (reply.job?.state !== ImportJobState.IMPORT_JOB_STATE_SUCCEEDED)
      throw new Error(`lead import of ${campaignId} failed: ${reply.job?.failureReason ?? 'no job'}`);
    // A block of caller IDs of the campaign's own: compliance caps each ID's calls per day and their gap.
    const callerIds = Array.from({ length: 50 }, (_, i) => `+86105${String(1_000_000 + seed * 50 + i)}`);
    const campaign = Campaign.fromPartial({
      campaignId,
      name: `bench ${campaignId}`,
      dialMode: DialMode.DIAL_MODE_PREDICTIVE,
      leadLists: [{ listId: campaignId }],
      hours: { startHour: 0, endHour: 24, weekdays: [] },
      callerIds,
      gateway: 'carrier1',
      machineAction: MachineAction.MACHINE_ACTION_HANG_UP,
      abandonMessage: 'silence_stream://1500',
      maxAttemptsPerLead: 3,
      predictive: { targetAbandonRate: 0.03, maxDialRatio: 3 },
      lineClass: 'standard',
      amd,
      ringTimeoutMs: 25_000,
    });
    await unary(this.dialer.createCampaign, this.dialer, { campaign }, new Metadata());
  }

  async start(campaignId: string): Promise<void> {
    await retried(() => unary(this.dialer.startCampaign, this.dialer, { campaignId }, new Metadata()));
  }

  async stop(campaignId: string): Promise<void> {
    await retried(() => unary(this.dialer.stopCampaign, this.dialer, { campaignId }, new Metadata()));
  }

  close(): void {
    this.dialer.close();
    this.leads.close();
  }
}

/**
 * A call the dialer could not complete in time under the load (a downstream deadline, a
 * dependency that did not answer: retryable by their codes) is tried again, six times at most,
 * backing off.
 */
async function retried<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const code = (error as { code?: number }).code;
      const retryable = code === GrpcStatus.UNAVAILABLE || code === GrpcStatus.DEADLINE_EXCEEDED;
      if (!retryable || attempt >= 6) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(4_000, 500 * 2 ** (attempt - 1))));
    }
  }
}

/** Runs `work` over `items`, at most `limit` at a time. */
export async function inBatches<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}
