// PostgreSQL `attempts`: one row per call attempt with its timeline, written together with the
// lead's row in `campaign_leads`. The partial unique index (one open attempt per lead and
// campaign) is the database's own guard against dialing a lead twice at once.

import { InvalidArgumentError, NotFoundError } from '@outbound/errors';
import { GroupCommit, type Pool } from '@outbound/store';
import { NOT_PLACED_CAUSES } from '../../domain/call-outcome.js';
import type { Attempt, AttemptOutcome, DialMode, Disposition } from '../../domain/model.js';
import {
  StaleOwnerError,
  type AnsweredGroup,
  type AttemptFacts,
  type AttemptGrouping,
  type AttemptPatch,
  type AttemptStore,
  type AttemptSummaryQuery,
  type AttemptTally,
  type BeginAttempt,
  type BegunAttempt,
  type FinishAttempt,
  type ListAttempts,
  type Page,
} from '../../use-cases/ports.js';
import { decodeCursor, encodeCursor, tableOf } from './sql-names.js';

interface Row {
  attempt_id: string;
  campaign_id: string;
  lead_id: string;
  attempt_number: number;
  dial_mode: DialMode;
  outcome: AttemptOutcome | null;
  compliance_check_id: string | null;
  denial_reasons: string[];
  caller_id: string | null;
  line: string | null;
  call_id: string | null;
  node: string | null;
  agent_id: string | null;
  agent_call_id: string | null;
  amd_verdict: Attempt['amdVerdict'] | null;
  hangup_cause: string | null;
  sip_status: number | null;
  billsec: number | null;
  digits: string | null;
  queued_at: Date;
  checked_at: Date | null;
  originated_at: Date | null;
  ringing_at: Date | null;
  answered_at: Date | null;
  amd_at: Date | null;
  bridged_at: Date | null;
  abandoned_at: Date | null;
  ended_at: Date | null;
  disposition: (Omit<Disposition, 'followUpAt' | 'setAt'> & { followUpAt?: string; setAt: string }) | null;
  next_attempt_at: Date | null;
  traceparent: string | null;
}

const COLUMNS = `attempt_id, campaign_id, lead_id, attempt_number, dial_mode, outcome, compliance_check_id,
  denial_reasons, caller_id, line, call_id, node, agent_id, agent_call_id, amd_verdict, hangup_cause, sip_status, billsec,
  digits, queued_at, checked_at, originated_at, ringing_at, answered_at, amd_at, bridged_at, abandoned_at, ended_at,
  disposition, next_attempt_at, traceparent`;

/** A newest-first page position: `n:<queued_at in epoch microseconds>:<attempt id>`. */
const NEWEST_POSITION = /^n:(-?\d{1,20}):(.+)$/s;

/** Optional fields: present only when the row holds a value. */
function some<K extends string, V>(key: K, value: V | null): { [P in K]?: V } {
  return (value === null ? {} : { [key]: value }) as { [P in K]?: V };
}

function dispositionOf(stored: NonNullable<Row['disposition']>): Disposition {
  const { followUpAt, setAt, ...rest } = stored;
  return { ...rest, setAt: new Date(setAt), ...(followUpAt === undefined ? {} : { followUpAt: new Date(followUpAt) }) };
}

function toAttempt(r: Row): Attempt {
  return {
    attemptId: r.attempt_id,
    campaignId: r.campaign_id,
    leadId: r.lead_id,
    attemptNumber: r.attempt_number,
    dialMode: r.dial_mode,
    denialReasons: r.denial_reasons,
    ...some('outcome', r.outcome),
    ...some('complianceCheckId', r.compliance_check_id),
    ...some('callerId', r.caller_id),
    ...some('line', r.line),
    ...some('callId', r.call_id),
    ...some('node', r.node),
    ...some('agentId', r.agent_id),
    ...some('agentCallId', r.agent_call_id),
    ...some('amdVerdict', r.amd_verdict),
    ...some('hangupCause', r.hangup_cause),
    ...some('sipStatus', r.sip_status),
    ...some('billsec', r.billsec),
    ...some('digits', r.digits),
    ...some('nextAttemptAt', r.next_attempt_at),
    ...some('traceparent', r.traceparent),
    ...(r.disposition === null ? {} : { disposition: dispositionOf(r.disposition) }),
    timeline: {
      queuedAt: r.queued_at,
      ...some('checkedAt', r.checked_at),
      ...some('originatedAt', r.originated_at),
      ...some('ringingAt', r.ringing_at),
      ...some('answeredAt', r.answered_at),
      ...some('amdAt', r.amd_at),
      ...some('bridgedAt', r.bridged_at),
      ...some('abandonedAt', r.abandoned_at),
      ...some('endedAt', r.ended_at),
    },
  };
}

