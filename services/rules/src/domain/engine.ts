// Evaluation of one compiled rule set for one lead and one fact (an event or a timer): which
// triggers and retries fire now or later, the priority, script and line class of each task, and
// what the frequency rules (and the built-in stops) leave of them. Pure and deterministic: the
// clock, the history and the ids of the source come in; task and timer ids are derived from them,
// so evaluating the same fact twice gives the same ids (the bus and the tables drop the repeat).

import { createHash } from 'node:crypto';
import type { CompiledRule, CompiledRuleSet, Evaluator } from './compile.js';
import type { Channel, RuleKind } from './rules.js';
import { buildScope, type EventFacts, type LeadFacts, type LeadHistory, type Scope } from './variables.js';

export interface EvaluationInput {
  ruleSet: CompiledRuleSet;
  lead: LeadFacts;
  history: LeadHistory;
  event: EventFacts;
  /** Stable id of the fact for this lead (event id + lead id, or the timer id). */
  sourceId: string;
  nowMs: number;
  defaultZone: string;
  /** Set when a timer fires: only the rule that set it is evaluated. */
  timerRuleId?: string;
  /** The run-time stop: tasks per lead per day whatever the rules say. */
  hardCapPerDay: number;
  /** Record every condition's value (dry runs). */
  explain?: boolean;
  /** Feedback for the lead's segment at this hour (`stats.*`). */
  stats?: { connectRate: number; isBestHour: boolean };
}

export interface ConditionTrace {
  ruleId: string;
  kind: RuleKind;
  expression: string;
  value: string;
  fired: boolean;
  error: string;
  note: string;
}

export interface PlannedTask {
  taskId: string;
  channel: Channel;
  ruleId: string;
  trigger: string;
  priority: number;
  script?: string;
  lineClass?: string;
  notBeforeMs?: number;
  smsTemplate?: string;
  /** Set when a frequency rule or a built-in stop keeps the task from going out. */
  suppressedBy?: string;
}

export interface PlannedTimer {
  timerId: string;
  ruleId: string;
  dueAtMs: number;
}

export interface Decision {
  tasks: PlannedTask[];
  timers: PlannedTimer[];
  conditions: ConditionTrace[];
  /** Callee local date (per-day counts). */
  localDate: string;
  /** Expressions that failed at run time (logged and counted by the caller). */
  errors: number;
  /** CEL expressions evaluated. */
  evaluations: number;
}

export const DEFAULT_PRIORITY = 50;
const OWN_RESULTS = new Set(['attempts.completed', 'calls.answered', 'calls.hangup', 'calls.abandoned']);

/** A subject-safe id derived from its parts (sha-256, 128 bits, base64url). */
export function derivedId(prefix: string, ...parts: string[]): string {
  return `${prefix}${createHash('sha256').update(parts.join('\u0000')).digest('base64url').slice(0, 22)}`;
}

type Outcome = { value: unknown; error?: undefined } | { value?: undefined; error: string };

function run(evaluate: Evaluator | undefined, scope: Scope): Outcome {
  if (!evaluate) return { value: true };
  try {
    return { value: evaluate(scope) };
  } catch (error) {
    return { error: error instanceof Error ? (error.message.split('\n')[0] ?? 'error') : String(error) };
  }
}

function show(value: unknown): string {
  if (typeof value === 'bigint') return value.toString();
  if (value === undefined) return '';
  try {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? typeof value;
  } catch {
    return typeof value;
  }
}

class Run {
  readonly conditions: ConditionTrace[] = [];
  errors = 0;
  evaluations = 0;
  constructor(
    readonly scope: Scope,
    readonly explain: boolean,
  ) {}

  /** The rule's `when`: true, false, or an error (counted as false). */
  holds(rule: CompiledRule, note = ''): boolean {
    if (rule.when) this.evaluations++;
    const outcome = run(rule.when, this.scope);
    const ok = outcome.error === undefined && outcome.value === true;
    let error = outcome.error ?? '';
    if (outcome.error === undefined && typeof outcome.value !== 'boolean') error = 'condition is not a bool';
    if (error) this.errors++;
    if (this.explain)
      this.conditions.push({
        ruleId: rule.def.id,
        kind: rule.def.kind,
        expression: rule.def.when,
        value: error ? '' : show(outcome.value ?? true),
        fired: false,
        error,
        note,
      });
    return ok && !error;
  }

