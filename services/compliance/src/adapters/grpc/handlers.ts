import { InvalidArgumentError } from '@outbound/errors';
import { AbandonAction, DoNotCallKind, type ComplianceServiceServer } from '@outbound/proto/outbound/v1/compliance';
import { bindService, validateRequest, type ServiceBinding } from '@outbound/rpc';
import { ComplianceServiceService } from '@outbound/proto/outbound/v1/compliance';
import type { Logger } from '@outbound/telemetry';
import type { DialRequest } from '../../domain/types.js';
import type { DncListKind } from '../../domain/dnc.js';
import type { AbandonStatus } from '../../use-cases/abandon-status.js';
import type { AddDoNotCall } from '../../use-cases/add-do-not-call.js';
import type { AuditTrail } from '../../use-cases/audit-trail.js';
import type { DialChecker } from '../../use-cases/check-dial.js';
import type { Consents } from '../../use-cases/consents.js';
import type { DncFilter } from '../../use-cases/filter-dnc.js';
import type { ListDecisions } from '../../use-cases/list-decisions.js';
import type { LoadRegistry } from '../../use-cases/load-registry.js';
import type { ScanTranscript } from '../../use-cases/scan-transcript.js';
import type { SetCampaignPolicy } from '../../use-cases/set-campaign-policy.js';
import { fromTimestamp, toProtoDecision, toProtoDenial, toTimestamp } from './convert.js';
import * as s from './schemas.js';

/** The use cases the API offers: each handler decodes, calls one, encodes. */
export interface HandlerDeps {
  readonly checker: DialChecker;
  readonly dncFilter: DncFilter;
  readonly addDoNotCall: AddDoNotCall;
  readonly loadRegistry: LoadRegistry;
  readonly consents: Consents;
  readonly setCampaignPolicy: SetCampaignPolicy;
  readonly abandonStatus: AbandonStatus;
  readonly listDecisions: ListDecisions;
  readonly scanTranscript: ScanTranscript;
  readonly auditTrail: AuditTrail;
  /** Rule pack names, for validating a policy. */
  readonly packNames: () => readonly string[];
  readonly now: () => number;
}

/** A check is made immediately before the originate; far-off times would skew the rolling caps. */
const MAX_CLOCK_SKEW_MS = 10 * 60_000;

const kinds = {
  [DoNotCallKind.DO_NOT_CALL_KIND_INTERNAL]: 'internal',
  [DoNotCallKind.DO_NOT_CALL_KIND_REFUSAL]: 'refusal',
  [DoNotCallKind.DO_NOT_CALL_KIND_OPT_OUT]: 'opt_out',
} as const;
const protoKinds: Readonly<Record<DncListKind, DoNotCallKind>> = {
  registry: DoNotCallKind.DO_NOT_CALL_KIND_REGISTRY,
  internal: DoNotCallKind.DO_NOT_CALL_KIND_INTERNAL,
  opt_out: DoNotCallKind.DO_NOT_CALL_KIND_OPT_OUT,
  refusal: DoNotCallKind.DO_NOT_CALL_KIND_REFUSAL,
};
const actions = {
  CONTINUE: AbandonAction.ABANDON_ACTION_CONTINUE,
  SLOW_DOWN: AbandonAction.ABANDON_ACTION_SLOW_DOWN,
  STOP: AbandonAction.ABANDON_ACTION_STOP,
} as const;

