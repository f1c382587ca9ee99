import { events, type Bus } from '@outbound/bus';
import { InvalidArgumentError, UnavailableError } from '@outbound/errors';
import { AbandonAction, DoNotCallKind, type ComplianceServiceServer } from '@outbound/proto/outbound/v1/compliance';
import { bindService, validateRequest, type ServiceBinding } from '@outbound/rpc';
import { ComplianceServiceService } from '@outbound/proto/outbound/v1/compliance';
import type { Pool } from '@outbound/store';
import type { Logger } from '@outbound/telemetry';
import { abandonStatus, worstAction } from '../../domain/abandon.js';
import { BlindIndex, maskE164 } from '../../domain/blind.js';
import { planDial } from '../../domain/engine.js';
import type { PackCatalogue } from '../../domain/packs/index.js';
import { SensitiveWordScanner } from '../../domain/scanner.js';
import type { DialRequest } from '../../domain/types.js';
import type { DialChecker } from '../../dial-checker.js';
import type { DncFilter } from '../../dnc-filter.js';
import type { DncListKind } from '../../domain/dnc.js';
import type { AbandonCounts } from '../redis/abandon-counts.js';
import type { DialStateStore } from '../redis/dial-state.js';
import type { AuditLog } from '../sql/audit.js';
import { lastDecisions } from '../sql/evidence.js';
import { insertConsent, insertDncEntry, listConsents } from '../sql/lists.js';
import type { PolicyStore } from '../sql/policies.js';
import type { RegistryLoader } from '../sql/registry-loader.js';
import { fromTimestamp, toProtoDecision, toProtoDenial, toTimestamp } from './convert.js';
import * as s from './schemas.js';