/** Patch field → column and its type; every recorded fact keeps its first value. */
const PATCH_COLUMNS: Readonly<Record<keyof AttemptPatch, readonly [column: string, type: string]>> = {
  complianceCheckId: ['compliance_check_id', 'text'],
  denialReasons: ['denial_reasons', 'text[]'],
  callerId: ['caller_id', 'text'],
  line: ['line', 'text'],
  callId: ['call_id', 'text'],
  node: ['node', 'text'],
  agentId: ['agent_id', 'text'],
  agentCallId: ['agent_call_id', 'text'],
  amdVerdict: ['amd_verdict', 'text'],
  digits: ['digits', 'text'],
  checkedAt: ['checked_at', 'timestamptz'],
  originatedAt: ['originated_at', 'timestamptz'],
  ringingAt: ['ringing_at', 'timestamptz'],
  answeredAt: ['answered_at', 'timestamptz'],
  amdAt: ['amd_at', 'timestamptz'],
  bridgedAt: ['bridged_at', 'timestamptz'],
  abandonedAt: ['abandoned_at', 'timestamptz'],
  bridgeRequestedAt: ['bridge_requested_at', 'timestamptz'],
  agentReadyAt: ['agent_ready_at', 'timestamptz'],
};
const PATCH_ENTRIES = Object.entries(PATCH_COLUMNS) as Array<[keyof AttemptPatch, readonly [string, string]]>;

/** Patches of one attempt in one write, merged as applying them in turn would: the first value of each field stays. */
function mergePatches(patches: ReadonlyArray<{ attemptId: string; patch: AttemptPatch }>): Map<string, AttemptPatch> {
  const merged = new Map<string, Record<string, unknown>>();
  for (const { attemptId, patch } of patches) {
    const into = merged.get(attemptId) ?? {};
    for (const [key, value] of Object.entries(patch)) {
      if (value === undefined || into[key] !== undefined) continue;
      // Denial reasons are written only into an empty list: an empty one leaves room for the next.
      if (key === 'denialReasons' && (value as readonly string[]).length === 0) continue;
      into[key] = value;
    }
    merged.set(attemptId, into);
  }
  return merged;
}

export class SqlAttemptStore implements AttemptStore {
  private readonly table: string;
  private readonly leads: string;
  private readonly campaigns: string;
  private readonly recordSql: string;
  private readonly beginSql: string;
  private readonly finishSql: string;
  private readonly summarySql: Readonly<Record<AttemptGrouping, string>>;
  private readonly patches = new GroupCommit<{ attemptId: string; patch: AttemptPatch }>((patches) =>
    this.recordMany(patches),
  );
  private readonly published = new GroupCommit<string>(async (attemptIds) => {
    await this.pool.query(`UPDATE ${this.table} SET completed_published = true WHERE attempt_id = ANY($1::text[])`, [
      attemptIds,
    ]);
  });

