// Evaluate facts (events per lead, due timers) against each campaign's active rules and write the
// outcome in one transaction: facts claimed once, histories updated, timers set, tasks put in the
// outbox. Tasks are published after the commit (Nats-Msg-Id = task id), so a crash between the
// two leaves them in the outbox for the sweep, and a redelivered event writes nothing new.

import { events } from '@outbound/bus';
import { withTransaction, type Pool, type PoolClient } from '@outbound/store';
import type { Logger } from '@outbound/telemetry';
import type { CompiledRuleSet } from '../domain/compile.js';
import { evaluate, type PlannedTask } from '../domain/engine.js';
import { recordTasks } from '../domain/history.js';
import type { EventFacts, FieldValue, LeadFacts, LeadHistory } from '../domain/variables.js';
import * as store from '../adapters/sql/evaluation-store.js';
import { segmentOf, type LeadStats } from '../domain/feedback.js';
import { localTime } from '../domain/variables.js';
import * as feedbackRepo from '../adapters/sql/feedback-repo.js';
import type { ActiveRules } from './active-rules.js';
import type { Feedback } from './feedback.js';
import type { Outbox } from './outbox.js';
import type { LeadDirectory } from './ports.js';

export interface Fact {
  /** Unique per (event, campaign, lead) or the timer id: what makes a repeat a no-op. */
  sourceId: string;
  campaignId: string;
  leadId: string;
  event: EventFacts;
  /** What the event tells about the lead, recorded before the rules run. */
  update?: (history: LeadHistory) => LeadHistory;
  /** False: only record the update (e.g. an opt-out). */
  evaluate: boolean;
  timer?: { timerId: string; ruleId: string };
}

export interface EvaluatorOptions {
  defaultZone: string;
  hardCapPerDay: number;
  /** Name written on fired timers (which replica fired them). */
  replica: string;
  now?: () => number;
}

export interface BatchResult {
  facts: number;
  tasks: number;
  suppressed: number;
  timers: number;
  errors: number;
}

export class FactEvaluator {
  private readonly now: () => number;

