// RuleService over gRPC: decode and validate, call one use case, encode. Errors are mapped once by
// @outbound/rpc (InvalidArgumentError → INVALID_ARGUMENT with the field violations).

import { InvalidArgumentError } from '@outbound/errors';
import { fromTimestamp, toTimestamp } from '@outbound/proto';
import {
  RuleServiceService,
  type ConditionResult,
  type DryRunLeadResult,
  type RuleServiceServer,
  type RuleSet,
} from '@outbound/proto/outbound/v1/rules';
import { bindService, validateRequest, type ServiceBinding } from '@outbound/rpc';
import type { Logger } from '@outbound/telemetry';
import { z } from 'zod';
import { EMPTY_HISTORY } from '../../domain/variables.js';
import type { DryRun } from '../../use-cases/dry-run.js';
import type { Feedback } from '../../use-cases/feedback.js';
import type { RuleSetCatalog, RuleSetView } from '../../use-cases/manage-rule-sets.js';
import {
  channelToProto,
  contentFromProto,
  dryRunEventSchema,
  dryRunLeadSchema,
  kindToProto,
  ruleSetIdSchema,
  ruleSetRef,
  ruleToProto,
  scriptToProto,
  token,
  version,
} from './schemas.js';

export interface RuleServiceDeps {
  catalog: RuleSetCatalog;
  dryRun: DryRun;
  feedback: Feedback;
  logger: Logger;
}

function toProto(view: RuleSetView): RuleSet {
  return {
    ruleSetId: view.set.ruleSetId,
    campaignId: view.set.campaignId,
    version: view.version,
    rules: view.content.rules.map(ruleToProto),
    listIds: view.content.listIds,
    scripts: view.content.scripts.map(scriptToProto),
    activeVersion: view.set.activeVersion ?? 0,
    latestVersion: view.set.latestVersion,
    archived: view.set.archived,
    createdAt: toTimestamp(view.set.createdAt.getTime()),
  };
}

const listIds = z.array(token).max(100);

