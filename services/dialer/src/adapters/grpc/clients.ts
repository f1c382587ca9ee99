// The dialer's gRPC clients in domain words: lead-ingest (LeadDirectory), compliance
// (ComplianceGate) and media (CallControl). Errors are the gRPC errors as thrown by @outbound/rpc;
// nothing here retries (the callers decide: a check that failed is a dial not placed).

import {
  AbandonAction,
  ComplianceServiceClient,
  DenyReason,
  DoNotCallKind,
  denyReasonToJSON,
  type AddDoNotCallRequest,
  type AddDoNotCallResponse,
  type CheckDialBatchRequest,
  type CheckDialBatchResponse,
  type GetAbandonStatusRequest,
  type GetAbandonStatusResponse,
  type SetCampaignPolicyRequest,
  type SetCampaignPolicyResponse,
} from '@outbound/proto/outbound/v1/compliance';
import {
  LeadServiceClient,
  LeadStatus,
  type GetLeadRequest,
  type GetLeadResponse,
  type Lead,
  type ListLeadsRequest,
  type ListLeadsResponse,
} from '@outbound/proto/outbound/v1/lead';
import {
  MediaServiceClient,
  type BridgeRequest,
  type BridgeResponse,
  type CollectDtmfRequest,
  type CollectDtmfResponse,
  type CallExistsRequest,
  type CallExistsResponse,
  type HangupRequest,
  type HangupResponse,
  type OriginateRequest,
  type OriginateResponse,
  type PlayRequest,
  type PlayResponse,
} from '@outbound/proto/outbound/v1/media';
import { Metadata, Status, createClient, unary } from '@outbound/rpc';
import type { Meter } from '@outbound/telemetry';
import type { CallerIdCaps } from '../../domain/caller-ids.js';
import type { Campaign } from '../../domain/model.js';
import {
  CallGoneError,
  MediaUnavailableError,
  type CallControl,
  type ComplianceGate,
  type DialVerdict,
  type LeadDirectory,
  type LeadRecord,
  type Page,
} from '../../use-cases/ports.js';

/** lead-ingest's reveal header (its lead-view.ts): asks for clear numbers under the bearer's grant. */
const REVEAL_HEADER = 'x-outbound-pii';
/** Compliance decides at most this many checks per call. */
const CHECKS_PER_CALL = 1_000;

function toRecord(lead: Lead): LeadRecord {
  return {
    leadId: lead.leadId,
    listId: lead.listId,
    phone: lead.phone,
    name: lead.name,
    region: lead.region,
    timeZone: lead.timeZone,
    tier: lead.tier,
    tags: lead.tags,
    customFields: lead.customFields,
    callable: lead.status === LeadStatus.LEAD_STATUS_CALLABLE,
  };
}

export class GrpcLeadDirectory implements LeadDirectory {
  private readonly client: LeadServiceClient;

  /** `revealToken`: the bearer token lead-ingest's PII_REVEAL_GRANTS grants the dialer. */
  constructor(
    address: string,
    private readonly revealToken: string,
    deadlineMs = 10_000,
    meter?: Meter,
  ) {
    this.client = createClient(LeadServiceClient, address, { defaultDeadlineMs: deadlineMs, meter });
  }

  private metadata(reveal: boolean): Metadata {
    const metadata = new Metadata();
    if (reveal) {
      metadata.set(REVEAL_HEADER, 'reveal');
      metadata.set('authorization', `Bearer ${this.revealToken}`);
    }
    return metadata;
  }

  async listLeads(
    selection: Campaign['settings']['leadLists'][number],
    page: { pageSize: number; pageToken?: string },
  ): Promise<Page<LeadRecord>> {
    const request: ListLeadsRequest = {
      listId: selection.listId,
      tier: selection.tier ?? '',
      tags: [...(selection.tags ?? [])],
      region: selection.region ?? '',
      status: LeadStatus.LEAD_STATUS_CALLABLE,
      intent: selection.intent ?? '',
      customFields: { ...(selection.customFields ?? {}) },
      page: { pageSize: page.pageSize, pageToken: page.pageToken ?? '' },
    };
    // Ids and attributes only: numbers are read one lead at a time, under the grant, when dialing.
    const reply = await unary<ListLeadsRequest, ListLeadsResponse>(
      this.client.listLeads,
      this.client,
      request,
      this.metadata(false),
    );
    const next = reply.page?.nextPageToken ?? '';
    return { items: reply.leads.map(toRecord), ...(next ? { next } : {}) };
  }