  mark(ruleId: string, fired: boolean, note?: string): void {
    if (!this.explain) return;
    for (let i = this.conditions.length - 1; i >= 0; i--) {
      const c = this.conditions[i]!;
      if (c.ruleId === ruleId) {
        c.fired = fired;
        if (note) c.note = note;
        return;
      }
    }
  }

  noteOnly(rule: CompiledRule, note: string): void {
    if (this.explain)
      this.conditions.push({
        ruleId: rule.def.id,
        kind: rule.def.kind,
        expression: rule.def.when,
        value: '',
        fired: false,
        error: '',
        note,
      });
  }
}

export function evaluate(input: EvaluationInput): Decision {
  const { ruleSet, history, event, nowMs } = input;
  const scope = buildScope(input.lead, history, event, nowMs, input.defaultZone, input.stats);
  const r = new Run(scope, input.explain ?? false);
  const tasks: PlannedTask[] = [];
  const timers: PlannedTimer[] = [];
  const trigger = input.timerRuleId !== undefined ? `timer:${event.type}` : event.type;

  const addTask = (rule: CompiledRule) => {
    const channel = rule.def.channel;
    tasks.push({
      taskId: derivedId('t', input.sourceId, rule.def.id, channel, ruleSet.ruleSetId),
      channel,
      ruleId: rule.def.id,
      trigger,
      priority: DEFAULT_PRIORITY,
      ...(channel === 'sms' ? { smsTemplate: rule.def.smsTemplate } : {}),
    });
  };
  const addTimer = (rule: CompiledRule, dueAtMs: number) =>
    timers.push({
      timerId: derivedId('w', input.sourceId, rule.def.id, ruleSet.ruleSetId),
      ruleId: rule.def.id,
      dueAtMs,
    });

  if (input.timerRuleId !== undefined) {
    const rule = ruleSet.rules.find((x) => x.def.id === input.timerRuleId);
    if (rule && !rule.def.disabled && (rule.def.kind === 'trigger' || rule.def.kind === 'retry')) {
      const bounded = rule.def.maxAttempts > 0 && (rule.def.kind === 'retry' || OWN_RESULTS.has(event.type));
      if (bounded && history.attempts >= rule.def.maxAttempts)
        r.noteOnly(rule, `max attempts (${rule.def.maxAttempts}) reached`);
      else if (r.holds(rule, 'elapsed-time trigger due')) {
        addTask(rule);
        r.mark(rule.def.id, true);
      }
    }
  } else {
    for (const rule of ruleSet.rules) {
      const def = rule.def;
      if (def.disabled) continue;
      if (def.kind === 'trigger') {
        if (!def.on.includes(event.type)) continue;
        if (OWN_RESULTS.has(event.type) && def.maxAttempts > 0 && history.attempts >= def.maxAttempts) {
          r.noteOnly(rule, `max attempts (${def.maxAttempts}) reached`);
          continue;
        }
        if (!r.holds(rule)) continue;
        if (def.afterMinutes > 0) {
          addTimer(rule, event.occurredAtMs + def.afterMinutes * 60_000);
          r.mark(def.id, true, `scheduled: checked again ${def.afterMinutes} min after the event`);
        } else {
          addTask(rule);
          r.mark(def.id, true);
        }
      } else if (def.kind === 'retry') {
        if (event.type !== 'attempts.completed') continue;
        const outcome = String(event.fields['outcome'] ?? '');
        if (!(def.outcomes as readonly string[]).includes(outcome)) continue;
        if (history.attempts >= def.maxAttempts) {
          r.noteOnly(rule, `max attempts (${def.maxAttempts}) reached`);
          continue;
        }
        if (!r.holds(rule)) continue;
        if (def.delayMinutes > 0) {
          addTimer(rule, event.occurredAtMs + def.delayMinutes * 60_000);
          r.mark(def.id, true, `scheduled: ${def.delayMinutes} min after the attempt`);
        } else {
          addTask(rule);
          r.mark(def.id, true);
        }
      }
    }
  }

  if (tasks.length > 0) {
    shape(ruleSet, tasks, r);
    limit(ruleSet, tasks, r, input);
  }
  return {
    tasks,
    timers,
    conditions: r.conditions,
    localDate: scope.localDate,
    errors: r.errors,
    evaluations: r.evaluations,
  };
}