  constructor(
    private readonly pool: Pool,
    private readonly rules: ActiveRules,
    private readonly directory: LeadDirectory,
    private readonly outbox: Outbox,
    private readonly feedback: Feedback,
    private readonly logger: Logger,
    private readonly options: EvaluatorOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Campaigns whose active rule set lists this lead list. */
  campaignsForList(listId: string): Promise<string[]> {
    return this.rules.campaignsForList(listId);
  }

  /** Evaluate facts in their own transaction, then publish the tasks. */
  async process(all: Fact[]): Promise<BatchResult> {
    const prepared = await this.prepare(all);
    // Campaigns without a live rule set: nothing to evaluate, nothing recorded; an event no rule
    // reacts to is recorded only when it changes the lead's history.
    const facts = prepared.facts.filter((f) => prepared.ruleSets.get(f.campaignId));
    if (facts.length === 0) return { facts: 0, tasks: 0, suppressed: 0, timers: 0, errors: 0 };
    prepared.facts = facts;
    const { result, sent, flags } = await withTransaction(this.pool, (client) => this.write(client, prepared));
    await this.outbox.publish(sent);
    await this.feedback.announce(flags, this.day());
    return result;
  }

  /** Fire due timers: taken with SKIP LOCKED, evaluated and marked in one transaction. */
  async fireDue(limit: number): Promise<number> {
    const { fired, sent } = await withTransaction(this.pool, async (client) => {
      const due = await store.takeDueTimers(client, this.now(), limit);
      if (due.length === 0) return { fired: 0, sent: [] as store.OutboxRow[] };
      const facts: Fact[] = due.map((t) => ({
        sourceId: t.timerId,
        campaignId: t.campaignId,
        leadId: t.leadId,
        event: t.event,
        evaluate: true,
        timer: { timerId: t.timerId, ruleId: t.ruleId },
      }));
      const prepared = await this.prepare(facts);
      const { sent } = await this.write(client, prepared);
      return { fired: due.length, sent };
    });
    await this.outbox.publish(sent);
    return fired;
  }

  private async prepare(facts: Fact[]): Promise<Prepared> {
    const ruleSets = new Map<string, CompiledRuleSet | undefined>();
    for (const campaignId of new Set(facts.map((f) => f.campaignId)))
      ruleSets.set(campaignId, await this.rules.forCampaign(campaignId));
    const kept = facts.filter((f) => {
      const set = ruleSets.get(f.campaignId);
      return f.timer !== undefined || f.update !== undefined || !set || set.listens.has(f.event.type);
    });
    const wanted = [...new Set(kept.filter((f) => f.evaluate && ruleSets.get(f.campaignId)).map((f) => f.leadId))];
    const leads = wanted.length > 0 ? await this.directory.getLeads(wanted) : new Map<string, LeadFacts>();
    const stats = new Map<string, LeadStats>();
    const nowMs = this.now();
    for (const f of kept) {
      const set = ruleSets.get(f.campaignId);
      const lead = leads.get(f.leadId);
      if (!set?.usesStats || !lead) continue;
      const hour = Number(localTime(nowMs, lead.timeZone, this.options.defaultZone).hour);
      stats.set(f.sourceId, await this.feedback.statsFor(f.campaignId, segmentOf(lead.tier), hour));
    }
    return { facts: kept, ruleSets, leads, stats };
  }

  private day(): string {
    return new Date(this.now()).toISOString().slice(0, 10);
  }

  private async write(client: PoolClient, { facts, ruleSets, leads, stats }: Prepared) {
    const result: BatchResult = { facts: 0, tasks: 0, suppressed: 0, timers: 0, errors: 0 };
    const hourDeltas: feedbackRepo.HourDelta[] = [];
    const scriptDeltas: feedbackRepo.ScriptDelta[] = [];
    const timers: store.TimerRow[] = [];
    const tasks: store.TaskRow[] = [];
    const fired: Array<{ timerId: string; outcome: string }> = [];
    const histories: store.HistoryRow[] = [];
    const byCampaign = new Map<string, Fact[]>();
    for (const fact of facts) {
      const list = byCampaign.get(fact.campaignId) ?? [];
      list.push(fact);
      byCampaign.set(fact.campaignId, list);
    }
    const nowMs = this.now();
    let claimed: Set<string> | undefined;
    for (const [campaignId, group] of byCampaign) {
      const ruleSet = ruleSets.get(campaignId);
      // The first round trip also claims every fact of the batch.
      const locked = await store.claimAndLock(
        client,
        claimed ? [] : facts.map((f) => f.sourceId),
        campaignId,
        group.map((f) => f.leadId),
      );
      claimed ??= locked.claimed;
      const changed = new Map<string, LeadHistory>();
      for (const fact of group) {
        if (!claimed.has(fact.sourceId)) {
          if (fact.timer) fired.push({ timerId: fact.timer.timerId, outcome: 'duplicate' });
          continue;
        }
        result.facts++;
        let history = changed.get(fact.leadId) ?? locked.histories.get(fact.leadId)!;
        const lead = leads.get(fact.leadId);
        this.countFeedback(campaignId, fact, history, lead, hourDeltas, scriptDeltas);
        if (fact.update) history = fact.update(history);
        if (!fact.evaluate || !ruleSet || !lead) {
          if (fact.timer) fired.push({ timerId: fact.timer.timerId, outcome: ruleSet ? 'lead_not_found' : 'no_rules' });
          changed.set(fact.leadId, history);
          continue;
        }
        const decision = evaluate({
          ruleSet,
          // An ingest event (or a timer it set) dates the lead: `lead.ageMinutes`.
          lead: fact.event.type === 'leads.ingested' ? { ...lead, createdAtMs: fact.event.occurredAtMs } : lead,
          history,
          event: fact.event,
          sourceId: fact.sourceId,
          nowMs,
          defaultZone: this.options.defaultZone,
          hardCapPerDay: this.options.hardCapPerDay,
          ...(fact.timer ? { timerRuleId: fact.timer.ruleId } : {}),
          ...(stats.has(fact.sourceId) ? { stats: stats.get(fact.sourceId)! } : {}),
        });
        result.errors += decision.errors;
        for (const t of decision.timers) {
          timers.push({
            timerId: t.timerId,
            campaignId,
            leadId: fact.leadId,
            ruleSetId: ruleSet.ruleSetId,
            ruleId: t.ruleId,
            event: fact.event,
            dueAtMs: t.dueAtMs,
          });
        }
        let sent = 0;
        let lastAt = 0;
        let script: string | undefined;
        for (const task of decision.tasks) {
          tasks.push(taskRow(ruleSet, campaignId, fact, task));
          if (task.suppressedBy) result.suppressed++;
          else {
            sent++;
            lastAt = Math.max(lastAt, task.notBeforeMs ?? nowMs);
            if (task.channel === 'call' && task.script) script = task.script;
          }
        }
        changed.set(fact.leadId, recordTasks(history, decision.localDate, sent, lastAt, script));
        if (fact.timer) fired.push({ timerId: fact.timer.timerId, outcome: sent > 0 ? 'task' : 'no_task' });
      }
      for (const [leadId, history] of changed) histories.push({ campaignId, leadId, history });
    }
    const inserted = await store.writeOutcome(client, {
      histories,
      timers,
      tasks,
      fired,
      firedBy: this.options.replica,
    });
    const flags = await feedbackRepo.recordFeedback(
      client,
      hourDeltas,
      scriptDeltas,
      this.day(),
      this.feedback.threshold,
      this.feedback.minConnected,
    );
    const sent = tasks
      .filter((t) => inserted.has(t.taskId) && !t.suppressedBy)
      .map((t) => ({ taskId: t.taskId, channel: t.channel, payload: t.payload }));
    result.tasks = sent.length;
    result.timers = timers.length;
    if (result.errors > 0) this.logger.warn({ errors: result.errors }, 'rule expressions failed at run time');
    return { result, sent, flags };
  }

  /** Results feed back: attempts per segment and callee hour; connects and opt-outs per script. */
  private countFeedback(
    campaignId: string,
    fact: Fact,
    before: LeadHistory,
    lead: LeadFacts | undefined,
    hours: feedbackRepo.HourDelta[],
    scripts: feedbackRepo.ScriptDelta[],
  ): void {
    if (fact.event.type === 'attempts.completed') {
      const connected = fact.event.fields['outcome'] === 'connected' ? 1 : 0;
      const hour = Number(localTime(fact.event.occurredAtMs, lead?.timeZone ?? '', this.options.defaultZone).hour);
      hours.push({ campaignId, segment: segmentOf(lead?.tier), hour, attempts: 1, connected });
      if (connected && before.lastScript)
        scripts.push({ campaignId, script: before.lastScript, connected, complaints: 0 });
    } else if (fact.event.type === 'compliance.optout' && before.lastScript && !before.optedOut) {
      scripts.push({ campaignId, script: before.lastScript, connected: 0, complaints: 1 });
    }
  }
}

interface Prepared {
  facts: Fact[];
  ruleSets: Map<string, CompiledRuleSet | undefined>;
  leads: Map<string, LeadFacts>;
  stats: Map<string, LeadStats>;
}

function primitiveFields(fields: Readonly<Record<string, FieldValue>>): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {};
  for (const [k, v] of Object.entries(fields).slice(0, 64))
    out[k.slice(0, 64)] = typeof v === 'string' ? v.slice(0, 256) : v;
  return out;
}