  async getLead(leadId: string, options: { reveal: boolean }): Promise<LeadRecord | undefined> {
    try {
      const reply = await unary<GetLeadRequest, GetLeadResponse>(
        this.client.getLead,
        this.client,
        { leadId },
        this.metadata(options.reveal),
      );
      return reply.lead ? toRecord(reply.lead) : undefined;
    } catch (error) {
      if ((error as { code?: number }).code === 5 /* NOT_FOUND */) return undefined;
      throw error;
    }
  }

  close(): void {
    this.client.close();
  }
}

/** A denial's reason as the dialer records it: DO_NOT_CALL, OUTSIDE_CALLING_WINDOW … (or the rule code). */
export function denialName(reason: DenyReason, code: string): string {
  return reason === DenyReason.DENY_REASON_UNSPECIFIED
    ? code || 'UNSPECIFIED'
    : denyReasonToJSON(reason).replace(/^DENY_REASON_/, '');
}

export class GrpcComplianceGate implements ComplianceGate {
  private readonly client: ComplianceServiceClient;

  constructor(
    address: string,
    private readonly actor = 'dialer',
    deadlineMs = 3_000,
    meter?: Meter,
  ) {
    this.client = createClient(ComplianceServiceClient, address, { defaultDeadlineMs: deadlineMs, meter });
  }

  async checkDialBatch(
    checks: ReadonlyArray<{ campaignId: string; leadId: string; phone: string; callerId: string }>,
  ): Promise<DialVerdict[]> {
    const out: DialVerdict[] = [];
    for (let from = 0; from < checks.length; from += CHECKS_PER_CALL) {
      const request: CheckDialBatchRequest = {
        checks: checks.slice(from, from + CHECKS_PER_CALL).map((c) => ({
          campaignId: c.campaignId,
          leadId: c.leadId,
          phone: c.phone,
          callerId: c.callerId,
          at: undefined,
          timeZoneOverride: '',
        })),
      };
      const { decisions } = await unary<CheckDialBatchRequest, CheckDialBatchResponse>(
        this.client.checkDialBatch,
        this.client,
        request,
        new Metadata(),
      );
      if (decisions.length !== request.checks.length)
        throw new Error(`compliance answered ${decisions.length} decisions for ${request.checks.length} checks`);
      for (const d of decisions) {
        out.push(
          d.allowed
            ? { allowed: true, checkId: d.checkId }
            : {
                allowed: false,
                reasons: [...new Set(d.denials.map((x) => denialName(x.reason, x.code)))],
                ...(d.checkId ? { checkId: d.checkId } : {}),
              },
        );
      }
    }
    return out;
  }

  async abandonStatus(campaignId: string): ReturnType<ComplianceGate['abandonStatus']> {
    const reply = await unary<GetAbandonStatusRequest, GetAbandonStatusResponse>(
      this.client.getAbandonStatus,
      this.client,
      { campaignId },
      new Metadata(),
    );
    const action =
      reply.action === AbandonAction.ABANDON_ACTION_STOP
        ? 'stop'
        : reply.action === AbandonAction.ABANDON_ACTION_SLOW_DOWN
          ? 'slow_down'
          : 'continue';
    return {
      action,
      windows: reply.windows.map((w) => ({
        rulePack: w.rulePack,
        windowDays: w.windowDays,
        answered: Number(w.answered),
        abandoned: Number(w.abandoned),
        rate: w.rate,
        limit: w.limit,
      })),
    };
  }

  async optOut(request: { campaignId: string; leadId: string; attemptId: string; phone: string }): Promise<void> {
    // Every campaign: an opt-out (退订) means no more calls at all, not just from this campaign.
    await unary<AddDoNotCallRequest, AddDoNotCallResponse>(
      this.client.addDoNotCall,
      this.client,
      {
        phone: request.phone,
        source: `dialer:attempt:${request.attemptId}`,
        campaignId: '',
        kind: DoNotCallKind.DO_NOT_CALL_KIND_OPT_OUT,
        actor: this.actor,
      },
      new Metadata(),
    );
  }