  constructor(
    private readonly pool: Pool,
    schema: string,
  ) {
    this.table = tableOf(schema, 'attempts');
    this.leads = tableOf(schema, 'campaign_leads');
    this.campaigns = tableOf(schema, 'campaigns');
    // One row of patched fields per attempt (absent: null); a field is written only where it is still empty.
    const sets = PATCH_ENTRIES.map(([key, [column]]) =>
      key === 'denialReasons'
        ? `${column} = CASE WHEN cardinality(a.${column}) = 0 AND v.${column} IS NOT NULL THEN v.${column} ELSE a.${column} END`
        : `${column} = COALESCE(a.${column}, v.${column})`,
    );
    const fields = PATCH_ENTRIES.map(([, [column, type]]) => `${column} ${type}`);
    this.recordSql = `UPDATE ${this.table} AS a SET ${sets.join(', ')}
      FROM jsonb_to_recordset($1::jsonb) AS v(attempt_id text, ${fields.join(', ')})
      WHERE a.attempt_id = v.attempt_id`;
    this.beginSql = `WITH fence AS (
        SELECT owner_fence FROM ${this.campaigns} WHERE campaign_id = $1 AND $6::bigint IS NOT NULL FOR SHARE
      ), lead AS (
        UPDATE ${this.leads} SET status = 'in_flight', attempts = attempts + 1, updated_at = now()
         WHERE campaign_id = $1 AND lead_id = $2 AND status = 'open'
           AND ($6::bigint IS NULL OR COALESCE((SELECT owner_fence FROM fence), 0) <= $6::bigint)
           AND NOT EXISTS (SELECT 1 FROM ${this.table} WHERE campaign_id = $1 AND lead_id = $2 AND ended_at IS NULL)
        RETURNING attempts, agent_id, line_class
      ), added AS (
        INSERT INTO ${this.table} (attempt_id, campaign_id, lead_id, attempt_number, dial_mode, traceparent)
        SELECT $3, $1, $2, attempts, $4, $5 FROM lead
        ON CONFLICT DO NOTHING
        RETURNING ${COLUMNS}
      )
      SELECT (SELECT owner_fence FROM fence) AS owner_fence, (SELECT attempts FROM lead) AS lead_attempts,
             (SELECT agent_id FROM lead) AS lead_agent_id, (SELECT line_class FROM lead) AS lead_line_class, added.*
        FROM (VALUES (1)) AS one LEFT JOIN added ON true`;
    this.finishSql = `WITH ended AS (
        UPDATE ${this.table}
           SET outcome = $2, ended_at = $3, hangup_cause = COALESCE(hangup_cause, $4),
               sip_status = COALESCE(sip_status, $5), billsec = COALESCE(billsec, $6), next_attempt_at = $7
         WHERE attempt_id = $1 AND ended_at IS NULL
        RETURNING ${COLUMNS}
      ), lead AS (
        UPDATE ${this.leads} AS c
           SET status = CASE WHEN $7::timestamptz IS NULL THEN 'closed' ELSE 'open' END,
               next_attempt_at = COALESCE($7::timestamptz, c.next_attempt_at),
               closed_reason = CASE WHEN $7::timestamptz IS NULL THEN $8::text ELSE c.closed_reason END,
               updated_at = now()
          FROM ended AS e
         WHERE c.campaign_id = e.campaign_id AND c.lead_id = e.lead_id
           AND CASE WHEN $7::timestamptz IS NULL THEN c.status <> 'closed' ELSE c.status = 'in_flight' END
        RETURNING 1
      )
      SELECT * FROM ended`;
    // The time an attempt counts at: its dial, or its queueing when it was never dialled
    // (migration 0007 indexes it with the campaign, and the agent's calls by campaign and time).
    const at = 'COALESCE(a.originated_at, a.queued_at)';
    const keys: Record<AttemptGrouping, { key: string; hour: string; join: string }> = {
      campaign: { key: 'a.campaign_id', hour: 'NULL::timestamptz', join: '' },
      agent: { key: "COALESCE(a.agent_id, '')", hour: 'NULL::timestamptz', join: '' },
      line: {
        key: "COALESCE(NULLIF(a.line, ''), c.settings->>'gateway', '')",
        hour: 'NULL::timestamptz',
        join: `LEFT JOIN ${this.campaigns} AS c ON c.campaign_id = a.campaign_id`,
      },
      hour: { key: "''", hour: `date_trunc('hour', ${at}, 'UTC')`, join: '' },
    };
    const summary = ({ key, hour, join }: { key: string; hour: string; join: string }): string =>
      `SELECT ${key} AS key, ${hour} AS hour,
          count(*) FILTER (WHERE a.outcome IS NOT NULL AND a.outcome <> 'denied') AS dials,
          count(*) FILTER (WHERE a.outcome = 'connected') AS connects,
          COALESCE(sum(a.billsec) FILTER (WHERE a.outcome = 'connected'), 0) AS talk_seconds,
          count(*) FILTER (WHERE a.outcome = 'abandoned') AS abandoned,
          count(*) FILTER (WHERE a.outcome = 'machine') AS machines,
          count(*) FILTER (WHERE a.disposition->>'intent' = 'A') AS intent_a,
          count(*) FILTER (WHERE a.disposition->>'intent' = 'B') AS intent_b,
          count(*) FILTER (WHERE a.disposition->>'intent' = 'C') AS intent_c,
          count(*) FILTER (WHERE a.disposition->>'code' = ANY($5::text[])) AS conversions
        FROM ${this.table} AS a ${join}
       WHERE a.campaign_id = ANY($1::text[])
         AND ($2::text IS NULL OR a.agent_id = $2)
         AND ($3::timestamptz IS NULL OR ${at} >= $3)
         AND ($4::timestamptz IS NULL OR ${at} < $4)
       GROUP BY 1, 2 ORDER BY 2, 1`;
    this.summarySql = {
      campaign: summary(keys.campaign),
      agent: summary(keys.agent),
      line: summary(keys.line),
      hour: summary(keys.hour),
    };
  }

