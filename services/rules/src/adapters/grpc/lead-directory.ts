// lead-ingest's LeadService as the rules service's lead directory: GetLead per id (a bounded
// number in flight), ListLeads for samples, and GetLead with the reveal permission for the SMS
// sender only. Numbers and names never leave `contact()`'s result.

import {
  LeadServiceClient,
  LeadStatus,
  leadStatusToJSON,
  type GetLeadRequest,
  type GetLeadResponse,
  type Lead,
  type ListLeadsRequest,
  type ListLeadsResponse,
} from '@outbound/proto/outbound/v1/lead';
import { Metadata, Status, createClient, unary } from '@outbound/rpc';
import type { Meter } from '@outbound/telemetry';
import type { LeadFacts } from '../../domain/variables.js';
import type { LeadDirectory } from '../../use-cases/ports.js';

export interface GrpcLeadDirectoryOptions {
  /** Calls in flight at once. */
  concurrency?: number;
  deadlineMs?: number;
  /** Bearer token lead-ingest grants the reveal permission to (SMS); unset: SMS cannot be sent. */
  revealToken?: string;
  /** Where rpc.client.duration of its calls goes. */
  meter?: Meter;
}

export function toLeadFacts(lead: Lead): LeadFacts {
  const status = leadStatusToJSON(lead.status).replace(/^LEAD_STATUS_/, '');
  return {
    leadId: lead.leadId,
    listId: lead.listId,
    tier: lead.tier,
    intent: lead.intent,
    orderValue: lead.orderValue,
    tags: lead.tags,
    custom: lead.customFields,
    region: lead.region,
    country: lead.country,
    timeZone: lead.timeZone,
    status: lead.status === LeadStatus.LEAD_STATUS_UNSPECIFIED ? '' : status,
  };
}

export class GrpcLeadDirectory implements LeadDirectory {
  private readonly client: LeadServiceClient;
  private readonly concurrency: number;

  constructor(
    address: string,
    private readonly options: GrpcLeadDirectoryOptions = {},
  ) {
    this.client = createClient(LeadServiceClient, address, {
      defaultDeadlineMs: options.deadlineMs ?? 5_000,
      meter: options.meter,
    });
    this.concurrency = options.concurrency ?? 32;
  }

  private async getOne(leadId: string, metadata = new Metadata()): Promise<Lead | undefined> {
    try {
      const response = await unary<GetLeadRequest, GetLeadResponse>(
        this.client.getLead,
        this.client,
        { leadId },
        metadata,
      );
      return response.lead;
    } catch (error) {
      if ((error as { code?: number }).code === Status.NOT_FOUND) return undefined;
      throw error;
    }
  }

  async getLeads(leadIds: readonly string[]): Promise<Map<string, LeadFacts>> {
    const out = new Map<string, LeadFacts>();
    let next = 0;
    const worker = async () => {
      while (next < leadIds.length) {
        const id = leadIds[next++]!;
        const lead = await this.getOne(id);
        if (lead) out.set(id, toLeadFacts(lead));
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, leadIds.length) }, worker));
    return out;
  }

  async sample(listId: string, count: number): Promise<LeadFacts[]> {
    const response = await unary<ListLeadsRequest, ListLeadsResponse>(
      this.client.listLeads,
      this.client,
      {
        listId,
        tier: '',
        tags: [],
        region: '',
        status: LeadStatus.LEAD_STATUS_UNSPECIFIED,
        page: { pageSize: count, pageToken: '' },
        intent: '',
        customFields: {},
      },
      new Metadata(),
    );
    return response.leads.map(toLeadFacts);
  }

  async contact(leadId: string): Promise<{ lead: LeadFacts; phone: string; name: string } | undefined> {
    const metadata = new Metadata();
    metadata.set('x-outbound-pii', 'reveal');
    if (this.options.revealToken) metadata.set('authorization', `Bearer ${this.options.revealToken}`);
    const lead = await this.getOne(leadId, metadata);
    return lead ? { lead: toLeadFacts(lead), phone: lead.phone, name: lead.name } : undefined;
  }

  close(): void {
    this.client.close();
  }
}
