// PostgreSQL `campaign_leads`: the leads each campaign may call, when they are next due, and
// whether they are closed. The hopper in Redis is filled from here and can be rebuilt from here.

import type { Pool } from '@outbound/store';
import { tableOf } from './sql-names.js';
import type { CampaignLead } from '../../domain/model.js';
import type { CampaignLeadStore, NewCampaignLead } from '../../use-cases/ports.js';

/** Reasons a lead is closed for good: a task does not reopen it. */
export const FINAL_CLOSE_REASONS = ['invalid_number', 'opted_out', 'do_not_call'] as const;

interface Row {
  campaign_id: string;
  lead_id: string;
  list_id: string;
  priority: number;
  next_attempt_at: Date;
  attempts: number;
  status: CampaignLead['status'];
  closed_reason: string | null;
  agent_id: string | null;
  script: string | null;
  line_class: string | null;
}

function toLead(row: Row): CampaignLead {
  return {
    campaignId: row.campaign_id,
    leadId: row.lead_id,
    listId: row.list_id,
    priority: row.priority,
    nextAttemptAt: row.next_attempt_at,
    attempts: row.attempts,
    status: row.status,
    ...(row.closed_reason === null ? {} : { closedReason: row.closed_reason }),
    ...(row.agent_id === null ? {} : { agentId: row.agent_id }),
    ...(row.script === null ? {} : { script: row.script }),
    ...(row.line_class === null ? {} : { lineClass: row.line_class }),
  };
}

const COLUMNS =
  'campaign_id, lead_id, list_id, priority, next_attempt_at, attempts, status, closed_reason, agent_id, script, line_class';

export class SqlCampaignLeadStore implements CampaignLeadStore {
  private readonly table: string;

  constructor(
    private readonly pool: Pool,
    schema: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.table = tableOf(schema, 'campaign_leads');
  }

  async add(campaignId: string, leads: readonly NewCampaignLead[]): Promise<number> {
    if (leads.length === 0) return 0;
    const now = this.now();
    const result = await this.pool.query(
      `INSERT INTO ${this.table} (campaign_id, lead_id, list_id, priority, next_attempt_at, agent_id, script, line_class)
       SELECT $1, l.lead_id, l.list_id, l.priority, l.next_attempt_at, l.agent_id, l.script, l.line_class
         FROM unnest($2::text[], $3::text[], $4::int[], $5::timestamptz[], $6::text[], $7::text[], $8::text[])
           AS l(lead_id, list_id, priority, next_attempt_at, agent_id, script, line_class)
       ON CONFLICT (campaign_id, lead_id) DO NOTHING`,
      [
        campaignId,
        leads.map((l) => l.leadId),
        leads.map((l) => l.listId),
        leads.map((l) => Math.round(l.priority ?? 0)),
        leads.map((l) => l.nextAttemptAt ?? now),
        leads.map((l) => l.agentId ?? null),
        leads.map((l) => l.script ?? null),
        leads.map((l) => l.lineClass ?? null),
      ],
    );
    return result.rowCount ?? 0;
  }

  async schedule(campaignId: string, lead: NewCampaignLead): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.table} AS c (campaign_id, lead_id, list_id, priority, next_attempt_at, agent_id, script, line_class)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (campaign_id, lead_id) DO UPDATE
         SET priority = EXCLUDED.priority, next_attempt_at = EXCLUDED.next_attempt_at,
             agent_id = EXCLUDED.agent_id, script = COALESCE(EXCLUDED.script, c.script),
             line_class = COALESCE(EXCLUDED.line_class, c.line_class),
             status = 'open', closed_reason = NULL, updated_at = now()
         WHERE c.status <> 'in_flight'
           AND NOT (c.status = 'closed' AND c.closed_reason = ANY($9::text[]))`,
      [
        campaignId,
        lead.leadId,
        lead.listId,
        Math.round(lead.priority ?? 0),
        lead.nextAttemptAt ?? this.now(),
        lead.agentId ?? null,
        lead.script ?? null,
        lead.lineClass ?? null,
        [...FINAL_CLOSE_REASONS],
      ],
    );
  }

  async due(campaignId: string, now: Date, limit: number): Promise<CampaignLead[]> {
    const { rows } = await this.pool.query<Row>(
      `SELECT ${COLUMNS} FROM ${this.table}
        WHERE campaign_id = $1 AND status = 'open' AND next_attempt_at <= $2
        ORDER BY priority DESC, next_attempt_at, lead_id
        LIMIT $3`,
      [campaignId, now, Math.max(0, Math.floor(limit))],
    );
    return rows.map(toLead);
  }

  async get(campaignId: string, leadId: string): Promise<CampaignLead | undefined> {
    const { rows } = await this.pool.query<Row>(
      `SELECT ${COLUMNS} FROM ${this.table} WHERE campaign_id = $1 AND lead_id = $2`,
      [campaignId, leadId],
    );
    return rows[0] ? toLead(rows[0]) : undefined;
  }

  async counts(campaignId: string): Promise<{ open: number; inFlight: number; closed: number; due: number }> {
    const { rows } = await this.pool.query<{ open: string; in_flight: string; closed: string; due: string }>(
      `SELECT count(*) FILTER (WHERE status = 'open') AS open,
              count(*) FILTER (WHERE status = 'in_flight') AS in_flight,
              count(*) FILTER (WHERE status = 'closed') AS closed,
              count(*) FILTER (WHERE status = 'open' AND next_attempt_at <= $2) AS due
         FROM ${this.table} WHERE campaign_id = $1`,
      [campaignId, this.now()],
    );
    const row = rows[0]!;
    return {
      open: Number(row.open),
      inFlight: Number(row.in_flight),
      closed: Number(row.closed),
      due: Number(row.due),
    };
  }
}