  /**
   * One statement (it runs on every dial): the fence read FOR SHARE (a new owner raising the fence
   * waits for this attempt, and this one sees its fence), the lead taken if open and without an
   * open attempt, and the attempt inserted, atomically.
   */
  async begin(a: BeginAttempt): Promise<BegunAttempt | undefined> {
    const { rows } = await this.pool.query<
      (Row | { [K in keyof Row]: null }) & {
        owner_fence: string | null;
        lead_attempts: number | null;
        lead_agent_id: string | null;
        lead_line_class: string | null;
      }
    >(this.beginSql, [a.campaignId, a.leadId, a.attemptId, a.dialMode, a.traceparent ?? null, a.fence ?? null]);
    const row = rows[0]!;
    if (a.fence !== undefined && Number(row.owner_fence ?? 0) > a.fence) throw new StaleOwnerError(a.campaignId);
    if (row.lead_attempts === null) return undefined;
    if (row.attempt_id !== null)
      return {
        attempt: toAttempt(row),
        lead: { ...some('agentId', row.lead_agent_id), ...some('lineClass', row.lead_line_class) },
      };
    // The insert met a conflict (a race the NOT EXISTS could not see): the lead keeps its open
    // attempt and this try is not counted.
    await this.pool.query(`UPDATE ${this.leads} SET attempts = attempts - 1 WHERE campaign_id = $1 AND lead_id = $2`, [
      a.campaignId,
      a.leadId,
    ]);
    return undefined;
  }

  async facts(campaignId: string): Promise<AttemptFacts[]> {
    const { rows } = await this.pool.query<{
      attempt_id: string;
      lead_id: string;
      dialed: boolean;
      ringing: boolean;
      answered: boolean;
      machine: boolean;
      connected: boolean;
      abandoned: boolean;
      hangup_cause: string | null;
      denial_reasons: string[];
      agent_id: string | null;
      open: boolean;
    }>(
      `SELECT attempt_id, lead_id, denial_reasons, hangup_cause, agent_id,
          compliance_check_id IS NOT NULL AND cardinality(denial_reasons) = 0 AS dialed,
          ringing_at IS NOT NULL AS ringing, answered_at IS NOT NULL AS answered,
          amd_verdict = 'machine' AS machine, bridged_at IS NOT NULL AS connected,
          abandoned_at IS NOT NULL AS abandoned, ended_at IS NULL AS open
        FROM ${this.table} WHERE campaign_id = $1`,
      [campaignId],
    );
    return rows.map((r) => ({
      attemptId: r.attempt_id,
      leadId: r.lead_id,
      dialed: r.dialed,
      ringing: r.ringing,
      answered: r.answered,
      machine: r.machine === true,
      connected: r.connected,
      abandoned: r.abandoned,
      ...(!r.answered && r.hangup_cause ? { failedCause: r.hangup_cause } : {}),
      deniedReasons: r.denial_reasons,
      ...(r.open && r.connected && r.agent_id ? { talkingAgentId: r.agent_id } : {}),
      open: r.open,
    }));
  }

  /** Group-committed: under load, the facts of many calls go to PostgreSQL in one statement. */
  async record(attemptId: string, patch: AttemptPatch): Promise<void> {
    if (!Object.values(patch).some((value) => value !== undefined)) return;
    await this.patches.add({ attemptId, patch });
  }