  async setCampaignPolicy(campaign: Campaign): Promise<CallerIdCaps | undefined> {
    const mode = campaign.settings.modeSettings.mode;
    const { callerIdCaps } = await unary<SetCampaignPolicyRequest, SetCampaignPolicyResponse>(
      this.client.setCampaignPolicy,
      this.client,
      {
        campaignId: campaign.campaignId,
        rulePacks: [...campaign.settings.rulePacks],
        requireConsent: false,
        marketing: true,
        industry: 'general',
        // Preview dials only for an agent who accepted: every answer has an agent.
        agentGuaranteed: mode === 'preview',
        officialCallerIds: [...campaign.settings.callerIds],
        actor: this.actor,
      },
      new Metadata(),
    );
    return callerIdCaps && { maxPer24h: callerIdCaps.maxPer24h, minGapMs: callerIdCaps.minGapSeconds * 1000 };
  }

  close(): void {
    this.client.close();
  }
}

export class GrpcCallControl implements CallControl {
  private readonly client: MediaServiceClient;

  constructor(address: string, deadlineMs = 5_000, meter?: Meter) {
    this.client = createClient(MediaServiceClient, address, { defaultDeadlineMs: deadlineMs, meter });
  }

  async originate(request: Parameters<CallControl['originate']>[0]): Promise<{ callId: string; node: string }> {
    try {
      const reply = await unary<OriginateRequest, OriginateResponse>(
        this.client.originate,
        this.client,
        {
          attempt: { campaignId: request.campaignId, leadId: request.leadId, attemptId: request.attemptId },
          destination: request.destination,
          callerId: request.callerId,
          gateway: request.gateway,
          amd: request.amd,
          ringTimeoutMs: request.ringTimeoutMs,
          complianceCheckId: request.complianceCheckId,
        },
        new Metadata(),
      );
      return { callId: reply.callId, node: reply.node };
    } catch (error) {
      // Media could not take the call (draining, no node connected, unreachable): nothing reached a line.
      if ((error as { code?: number }).code === Status.UNAVAILABLE) throw new MediaUnavailableError({ cause: error });
      throw error;
    }
  }

  async bridge(callId: string, agentEndpoint: string): Promise<{ agentCallId: string }> {
    // The agent's phone rings first: allow it the time to answer.
    try {
      const reply = await unary<BridgeRequest, BridgeResponse>(
        this.client.bridge,
        this.client,
        { callId, agentEndpoint },
        new Metadata(),
        { deadline: Date.now() + 30_000 },
      );
      return { agentCallId: reply.agentCallId };
    } catch (error) {
      if ((error as { code?: number }).code === Status.NOT_FOUND) throw new CallGoneError(callId, { cause: error });
      throw error;
    }
  }

  /** `media`: a file path, or `tone:<spec>` for a tone. */
  async play(callId: string, media: string): Promise<void> {
    const request: PlayRequest = media.startsWith('tone:')
      ? { callId, tone: media.slice('tone:'.length) }
      : { callId, file: media };
    await unary<PlayRequest, PlayResponse>(this.client.play, this.client, request, new Metadata(), {
      deadline: Date.now() + 60_000,
    });
  }

  async collectDtmf(callId: string, options: { maxDigits: number; timeoutMs: number }): Promise<string> {
    const reply = await unary<CollectDtmfRequest, CollectDtmfResponse>(
      this.client.collectDtmf,
      this.client,
      { callId, maxDigits: options.maxDigits, timeoutMs: options.timeoutMs, terminators: '' },
      new Metadata(),
      { deadline: Date.now() + options.timeoutMs + 5_000 },
    );
    return reply.digits;
  }

  async hangup(callId: string, cause: string): Promise<void> {
    await unary<HangupRequest, HangupResponse>(this.client.hangup, this.client, { callId, cause }, new Metadata());
  }

  async exists(callId: string, node: string): Promise<boolean> {
    const reply = await unary<CallExistsRequest, CallExistsResponse>(
      this.client.callExists,
      this.client,
      { callId, node },
      new Metadata(),
    );
    return reply.exists;
  }

  close(): void {
    this.client.close();
  }
}
