// The writes of one evaluation batch, all in one transaction: facts claimed (a redelivered event
// or a timer already fired changes nothing), lead histories locked and saved, timers and tasks
// inserted (ids derived from the fact, so inserts are idempotent); then tasks leave through the
// outbox (published, then marked).

import type { PoolClient, Pool } from '@outbound/store';
import type { EventFacts, LeadHistory } from '../../domain/variables.js';

export interface TimerRow {
  timerId: string;
  campaignId: string;
  leadId: string;
  ruleSetId: string;
  ruleId: string;
  event: EventFacts;
  dueAtMs: number;
}

export interface TaskRow {
  taskId: string;
  campaignId: string;
  leadId: string;
  channel: 'call' | 'sms';
  ruleSetId: string;
  ruleId: string;
  version: number;
  payload: Record<string, unknown>;
  suppressedBy?: string;
}

export interface OutboxRow {
  taskId: string;
  channel: 'call' | 'sms';
  payload: Record<string, unknown>;
}

interface RawState {
  lead_id: string;
  attempts: number;
  last_outcome: string;
  last_disposition: string;
  last_answered: boolean;
  last_attempt_at: string | null;
  tasks_day: string;
  tasks_today: number;
  last_task_at: string | null;
  refused_at: string | null;
  opted_out: boolean;
  last_script: string;
}

const ms = (t: string | null) => (t === null ? undefined : Date.parse(t));

function toHistory(r: RawState): LeadHistory {
  const lastAttemptAtMs = ms(r.last_attempt_at);
  const lastTaskAtMs = ms(r.last_task_at);
  const refusedAtMs = ms(r.refused_at);
  return {
    attempts: r.attempts,
    lastOutcome: r.last_outcome,
    lastDisposition: r.last_disposition,
    lastAnswered: r.last_answered,
    ...(lastAttemptAtMs !== undefined ? { lastAttemptAtMs } : {}),
    tasksDay: r.tasks_day,
    tasksToday: r.tasks_today,
    ...(lastTaskAtMs !== undefined ? { lastTaskAtMs } : {}),
    ...(refusedAtMs !== undefined ? { refusedAtMs } : {}),
    optedOut: r.opted_out,
    ...(r.last_script ? { lastScript: r.last_script } : {}),
  };
}

/**
 * One round trip: claim the facts' source ids (those seen before are left out of `claimed`), and
 * create-or-lock the histories of these leads in one campaign (in lead order, so concurrent
 * batches never deadlock), returning them.
 */
export async function claimAndLock(
  client: PoolClient,
  sourceIds: readonly string[],
  campaignId: string,
  leadIds: readonly string[],
): Promise<{ claimed: Set<string>; histories: Map<string, LeadHistory> }> {
  const ids = [...new Set(leadIds)].sort();
  const { rows } = await client.query<{ claimed: string[]; states: RawState[] }>(
    `WITH c AS (
       INSERT INTO inbox (source_id) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING RETURNING source_id
     ), s AS (
       INSERT INTO lead_state (campaign_id, lead_id) SELECT $2, unnest($3::text[]) ORDER BY 2
       ON CONFLICT (campaign_id, lead_id) DO UPDATE SET updated_at = lead_state.updated_at
       RETURNING lead_id, attempts, last_outcome, last_disposition, last_answered, last_attempt_at, tasks_day,
                 tasks_today, last_task_at, refused_at, opted_out, last_script
     )
     SELECT (SELECT coalesce(json_agg(source_id), '[]'::json) FROM c) AS claimed,
            (SELECT coalesce(json_agg(s), '[]'::json) FROM s) AS states`,
    [sourceIds, campaignId, ids],
  );
  const row = rows[0]!;
  return {
    claimed: new Set(row.claimed),
    histories: new Map(row.states.map((r) => [r.lead_id, toHistory(r)])),
  };
}

export interface HistoryRow {
  campaignId: string;
  leadId: string;
  history: LeadHistory;
}

const iso = (t: number | undefined) => (t === undefined ? null : new Date(t).toISOString());

/**
 * One round trip: histories saved, timers set, fired timers marked, tasks inserted. Returns the
 * task ids inserted now (a task id seen before is not sent again).
 */