  private async recordMany(patches: ReadonlyArray<{ attemptId: string; patch: AttemptPatch }>): Promise<void> {
    const rows = [...mergePatches(patches)].map(([attemptId, patch]) => {
      const row: Record<string, unknown> = { attempt_id: attemptId };
      for (const [key, [column]] of PATCH_ENTRIES) if (patch[key] !== undefined) row[column] = patch[key];
      return row;
    });
    await this.pool.query(this.recordSql, [JSON.stringify(rows)]);
  }

  /** One statement: the attempt ended and its lead due again or closed, atomically. */
  async finish(attemptId: string, end: FinishAttempt): Promise<Attempt | undefined> {
    const retryAt = 'retryAt' in end.lead ? end.lead.retryAt : null;
    const closeReason = 'closeReason' in end.lead ? end.lead.closeReason : null;
    const { rows } = await this.pool.query<Row>(this.finishSql, [
      attemptId,
      end.outcome,
      end.endedAt,
      end.hangupCause ?? null,
      end.sipStatus ?? null,
      end.billsec ?? null,
      retryAt,
      closeReason,
    ]);
    return rows[0] === undefined ? undefined : toAttempt(rows[0]);
  }

  async get(attemptId: string): Promise<Attempt | undefined> {
    const { rows } = await this.pool.query<Row>(`SELECT ${COLUMNS} FROM ${this.table} WHERE attempt_id = $1`, [
      attemptId,
    ]);
    return rows[0] === undefined ? undefined : toAttempt(rows[0]);
  }

  async byCallId(callId: string): Promise<Attempt | undefined> {
    const { rows } = await this.pool.query<Row>(`SELECT ${COLUMNS} FROM ${this.table} WHERE call_id = $1`, [callId]);
    return rows[0] === undefined ? undefined : toAttempt(rows[0]);
  }

  /**
   * A page of the campaign's attempts, by attempt id or newest first. Newest first pages on
   * (queued_at, attempt_id) with the time in whole microseconds, as PostgreSQL keeps it (a
   * millisecond Date would skip or repeat rows at a page's edge); its tokens say they are.
   */
  async list(options: ListAttempts): Promise<Page<Attempt>> {
    const position = options.pageToken ? decodeCursor(options.pageToken) : '';
    const newest = options.newestFirst === true;
    const at = position ? NEWEST_POSITION.exec(position) : null;
    if (position === undefined || (position !== '' && newest !== (at !== null)))
      throw InvalidArgumentError.field('page.page_token', 'is not a token this server gave for this order');
    const params: unknown[] = [options.campaignId];
    const where = ['campaign_id = $1'];
    const param = (value: unknown): string => `$${String(params.push(value))}`;
    if (options.leadId !== undefined) where.push(`lead_id = ${param(options.leadId)}`);
    if (options.outcome !== undefined) where.push(`outcome = ${param(options.outcome)}`);
    if (options.followUpsOfAgent !== undefined) {
      const agent = param(options.followUpsOfAgent);
      where.push(`disposition ? 'followUpAt' AND (agent_id = ${agent} OR disposition->>'agentId' = ${agent})`);
    }
    if (at !== null)
      where.push(
        `(queued_at, attempt_id) < ('epoch'::timestamptz + ${param(at[1])}::bigint * interval '1 microsecond', ${param(at[2])})`,
      );
    else if (position) where.push(`attempt_id > ${param(position)}`);
    const order = newest ? 'queued_at DESC, attempt_id DESC' : 'attempt_id';
    const { rows } = await this.pool.query<Row & { queued_us: string }>(
      `SELECT ${COLUMNS}, (extract(epoch FROM queued_at) * 1000000)::bigint::text AS queued_us
         FROM ${this.table} WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ${param(options.pageSize + 1)}`,
      params,
    );
    const page = rows.slice(0, options.pageSize);
    const last = page[page.length - 1];
    const items = page.map(toAttempt);
    if (rows.length <= options.pageSize || last === undefined) return { items };
    return { items, next: encodeCursor(newest ? `n:${last.queued_us}:${last.attempt_id}` : last.attempt_id) };
  }

