import { InvalidArgumentError, NotFoundError } from '@outbound/errors';
import { fromTimestamp, toTimestamp } from '@outbound/proto';
import {
  AttemptGrouping as ProtoGrouping,
  AttemptOutcome as ProtoOutcome,
  CampaignServiceService,
  CampaignState as ProtoState,
  type CampaignServiceServer,
} from '@outbound/proto/outbound/v1/campaign';
import { bindService, validateRequest, type ServiceBinding } from '@outbound/rpc';
import type { Logger } from '@outbound/telemetry';
import { z } from 'zod';
import type { CampaignSettings } from '../../domain/model.js';
import { summarizeAttempts } from '../../use-cases/attempt-reports.js';
import { watchFigures, type ManageCampaigns } from '../../use-cases/campaigns.js';
import type { AttemptGrouping, AttemptStore, CampaignStore, FiguresSource } from '../../use-cases/ports.js';
import {
  OUTCOME_OF,
  STATE_OF,
  attemptToProto,
  campaignToProto,
  figuresToProto,
  settingsFromProto,
} from './campaign-convert.js';

export interface CampaignServiceDeps {
  readonly manage: ManageCampaigns;
  readonly campaigns: CampaignStore;
  readonly attempts: AttemptStore;
  readonly figures: FiguresSource;
}

const ID = /^[A-Za-z0-9_-]{1,128}$/;
const id = z.string().regex(ID, 'must be an id of letters, digits, _ or - (at most 128)');
const page = z
  .object({ pageSize: z.number().int().min(0).max(1000), pageToken: z.string().max(512) })
  .optional()
  .transform((p) => ({ pageSize: p?.pageSize || 100, ...(p?.pageToken ? { pageToken: p.pageToken } : {}) }));
const byId = z.object({ campaignId: id });

/** Optional filter: UNSPECIFIED means any outcome. */
const outcome = z
  .nativeEnum(ProtoOutcome)
  .refine((o) => o === ProtoOutcome.ATTEMPT_OUTCOME_UNSPECIFIED || o in OUTCOME_OF, 'is not an attempt outcome')
  .transform((o) => (o === ProtoOutcome.ATTEMPT_OUTCOME_UNSPECIFIED ? undefined : OUTCOME_OF[o]));

const GROUPINGS: ReadonlyMap<ProtoGrouping, AttemptGrouping> = new Map([
  [ProtoGrouping.ATTEMPT_GROUPING_CAMPAIGN, 'campaign'],
  [ProtoGrouping.ATTEMPT_GROUPING_AGENT, 'agent'],
  [ProtoGrouping.ATTEMPT_GROUPING_LINE, 'line'],
  [ProtoGrouping.ATTEMPT_GROUPING_HOUR, 'hour'],
]);
const instant = z
  .object({ seconds: z.number().int(), nanos: z.number().int().min(0).max(999_999_999) })
  .optional()
  .transform((t) => (t === undefined ? undefined : new Date(fromTimestamp(t))));
/** At most 50 campaigns a report: each one's figures are counted in the one statement. */
const MAX_REPORT_CAMPAIGNS = 50;
const summarizeRequest = z
  .object({
    campaignIds: z
      .array(id)
      .min(1, 'must name at least one campaign')
      .max(MAX_REPORT_CAMPAIGNS, `must name at most ${String(MAX_REPORT_CAMPAIGNS)} campaigns`),
    groupBy: z
      .nativeEnum(ProtoGrouping)
      .refine((g) => GROUPINGS.has(g), 'must be campaign, agent, line or hour')
      .transform((g) => GROUPINGS.get(g)!),
    agentId: z.union([z.literal(''), id]),
    from: instant,
    to: instant,
    conversionCodes: z.array(z.string().min(1).max(64)).max(50, 'must hold at most 50 codes'),
  })
  .refine((r) => r.from === undefined || r.to === undefined || r.from < r.to, {
    message: 'must be after from',
    path: ['to'],
  });

/** Settable fields of UpdateCampaign's mask, by proto name → what they replace. */
const MASKABLE: Record<string, ReadonlyArray<keyof CampaignSettings>> = {
  name: ['name'],
  lead_lists: ['leadLists'],
  hours: ['hours'],
  caller_ids: ['callerIds'],
  gateway: ['gateway'],
  retry_policy: ['retryRules'],
  machine_action: ['machineAction'],
  machine_message: ['machineMessage'],
  abandon_message: ['abandonMessage'],
  max_attempts_per_lead: ['maxAttemptsPerLead'],
  dial_mode: ['modeSettings'],
  preview: ['modeSettings'],
  progressive: ['modeSettings'],
  predictive: ['modeSettings'],
  agentless: ['modeSettings'],
  required_skills: ['requiredSkills'],
  rule_packs: ['rulePacks'],
  line_class: ['lineClass'],
  amd: ['amd'],
  ring_timeout_ms: ['ringTimeoutMs'],
  script: ['script'],
};