export async function writeOutcome(
  client: PoolClient,
  outcome: {
    histories: HistoryRow[];
    timers: TimerRow[];
    tasks: TaskRow[];
    fired: Array<{ timerId: string; outcome: string }>;
    firedBy: string;
  },
): Promise<Set<string>> {
  const h = outcome.histories;
  const col = <T>(f: (x: LeadHistory) => T) => h.map((x) => f(x.history));
  const { timers, tasks, fired } = outcome;
  const { rows } = await client.query<{ task_id: string }>(
    `WITH u AS (
       UPDATE lead_state s SET attempts = u.attempts, last_outcome = u.last_outcome, last_disposition = u.last_disposition,
              last_answered = u.last_answered, last_attempt_at = u.last_attempt_at, tasks_day = u.tasks_day,
              tasks_today = u.tasks_today, last_task_at = u.last_task_at, refused_at = u.refused_at,
              opted_out = u.opted_out, last_script = u.last_script, updated_at = now()
         FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::bool[], $7::timestamptz[], $8::text[],
                     $9::int[], $10::timestamptz[], $11::timestamptz[], $12::bool[], $32::text[])
              AS u(campaign_id, lead_id, attempts, last_outcome, last_disposition, last_answered, last_attempt_at, tasks_day,
                   tasks_today, last_task_at, refused_at, opted_out, last_script)
        WHERE s.campaign_id = u.campaign_id AND s.lead_id = u.lead_id
       RETURNING 1
     ), tm AS (
       INSERT INTO timers (timer_id, campaign_id, lead_id, rule_set_id, rule_id, event, due_at)
       SELECT * FROM unnest($13::text[], $14::text[], $15::text[], $16::text[], $17::text[], $18::jsonb[], $19::timestamptz[])
       ON CONFLICT DO NOTHING
       RETURNING 1
     ), f AS (
       UPDATE timers t SET fired_at = now(), fired_by = $22, outcome = x.outcome
         FROM unnest($20::text[], $21::text[]) AS x(timer_id, outcome) WHERE t.timer_id = x.timer_id
       RETURNING 1
     ), k AS (
       INSERT INTO tasks (task_id, campaign_id, lead_id, channel, rule_set_id, rule_id, version, payload, suppressed_by)
       SELECT * FROM unnest($23::text[], $24::text[], $25::text[], $26::text[], $27::text[], $28::text[], $29::int[],
                            $30::jsonb[], $31::text[])
       ON CONFLICT DO NOTHING
       RETURNING task_id
     )
     SELECT task_id FROM k`,
    [
      h.map((x) => x.campaignId),
      h.map((x) => x.leadId),
      col((x) => x.attempts),
      col((x) => x.lastOutcome),
      col((x) => x.lastDisposition),
      col((x) => x.lastAnswered),
      col((x) => iso(x.lastAttemptAtMs)),
      col((x) => x.tasksDay),
      col((x) => x.tasksToday),
      col((x) => iso(x.lastTaskAtMs)),
      col((x) => iso(x.refusedAtMs)),
      col((x) => x.optedOut),
      timers.map((t) => t.timerId),
      timers.map((t) => t.campaignId),
      timers.map((t) => t.leadId),
      timers.map((t) => t.ruleSetId),
      timers.map((t) => t.ruleId),
      timers.map((t) => JSON.stringify(t.event)),
      timers.map((t) => new Date(t.dueAtMs).toISOString()),
      fired.map((x) => x.timerId),
      fired.map((x) => x.outcome),
      outcome.firedBy,
      tasks.map((t) => t.taskId),
      tasks.map((t) => t.campaignId),
      tasks.map((t) => t.leadId),
      tasks.map((t) => t.channel),
      tasks.map((t) => t.ruleSetId),
      tasks.map((t) => t.ruleId),
      tasks.map((t) => t.version),
      tasks.map((t) => JSON.stringify(t.payload)),
      tasks.map((t) => t.suppressedBy ?? null),
      col((x) => x.lastScript ?? ''),
    ],
  );
  return new Set(rows.map((r) => r.task_id));
}

export async function markPublished(pool: Pool, taskIds: string[]): Promise<void> {
  if (taskIds.length === 0) return;
  await pool.query('UPDATE tasks SET published_at = now() WHERE task_id = ANY ($1::text[])', [taskIds]);
}

/** Tasks written but not yet published, oldest first (after a crash between commit and publish). */
export async function unpublished(pool: Pool, olderThanMs: number, limit: number): Promise<OutboxRow[]> {
  const { rows } = await pool.query<{ task_id: string; channel: 'call' | 'sms'; payload: Record<string, unknown> }>(
    `SELECT task_id, channel, payload FROM tasks
      WHERE published_at IS NULL AND suppressed_by IS NULL AND created_at < now() - make_interval(secs => $1::double precision / 1000)
      ORDER BY created_at LIMIT $2`,
    [olderThanMs, limit],
  );
  return rows.map((r) => ({ taskId: r.task_id, channel: r.channel, payload: r.payload }));
}

export interface DueTimer {
  timerId: string;
  campaignId: string;
  leadId: string;
  ruleSetId: string;
  ruleId: string;
  event: EventFacts;
  dueAtMs: number;
}

/** Due timers no other replica holds, locked until the caller's transaction ends. */
export async function takeDueTimers(client: PoolClient, nowMs: number, limit: number): Promise<DueTimer[]> {
  const { rows } = await client.query<{
    timer_id: string;
    campaign_id: string;
    lead_id: string;
    rule_set_id: string;
    rule_id: string;
    event: EventFacts;
    due_at: Date;
  }>(
    `SELECT timer_id, campaign_id, lead_id, rule_set_id, rule_id, event, due_at FROM timers
      WHERE fired_at IS NULL AND due_at <= $1 ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
    [new Date(nowMs).toISOString(), limit],
  );
  return rows.map((r) => ({
    timerId: r.timer_id,
    campaignId: r.campaign_id,
    leadId: r.lead_id,
    ruleSetId: r.rule_set_id,
    ruleId: r.rule_id,
    event: r.event,
    dueAtMs: r.due_at.getTime(),
  }));
}

export async function pendingTimerCount(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM timers WHERE fired_at IS NULL');
  return Number(rows[0]?.n ?? 0);
}

/**
 * Housekeeping: claimed facts older than the bus's replay horizon, fired timers and sent or
 * suppressed tasks older than `keepMs` (counters and lead state are kept).
 */
export async function pruneOld(pool: Pool, inboxMs: number, keepMs: number): Promise<number> {
  let removed = 0;
  for (const [sql, ms] of [
    ['DELETE FROM inbox WHERE received_at < now() - make_interval(secs => $1::double precision / 1000)', inboxMs],
    ['DELETE FROM timers WHERE fired_at < now() - make_interval(secs => $1::double precision / 1000)', keepMs],
    [
      `DELETE FROM tasks WHERE created_at < now() - make_interval(secs => $1::double precision / 1000)
          AND (published_at IS NOT NULL OR suppressed_by IS NOT NULL)`,
      keepMs,
    ],
  ] as const) {
    const result = await pool.query(sql, [ms]);
    removed += result.rowCount ?? 0;
  }
  return removed;
}