export function complianceService(deps: HandlerDeps, logger: Logger): ServiceBinding {
  const { checker, now } = deps;

  function toDialRequest(check: ReturnType<typeof s.dialCheck.parse>, field: string): DialRequest {
    const current = now();
    const at = check.at ? fromTimestamp(check.at) : current;
    if (Math.abs(at - current) > MAX_CLOCK_SKEW_MS)
      throw InvalidArgumentError.field(
        `${field}.at`,
        'must be within 10 minutes of now: a check is made immediately before the dial',
      );
    return {
      campaignId: check.campaignId,
      leadId: check.leadId,
      phone: check.phone,
      callerId: check.callerId,
      at,
      ...(check.timeZoneOverride ? { timeZoneOverride: check.timeZoneOverride } : {}),
    };
  }

  return bindService<ComplianceServiceServer>(
    'outbound.v1.ComplianceService',
    ComplianceServiceService,
    {
      checkDial: async (request) => {
        const { check } = validateRequest(s.checkDialRequest, request);
        return { decision: toProtoDecision(await checker.checkOne(toDialRequest(check, 'check'))) };
      },

      checkDialBatch: async (request) => {
        const { checks } = validateRequest(s.checkDialBatchRequest, request);
        const decisions = await checker.check(checks.map((check, i) => toDialRequest(check, `checks[${i}]`)));
        return { decisions: decisions.map(toProtoDecision) };
      },

      addDoNotCall: async (request) => {
        const r = validateRequest(s.addDoNotCallRequest, request);
        const { lockedUntil } = await deps.addDoNotCall.add({
          phone: r.phone,
          kind: kinds[r.kind as keyof typeof kinds],
          source: r.source,
          actor: r.actor,
          ...(r.campaignId ? { campaignId: r.campaignId } : {}),
        });
        return { lockedUntil: typeof lockedUntil === 'number' ? toTimestamp(lockedUntil) : undefined };
      },

      filterDoNotCall: async (request) => {
        const r = validateRequest(s.filterDoNotCallRequest, request);
        const matches = await deps.dncFilter.filter(r.phones, r.campaignId);
        return {
          matches: matches.map((m) => ({
            index: m.index,
            kinds: m.kinds.map((k) => protoKinds[k]),
            lockedUntil: m.lockedUntil === undefined ? undefined : toTimestamp(m.lockedUntil),
          })),
        };
      },

      bulkLoadDoNotCall: async (requests) => {
        let registryName: string | undefined;
        return deps.loadRegistry.load(
          (async function* () {
            let index = 0;
            for await (const raw of requests) {
              const chunk = validateRequest(s.bulkLoadChunk, raw);
              if (registryName !== undefined && chunk.registry !== registryName)
                throw InvalidArgumentError.field(`chunk[${index}].registry`, 'must be the same in every chunk');
              registryName = chunk.registry;
              index++;
              yield chunk;
            }
          })(),
        );
      },

      recordConsent: async (request) => {
        const r = validateRequest(s.recordConsentRequest, request);
        const givenAt = fromTimestamp(r.givenAt);
        if (givenAt > now() + 60_000) throw InvalidArgumentError.field('given_at', 'must not be in the future');
        const consentId = await deps.consents.record({
          phone: r.phone,
          campaignId: r.campaignId,
          source: r.source,
          givenAt,
        });
        return { consentId };
      },

      listConsents: async (request) => {
        const r = validateRequest(s.listConsentsRequest, request);
        const rows = await deps.consents.list(r.phone, r.campaignId || undefined);
        return {
          consents: rows.map((row) => ({
            consentId: row.consent_id,
            campaignId: row.campaign_id,
            source: row.source,
            givenAt: toTimestamp(row.given_at.getTime()),
            keptUntil: toTimestamp(row.kept_until.getTime()),
            maskedPhone: row.masked_phone,
          })),
        };
      },

      setCampaignPolicy: async (request) => {
        const r = validateRequest(s.setCampaignPolicyRequest(deps.packNames()), request);
        await deps.setCampaignPolicy.set(
          {
            campaignId: r.campaignId,
            rulePacks: r.rulePacks,
            requireConsent: r.requireConsent,
            marketing: r.marketing,
            industry: r.industry || 'general',
            agentGuaranteed: r.agentGuaranteed,
            officialCallerIds: r.officialCallerIds,
          },
          r.actor,
        );
        const caps = deps.setCampaignPolicy.callerIdCaps(r);
        return { callerIdCaps: caps && { maxPer24h: caps.maxPer24h, minGapSeconds: caps.minGapSeconds } };
      },

      getAbandonStatus: async (request) => {
        const { campaignId } = validateRequest(s.campaignRequest, request);
        const status = await deps.abandonStatus.of(campaignId);
        return {
          action: actions[status.action],
          windows: status.windows.map((w) => ({
            rulePack: w.rulePack,
            answered: w.answered,
            abandoned: w.abandoned,
            rate: w.rate,
            limit: w.limit,
            windowDays: w.windowDays,
          })),
        };
      },

      listDecisions: async (request) => {
        const r = validateRequest(s.listDecisionsRequest, request);
        const rows = await deps.listDecisions.list(r.phone, r.limit || 20);
        return {
          decisions: rows.map((row) => ({
            checkId: row.check_id,
            decidedAt: toTimestamp(row.decided_at.getTime()),
            dialAt: toTimestamp(row.dial_at.getTime()),
            campaignId: row.campaign_id,
            leadId: row.lead_id,
            maskedPhone: row.masked_phone,
            callerId: row.caller_id,
            allowed: row.allowed,
            denials: row.denials.map(toProtoDenial),
            rulePacks: row.rule_packs,
            timeZones: row.time_zones,
          })),
        };
      },

      scanTranscript: async (request) => {
        const r = validateRequest(s.scanTranscriptRequest, request);
        const hits = await deps.scanTranscript.scan({
          industry: r.industry,
          text: r.text,
          ...(r.attempt ? { attempt: r.attempt } : {}),
        });
        return { hits: hits.map((h) => ({ word: h.word, start: h.start, end: h.end, list: h.list })) };
      },

      recordAudit: async (request) => {
        const r = validateRequest(s.recordAuditRequest, request);
        const entry = await deps.auditTrail.record(r);
        return { entry: { ...entry, at: toTimestamp(Date.parse(entry.at)), details: { ...entry.details } } };
      },

      listAudit: async (request) => {
        const r = validateRequest(s.listAuditRequest, request);
        const { entries, chainValid } = await deps.auditTrail.list({
          afterSeq: r.afterSeq,
          limit: r.limit || 100,
          ...(r.actor ? { actor: r.actor } : {}),
          ...(r.target ? { target: r.target } : {}),
        });
        return {
          entries: entries.map((e) => ({ ...e, at: toTimestamp(Date.parse(e.at)), details: { ...e.details } })),
          chainValid,
        };
      },
    },
    logger,
  );
}