export function campaignService(deps: CampaignServiceDeps, logger: Logger): ServiceBinding {
  const { manage } = deps;
  return bindService<CampaignServiceServer>(
    'outbound.v1.CampaignService',
    CampaignServiceService,
    {
      async createCampaign(request) {
        const campaignId = request.campaign?.campaignId ?? '';
        if (campaignId !== '' && !ID.test(campaignId))
          throw InvalidArgumentError.field('campaign.campaign_id', 'must be an id of letters, digits, _ or -');
        const created = await manage.create(campaignId, settingsFromProto(request.campaign));
        return { campaign: campaignToProto(created) };
      },

      async updateCampaign(request) {
        const { campaignId } = validateRequest(byId, { campaignId: request.campaign?.campaignId ?? '' });
        const current = await manage.get(campaignId);
        let next = settingsFromProto(request.campaign);
        if (request.updateMask.length > 0) {
          const merged: Record<string, unknown> = { ...current.settings };
          request.updateMask.forEach((path, i) => {
            const fields = MASKABLE[path];
            if (fields === undefined) throw InvalidArgumentError.field(`update_mask[${i}]`, 'is not a settable field');
            for (const field of fields) merged[field] = next[field];
          });
          next = merged as unknown as CampaignSettings;
        }
        return { campaign: campaignToProto(await manage.update(campaignId, next)) };
      },

      async getCampaign(request) {
        const { campaignId } = validateRequest(byId, request);
        return { campaign: campaignToProto(await manage.get(campaignId)) };
      },

      async listCampaigns(request) {
        const parsed = validateRequest(z.object({ page, state: z.nativeEnum(ProtoState) }), request);
        const state = parsed.state === ProtoState.CAMPAIGN_STATE_UNSPECIFIED ? undefined : STATE_OF[parsed.state];
        const result = await deps.campaigns.list({ ...parsed.page, ...(state ? { state } : {}) });
        return { campaigns: result.items.map(campaignToProto), page: { nextPageToken: result.next ?? '' } };
      },

      async startCampaign(request) {
        return { campaign: campaignToProto(await manage.apply('start', validateRequest(byId, request).campaignId)) };
      },
      async pauseCampaign(request) {
        return { campaign: campaignToProto(await manage.apply('pause', validateRequest(byId, request).campaignId)) };
      },
      async resumeCampaign(request) {
        return { campaign: campaignToProto(await manage.apply('resume', validateRequest(byId, request).campaignId)) };
      },
      async stopCampaign(request) {
        return { campaign: campaignToProto(await manage.apply('stop', validateRequest(byId, request).campaignId)) };
      },

      async *watchCampaign(request, context) {
        const { campaignId } = validateRequest(byId, request);
        await manage.get(campaignId);
        for await (const figures of watchFigures(deps.figures, campaignId, context.signal))
          yield { figures: figuresToProto(figures) };
      },

      async getAttempt(request) {
        const { attemptId } = validateRequest(z.object({ attemptId: id }), request);
        const attempt = await deps.attempts.get(attemptId);
        if (attempt === undefined) throw new NotFoundError('attempt', attemptId);
        return { attempt: attemptToProto(attempt) };
      },

      async listAttempts(request) {
        const parsed = validateRequest(
          z.object({
            campaignId: id,
            leadId: z.union([z.literal(''), id]),
            page,
            outcome,
            newestFirst: z.boolean(),
            followUpsOfAgent: z.union([z.literal(''), id]),
          }),
          request,
        );
        await manage.get(parsed.campaignId);
        const result = await deps.attempts.list({
          campaignId: parsed.campaignId,
          ...(parsed.leadId ? { leadId: parsed.leadId } : {}),
          ...(parsed.outcome ? { outcome: parsed.outcome } : {}),
          newestFirst: parsed.newestFirst,
          ...(parsed.followUpsOfAgent ? { followUpsOfAgent: parsed.followUpsOfAgent } : {}),
          ...parsed.page,
        });
        return { attempts: result.items.map(attemptToProto), page: { nextPageToken: result.next ?? '' } };
      },

      async summarizeAttempts(request) {
        const parsed = validateRequest(summarizeRequest, request);
        const tallies = await summarizeAttempts(deps, {
          campaignIds: [...new Set(parsed.campaignIds)],
          groupBy: parsed.groupBy,
          ...(parsed.agentId ? { agentId: parsed.agentId } : {}),
          ...(parsed.from ? { from: parsed.from } : {}),
          ...(parsed.to ? { to: parsed.to } : {}),
          conversionCodes: parsed.conversionCodes,
        });
        return {
          tallies: tallies.map((t) => ({
            key: t.key,
            hour: t.hour === undefined ? undefined : toTimestamp(t.hour.getTime()),
            dials: t.dials,
            connects: t.connects,
            talkSeconds: t.talkSeconds,
            abandoned: t.abandoned,
            machines: t.machines,
            intentA: t.intents.A,
            intentB: t.intents.B,
            intentC: t.intents.C,
            conversions: t.conversions,
          })),
        };
      },
    },
    logger,
  );
}
