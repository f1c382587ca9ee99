// The benchmark's campaigns, driven in process over the public APIs (a process per campaign, as the
// main job's driver is, would cost the machine more than the dialer under test): each campaign's
// leads imported through lead-ingest, the campaign created on the dialer, all started together,
// stopped together.

import { Campaign, CampaignServiceClient, DialMode, MachineAction } from '@outbound/proto/outbound/v1/campaign';
import {
  ComplianceServiceClient,
  type CheckDialRequest,
  type CheckDialResponse,
} from '@outbound/proto/outbound/v1/compliance';
import {
  ImportJobState,
  LeadServiceClient,
  type ImportRequest,
  type ImportResponse,
} from '@outbound/proto/outbound/v1/lead';
import { Metadata, clientStream, createClient, unary } from '@outbound/rpc';
import { REGIONS, callingWindowProbe, openRegions, syntheticNumbers, type Region } from '@outbound/testkit';
import { status as GrpcStatus } from '@grpc/grpc-js';

export class BenchCampaigns {
  private readonly dialer: CampaignServiceClient;
  private readonly leads: LeadServiceClient;
  private readonly compliance: ComplianceServiceClient;

  constructor(addresses: { dialer: string; leadIngest: string; compliance: string }) {
    this.dialer = createClient(CampaignServiceClient, addresses.dialer, { defaultDeadlineMs: 60_000 });
    this.leads = createClient(LeadServiceClient, addresses.leadIngest, { defaultDeadlineMs: 120_000 });
    this.compliance = createClient(ComplianceServiceClient, addresses.compliance, { defaultDeadlineMs: 10_000 });
  }

  /**
   * The regions whose legal calling window is open now and still `forMs` from now, as compliance
   * judges a probe number of each: a run whose leads are mostly outside their window measures
   * refusals, not calls.
   */
  openRegions(forMs: number): Promise<Region[]> {
    const now = Date.now();
    const probe = callingWindowProbe((request) =>
      unary<CheckDialRequest, CheckDialResponse>(this.compliance.checkDial, this.compliance, request, new Metadata()),
    );
    return openRegions(REGIONS, probe, now, now + forMs);
  }

  async prepare(
    campaignId: string,
    leads: number,
    seed: number,
    options: { amd?: boolean; regions?: readonly Region[] } = {},
  ): Promise<void> {
    // Compliance's caps remember the numbers and caller IDs called today: each run (a minute
    // apart at least) takes fresh ones, or a second run on the same day places hardly a call.
    const runBlock = Math.floor(Date.now() / 60_000) % 1_000;
    const csv = `phone,ref\n${syntheticNumbers(leads, seed * 1_000 + runBlock, options.regions)
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
    // A block of caller IDs of the campaign's own (compliance caps each ID's calls per day and their gap).
    const callerIds = Array.from(
      { length: 50 },
      (_, i) => `+86105${String(1_000_000 + ((runBlock * 10_000 + seed * 50 + i) % 9_000_000))}`,
    );
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
      predictive: { targetAbandonRate: 0.03, maxDialRatio: 3, amdHumanFalsePositiveRate: 0 },
      lineClass: 'standard',
      amd: options.amd ?? false,
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
    this.compliance.close();
  }
}

/**
 * A call the dialer could not complete in time under the load (a downstream deadline, a
 * dependency that did not answer: retryable by their codes) is tried again, twelve times at most
 * (about 40 s), backing off: at 100 campaigns the machine's two cores are saturated.
 */
async function retried<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const code = (error as { code?: number }).code;
      const retryable = code === GrpcStatus.UNAVAILABLE || code === GrpcStatus.DEADLINE_EXCEEDED;
      if (!retryable || attempt >= 12) throw error;
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
