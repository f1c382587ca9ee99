// A dry run: a version evaluated for given leads (inline, by id, or a sample of the campaign's
// first list) and an event at a time, with every condition's value; nothing is written or sent.

import { FailedPreconditionError, InvalidArgumentError } from '@outbound/errors';
import { evaluate, type ConditionTrace, type PlannedTask } from '../domain/engine.js';
import { EMPTY_HISTORY, localTime, type EventFacts, type LeadFacts, type LeadHistory } from '../domain/variables.js';
import { segmentOf, type LeadStats } from '../domain/feedback.js';
import type { Feedback } from './feedback.js';
import type { ActiveRules } from './active-rules.js';
import type { RuleSetCatalog } from './manage-rule-sets.js';
import type { LeadDirectory } from './ports.js';
import { renderTemplate, templateValues } from '../domain/template.js';

export interface DryRunRequest {
  ref: { ruleSetId?: string; campaignId?: string };
  version: number;
  lead?: LeadFacts;
  /** History of the inline lead (attempts so far, last outcome, tasks today). */
  history?: LeadHistory;
  leadIds: string[];
  sampleSize: number;
  event: EventFacts;
  atMs: number;
}

export interface DryRunLead {
  leadId: string;
  conditions: ConditionTrace[];
  tasks: Array<PlannedTask & { scheduled: boolean; smsBody?: string }>;
}

export const MAX_DRY_RUN_LEADS = 100;

export class DryRun {
  constructor(
    private readonly catalog: RuleSetCatalog,
    private readonly active: ActiveRules,
    private readonly directory: LeadDirectory,
    private readonly options: { defaultZone: string; hardCapPerDay: number },
    private readonly feedback?: Feedback,
  ) {}

  async run(request: DryRunRequest): Promise<{ version: number; leads: DryRunLead[] }> {
    const view = await this.catalog.get(request.ref, request.version);
    const ruleSet = await this.active.compiled(view.set.ruleSetId, view.version);
    if (!ruleSet) throw new FailedPreconditionError('version not found');
    const leads: LeadFacts[] = [];
    if (request.lead) leads.push(request.lead);
    if (request.leadIds.length > 0) {
      const found = await this.directory.getLeads(request.leadIds.slice(0, MAX_DRY_RUN_LEADS));
      leads.push(...found.values());
    }
    if (request.sampleSize > 0) {
      const listId = view.content.listIds[0];
      if (!listId) throw InvalidArgumentError.field('sample_size', 'the rule set lists no lead list to sample');
      leads.push(...(await this.directory.sample(listId, Math.min(request.sampleSize, MAX_DRY_RUN_LEADS))));
    }
    if (leads.length === 0) throw InvalidArgumentError.field('lead', 'give a lead, lead ids or a sample size');
    const stats = new Map<string, LeadStats>();
    if (this.feedback && ruleSet.usesStats)
      for (const lead of leads) {
        const hour = Number(localTime(request.atMs, lead.timeZone, this.options.defaultZone).hour);
        stats.set(lead.leadId, await this.feedback.statsFor(view.set.campaignId, segmentOf(lead.tier), hour));
      }
    return {
      version: view.version,
      leads: leads.slice(0, MAX_DRY_RUN_LEADS).map((lead) => {
        const decision = evaluate({
          ruleSet,
          lead,
          history: request.lead && lead === request.lead ? (request.history ?? EMPTY_HISTORY) : EMPTY_HISTORY,
          event: request.event,
          sourceId: `dry-run:${lead.leadId}:${request.atMs}`,
          nowMs: request.atMs,
          defaultZone: this.options.defaultZone,
          hardCapPerDay: this.options.hardCapPerDay,
          explain: true,
          ...(stats.has(lead.leadId) ? { stats: stats.get(lead.leadId)! } : {}),
        });
        const tasks = decision.tasks.map((t) => ({
          ...t,
          scheduled: false,
          ...(t.smsTemplate
            ? { smsBody: renderTemplate(t.smsTemplate, templateValues(lead, request.event.fields)) }
            : {}),
        }));
        for (const timer of decision.timers) {
          tasks.push({
            taskId: timer.timerId,
            channel: ruleSet.rules.find((r) => r.def.id === timer.ruleId)?.def.channel ?? 'call',
            ruleId: timer.ruleId,
            trigger: request.event.type,
            priority: 0,
            notBeforeMs: timer.dueAtMs,
            scheduled: true,
          });
        }
        return { leadId: lead.leadId, conditions: decision.conditions, tasks };
      }),
    };
  }
}