export function ruleServiceBinding(deps: RuleServiceDeps): ServiceBinding {
  const { catalog } = deps;
  return bindService<RuleServiceServer>(
    'outbound.v1.RuleService',
    RuleServiceService,
    {
      createRuleSet: async (req) => {
        const { campaignId } = validateRequest(z.object({ campaignId: token, listIds }), req);
        const view = await catalog.create(
          campaignId,
          contentFromProto(req.rules, req.scripts, req.listIds),
          req.publish,
        );
        return { ruleSet: toProto(view) };
      },
      getRuleSet: async (req) => {
        const ref = validateRequest(ruleSetRef, req);
        const v = validateRequest(z.object({ version }), req).version;
        return { ruleSet: toProto(await catalog.get(ref, v)) };
      },
      listRuleSets: async (req) => ({ ruleSets: (await catalog.list(req.includeArchived)).map(toProto) }),
      saveRuleSetVersion: async (req) => {
        const { ruleSetId } = validateRequest(ruleSetIdSchema, req);
        const { baseVersion } = validateRequest(z.object({ baseVersion: version, listIds }), req);
        const view = await catalog.save(ruleSetId, contentFromProto(req.rules, req.scripts, req.listIds), baseVersion);
        return { ruleSet: toProto(view) };
      },
      deleteRuleSet: async (req) => {
        await catalog.archive(validateRequest(ruleSetIdSchema, req).ruleSetId);
        return {};
      },
      publishRuleSetVersion: async (req) => {
        const { ruleSetId } = validateRequest(ruleSetIdSchema, req);
        const v = validateRequest(z.object({ version: version.min(1, 'must be 1 or more') }), req).version;
        return { ruleSet: toProto(await catalog.publish(ruleSetId, v)) };
      },
      rollbackRuleSet: async (req) => {
        const { ruleSetId } = validateRequest(ruleSetIdSchema, req);
        const { toVersion } = validateRequest(z.object({ toVersion: version }), req);
        return { ruleSet: toProto(await catalog.rollback(ruleSetId, toVersion)) };
      },
      getRuleSetHistory: async (req) => {
        const entries = await catalog.history(validateRequest(ruleSetIdSchema, req).ruleSetId);
        return {
          entries: entries.map((e) => ({
            action: e.action,
            version: e.version,
            previousVersion: e.previousVersion ?? 0,
            at: toTimestamp(e.at.getTime()),
          })),
        };
      },
      validateRules: async (req) => {
        const errors = catalog.validate(contentFromProto(req.rules, req.scripts, []));
        return { valid: errors.length === 0, errors };
      },
      getFeedback: async (req) => {
        const { campaignId } = validateRequest(z.object({ campaignId: token }), req);
        const [segments, scripts] = await Promise.all([
          deps.feedback.segments(campaignId),
          deps.feedback.scripts(campaignId),
        ]);
        return {
          segments: segments.map((s) => ({
            segment: s.segment,
            bestHours: s.bestHours,
            hours: s.hours.map((h) => ({
              hour: h.hour,
              attempts: h.attempts,
              connected: h.connected,
              connectRate: h.connectRate,
            })),
          })),
          scripts: scripts.map((s) => ({
            script: s.script,
            connected: s.connected,
            complaints: s.complaints,
            complaintRate: s.complaintRate,
            flagged: s.flagged,
          })),
        };
      },
      dryRun: async (req) => {
        const ref = validateRequest(ruleSetRef, req);
        const v = validateRequest(z.object({ version, sampleSize: z.number().int().min(0).max(100) }), req).version;
        const lead = req.lead ? validateRequest(dryRunLeadSchema, req.lead) : undefined;
        if (!req.event) throw InvalidArgumentError.field('event', 'is required (type, fields)');
        const event = validateRequest(dryRunEventSchema, { type: req.event.type, fields: req.event.fields ?? {} });
        const atMs = req.at ? fromTimestamp(req.at) : Date.now();
        const occurredAtMs = req.event.occurredAt ? fromTimestamp(req.event.occurredAt) : atMs;
        const leadIds = validateRequest(z.object({ leadIds: z.array(token).max(100) }), req).leadIds;
        const result = await deps.dryRun.run({
          ref,
          version: v,
          ...(lead
            ? {
                lead: { ...lead, createdAtMs: undefined },
                history: {
                  ...EMPTY_HISTORY,
                  attempts: lead.attempts,
                  lastOutcome: lead.lastOutcome,
                  tasksToday: lead.tasksToday,
                },
              }
            : {}),
          leadIds,
          sampleSize: req.sampleSize,
          event: {
            type: event.type,
            name: event.type.startsWith('webhook.') ? event.type.slice('webhook.'.length) : '',
            fields: event.fields,
            occurredAtMs,
          },
          atMs,
        });
        return {
          version: result.version,
          leads: result.leads.map((l): DryRunLeadResult => ({
            leadId: l.leadId,
            conditions: l.conditions.map((c): ConditionResult => ({
              ruleId: c.ruleId,
              kind: kindToProto(c.kind),
              expression: c.expression,
              value: c.value,
              fired: c.fired,
              error: c.error,
              note: c.note,
            })),
            tasks: l.tasks.map((t) => ({
              taskId: t.taskId,
              channel: channelToProto(t.channel),
              ruleId: t.ruleId,
              priority: t.priority,
              script: t.script ?? '',
              lineClass: t.lineClass ?? '',
              notBefore: t.notBeforeMs !== undefined ? toTimestamp(t.notBeforeMs) : undefined,
              suppressedBy: t.suppressedBy ?? '',
              scheduled: t.scheduled,
              smsBody: t.smsBody ?? '',
            })),
          })),
        };
      },
    },
    deps.logger,
  );
}