/** Priority and matching: the first rule whose condition holds decides each attribute. */
function shape(ruleSet: CompiledRuleSet, tasks: PlannedTask[], r: Run): void {
  let priority: number | undefined;
  let script: string | undefined;
  let lineClass: string | undefined;
  for (const rule of ruleSet.rules) {
    const def = rule.def;
    if (def.disabled) continue;
    if (def.kind === 'priority' && priority === undefined) {
      if (!r.holds(rule)) continue;
      r.evaluations++;
      const outcome = run(rule.priority, r.scope);
      const value =
        typeof outcome.value === 'bigint'
          ? Number(outcome.value)
          : typeof outcome.value === 'number'
            ? outcome.value
            : NaN;
      if (outcome.error !== undefined || !Number.isFinite(value)) {
        r.errors++;
        r.mark(def.id, false, `priority failed: ${outcome.error ?? 'not a number'}`);
        continue;
      }
      priority = Math.max(0, Math.min(100, Math.round(value)));
      r.mark(def.id, true, `priority ${priority}`);
    } else if (def.kind === 'matching' && (script === undefined || lineClass === undefined)) {
      if (!r.holds(rule)) continue;
      const chosen = def.script || ruleSet.scripts.find((s) => def.scriptTags.every((t) => s.tags.includes(t)))?.id;
      const used: string[] = [];
      if (script === undefined && chosen && (def.script || def.scriptTags.length > 0)) {
        script = chosen;
        used.push(`script ${chosen}`);
      }
      if (lineClass === undefined && def.lineClass) {
        lineClass = def.lineClass;
        used.push(`line ${def.lineClass}`);
      }
      r.mark(def.id, used.length > 0, used.join(', ') || 'attributes already chosen');
    }
  }
  for (const task of tasks) {
    task.priority = priority ?? DEFAULT_PRIORITY;
    if (task.channel === 'call') {
      if (script !== undefined) task.script = script;
      if (lineClass !== undefined) task.lineClass = lineClass;
    }
  }
}

/** Frequency rules and the built-in stops (opted out, not callable, the hard cap per day). */
function limit(ruleSet: CompiledRuleSet, tasks: PlannedTask[], r: Run, input: EvaluationInput): void {
  const { history, nowMs } = input;
  const scope = r.scope;
  const caps = ruleSet.rules.filter((x) => x.def.kind === 'frequency' && !x.def.disabled && r.holds(x));
  let today = Number(scope.lead.tasksToday);
  let lastTaskAtMs = history.lastTaskAtMs;
  for (const task of tasks) {
    if (history.optedOut) {
      task.suppressedBy = 'opted_out';
      continue;
    }
    const status = input.lead.status;
    if (status && status !== 'CALLABLE') {
      task.suppressedBy = `lead_status:${status}`;
      continue;
    }
    if (today >= input.hardCapPerDay) {
      task.suppressedBy = 'hard_cap';
      continue;
    }
    for (const cap of caps) {
      const def = cap.def;
      if (def.maxPerDay > 0 && today >= def.maxPerDay) task.suppressedBy = def.id;
      else if (
        def.quietAfterRefusalMinutes > 0 &&
        history.refusedAtMs !== undefined &&
        nowMs - history.refusedAtMs < def.quietAfterRefusalMinutes * 60_000
      )
        task.suppressedBy = def.id;
      else if (def.minGapMinutes > 0 && lastTaskAtMs !== undefined && nowMs - lastTaskAtMs < def.minGapMinutes * 60_000)
        task.notBeforeMs = Math.max(task.notBeforeMs ?? 0, lastTaskAtMs + def.minGapMinutes * 60_000);
      else continue;
      r.mark(def.id, true, task.suppressedBy ? `stopped task of ${task.ruleId}` : `delayed task of ${task.ruleId}`);
      if (task.suppressedBy) break;
    }
    if (!task.suppressedBy) {
      today++;
      lastTaskAtMs = Math.max(lastTaskAtMs ?? 0, task.notBeforeMs ?? nowMs);
    }
  }
}