export interface HandlerDeps {
  readonly checker: DialChecker;
  readonly dncFilter: DncFilter;
  readonly catalogue: PackCatalogue;
  readonly policies: PolicyStore;
  readonly blind: BlindIndex;
  readonly state: DialStateStore;
  readonly abandon: AbandonCounts;
  readonly registryLoader: RegistryLoader;
  readonly audit: AuditLog;
  readonly bus: Bus;
  readonly pool: Pool;
  readonly schema: string;
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
  const { checker, catalogue, policies, blind, state, audit, pool, schema, now } = deps;

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
        const kind = kinds[r.kind as keyof typeof kinds];
        const key = blind.hex(r.phone);
        const at = now();
        const scope = r.campaignId || undefined;
        if (kind === 'internal') await state.markNumber(key, 'dnc', '1', scope);
        else if (kind === 'opt_out') await state.markNumber(key, 'optout', '1', scope);
        else await state.markNumber(key, 'refusedAt', String(at), scope);
        await insertDncEntry(pool, schema, {
          phoneKey: key,
          kind,
          source: r.source,
          actor: r.actor,
          ...(r.campaignId ? { campaignId: r.campaignId } : {}),
        });
        await audit.append({
          actor: r.actor,
          action: 'changed_list',
          target: `dnc:${kind}`,
          service: 'compliance',
          details: { numberKey: key, campaignId: r.campaignId, source: r.source },
        });
        if (kind !== 'refusal') return { lockedUntil: undefined };
        const policy = await policies.get(r.campaignId || 'default');
        const plan = planDial(
          { campaignId: policy.campaignId, leadId: 'none', phone: r.phone, callerId: '', at },
          policy,
          catalogue,
        );
        return {
          lockedUntil: typeof plan.refusalLockMs === 'number' ? toTimestamp(at + plan.refusalLockMs) : undefined,
        };
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
        let actor = '';
        const result = await deps.registryLoader.replace(async function* () {
          let index = 0;
          for await (const raw of requests) {
            const chunk = validateRequest(s.bulkLoadChunk, raw);
            if (registryName !== undefined && chunk.registry !== registryName)
              throw InvalidArgumentError.field(`chunk[${index}].registry`, 'must be the same in every chunk');
            registryName = chunk.registry;
            actor = chunk.actor;
            index++;
            yield chunk;
          }
        });
        await audit.append({
          actor,
          action: 'changed_list',
          target: `dnc-registry:${result.registry}`,
          service: 'compliance',
          details: { loaded: String(result.loaded), rejected: String(result.rejected) },
        });
        return { loaded: result.loaded, rejected: result.rejected };
      },

      recordConsent: async (request) => {
        const r = validateRequest(s.recordConsentRequest, request);
        const givenAt = fromTimestamp(r.givenAt);
        if (givenAt > now() + 60_000) throw InvalidArgumentError.field('givenAt', 'must not be in the future');
        const key = blind.hex(r.phone);
        const consentId = await insertConsent(pool, schema, {
          phoneKey: key,
          maskedPhone: maskE164(r.phone),
          campaignId: r.campaignId,
          source: r.source,
          givenAt,
        });
        await state.recordConsent(r.campaignId, key, givenAt);
        return { consentId };
      },

      listConsents: async (request) => {
        const r = validateRequest(s.listConsentsRequest, request);
        const rows = await listConsents(pool, schema, blind.hex(r.phone), r.campaignId || undefined);
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
        const r = validateRequest(s.setCampaignPolicyRequest(catalogue.names()), request);
        const policy = {
          campaignId: r.campaignId,
          rulePacks: r.rulePacks,
          requireConsent: r.requireConsent,
          marketing: r.marketing,
          industry: r.industry || 'general',
          agentGuaranteed: r.agentGuaranteed,
          officialCallerIds: r.officialCallerIds,
        };
        const version = await policies.set(policy);
        // Recorded once stored, before it is announced: a failed announcement (UNAVAILABLE, the
        // caller retries) must not leave a stored change without its audit entry.
        await audit.append({
          actor: r.actor,
          action: 'changed_policy',
          target: `campaign:${r.campaignId}`,
          service: 'compliance',
          details: { policy: JSON.stringify(policy), version: String(version) },
        });
        await policies.announce(r.campaignId, version).catch((error: unknown) => {
          throw new UnavailableError(
            `policy version ${version} is stored but could not be announced to the other replicas (they apply it within their cache time); retry`,
            { reason: 'POLICY_NOT_ANNOUNCED', cause: error },
          );
        });
        return {};
      },

      getAbandonStatus: async (request) => {
        const { campaignId } = validateRequest(s.campaignRequest, request);
        const at = now();
        const policy = await policies.get(campaignId);
        const names = policy.rulePacks.length ? policy.rulePacks : catalogue.names();
        const packs = names.map((name) => catalogue.at(name, at)).filter((p) => p !== undefined);
        const statuses = abandonStatus(packs, await deps.abandon.read(campaignId, at), at);
        return {
          action: actions[worstAction(statuses)],
          windows: statuses.map((w) => ({
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
        const rows = await lastDecisions(pool, schema, blind.hex(r.phone), r.limit || 20);
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
        // The lists of the pack versions in effect now (they are short: building is cheap).
        const at = now();
        const packs = catalogue
          .names()
          .map((name) => catalogue.at(name, at))
          .filter((p) => p !== undefined);
        const hits = new SensitiveWordScanner(packs).scan(r.industry, r.text);
        if (r.attempt && hits.length > 0) {
          await deps.bus.publish(events.complianceViolation, {
            ...r.attempt,
            kind: 'sensitive_words',
            words: [...new Set(hits.map((h) => h.word))].slice(0, 100),
            lists: [...new Set(hits.map((h) => h.list))].slice(0, 20),
          });
          logger.info(
            { campaignId: r.attempt.campaignId, attemptId: r.attempt.attemptId, hits: hits.length },
            'sensitive words in transcript',
          );
        }
        return { hits: hits.map((h) => ({ word: h.word, start: h.start, end: h.end, list: h.list })) };
      },

      recordAudit: async (request) => {
        const r = validateRequest(s.recordAuditRequest, request);
        const entry = await audit.append(r);
        return { entry: { ...entry, at: toTimestamp(Date.parse(entry.at)), details: { ...entry.details } } };
      },

      listAudit: async (request) => {
        const r = validateRequest(s.listAuditRequest, request);
        const { entries, chainValid } = await audit.list({
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