  /**
   * Report tallies in one statement: the rows are counted where they are. An attempt without a
   * line counts under its campaign's gateway (attempts from before the dialer kept the line).
   */
  async summarize(query: AttemptSummaryQuery): Promise<AttemptTally[]> {
    const { rows } = await this.pool.query<{
      key: string;
      hour: Date | null;
      dials: string;
      connects: string;
      talk_seconds: string;
      abandoned: string;
      machines: string;
      intent_a: string;
      intent_b: string;
      intent_c: string;
      conversions: string;
    }>(this.summarySql[query.groupBy], [
      query.campaignIds,
      query.agentId ?? null,
      query.from ?? null,
      query.to ?? null,
      query.conversionCodes,
    ]);
    return rows.map((r) => ({
      key: r.key,
      ...(r.hour === null ? {} : { hour: r.hour }),
      dials: Number(r.dials),
      connects: Number(r.connects),
      talkSeconds: Number(r.talk_seconds),
      abandoned: Number(r.abandoned),
      machines: Number(r.machines),
      intents: { A: Number(r.intent_a), B: Number(r.intent_b), C: Number(r.intent_c) },
      conversions: Number(r.conversions),
    }));
  }

  async open(campaignId: string): Promise<Attempt[]> {
    const { rows } = await this.pool.query<Row>(
      `SELECT ${COLUMNS} FROM ${this.table} WHERE campaign_id = $1 AND ended_at IS NULL ORDER BY attempt_id`,
      [campaignId],
    );
    return rows.map(toAttempt);
  }

  async ended(attemptIds: readonly string[]): Promise<Attempt[]> {
    if (attemptIds.length === 0) return [];
    const { rows } = await this.pool.query<Row>(
      `SELECT ${COLUMNS} FROM ${this.table} WHERE attempt_id = ANY($1::text[]) AND ended_at IS NOT NULL`,
      [attemptIds],
    );
    return rows.map(toAttempt);
  }

  async answersSince(campaignId: string, since: Date): Promise<AnsweredGroup[]> {
    // An abandon is a dialer's (abandoned_at) or a customer's who hung up waiting (outcome only).
    const { rows } = await this.pool.query<{ at: Date; answers: string; abandons: string }>(
      `SELECT answered_at AS at, count(*) AS answers,
          count(*) FILTER (WHERE abandoned_at IS NOT NULL OR outcome = 'abandoned') AS abandons
        FROM ${this.table}
        WHERE campaign_id = $1 AND answered_at >= $2 AND amd_verdict IS DISTINCT FROM 'machine'
        GROUP BY answered_at ORDER BY answered_at`,
      [campaignId, since],
    );
    return rows.map((r) => ({ at: r.at, answers: Number(r.answers), abandons: Number(r.abandons) }));
  }

  async outcomesOf(campaignId: string, leadId: string): Promise<AttemptOutcome[]> {
    const { rows } = await this.pool.query<{ outcome: AttemptOutcome }>(
      `SELECT outcome FROM ${this.table}
        WHERE campaign_id = $1 AND lead_id = $2 AND outcome IS NOT NULL
          AND (hangup_cause IS NULL OR hangup_cause <> ALL ($3::text[])) ORDER BY attempt_number`,
      [campaignId, leadId, NOT_PLACED_CAUSES],
    );
    return rows.map((r) => r.outcome);
  }

  async setDisposition(attemptId: string, disposition: Disposition): Promise<Attempt> {
    const { rows } = await this.pool.query<Row>(
      `UPDATE ${this.table} SET disposition = $2 WHERE attempt_id = $1 RETURNING ${COLUMNS}`,
      [attemptId, JSON.stringify(disposition)],
    );
    if (rows[0] === undefined) throw new NotFoundError('attempt', attemptId);
    return toAttempt(rows[0]);
  }

  async unpublished(limit: number): Promise<Attempt[]> {
    const { rows } = await this.pool.query<Row>(
      `SELECT ${COLUMNS} FROM ${this.table}
        WHERE ended_at IS NOT NULL AND NOT completed_published ORDER BY attempt_id LIMIT $1`,
      [limit],
    );
    return rows.map(toAttempt);
  }

  /** Marks grouped like patches: every finished call marks one, so under load one statement carries many. */
  markPublished(attemptId: string): Promise<void> {
    return this.published.add(attemptId);
  }
}