/** The event payload of a task (tasks.call / tasks.sms), stored in the outbox as it will be sent. */
export function taskRow(ruleSet: CompiledRuleSet, campaignId: string, fact: Fact, task: PlannedTask): store.TaskRow {
  const reason = { ruleSetId: ruleSet.ruleSetId, ruleId: task.ruleId, version: ruleSet.version, trigger: task.trigger };
  const notBefore = task.notBeforeMs !== undefined ? { notBefore: new Date(task.notBeforeMs).toISOString() } : {};
  const payload =
    task.channel === 'call'
      ? {
          campaignId,
          leadId: fact.leadId,
          attemptId: task.taskId,
          taskId: task.taskId,
          priority: task.priority,
          ...(task.script ? { script: task.script } : {}),
          ...(task.lineClass ? { lineClass: task.lineClass } : {}),
          ...notBefore,
          reason,
        }
      : {
          taskId: task.taskId,
          campaignId,
          leadId: fact.leadId,
          template: task.smsTemplate ?? '',
          fields: primitiveFields(fact.event.fields),
          ...notBefore,
          reason,
        };
  // Sanity: the payload must pass the event's schema before it enters the outbox.
  (task.channel === 'call' ? events.callTask.schema : events.smsTask.schema).parse(payload);
  return {
    taskId: task.taskId,
    campaignId,
    leadId: fact.leadId,
    channel: task.channel,
    ruleSetId: ruleSet.ruleSetId,
    ruleId: task.ruleId,
    version: ruleSet.version,
    payload,
    ...(task.suppressedBy ? { suppressedBy: task.suppressedBy } : {}),
  };
}
