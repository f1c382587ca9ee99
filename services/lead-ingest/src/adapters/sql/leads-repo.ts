import type { Pool, PoolClient } from '@outbound/store';

/** Status values as stored; they match outbound.v1.LeadStatus. */
export const LeadStatusCode = { callable: 1, doNotCall: 2, invalidNumber: 3 } as const;

/** A lead as stored: personal data sealed, everything else in the clear for targeting. */
export interface StoredLead {
  leadId: string;
  listId: string;
  externalId: string | null;
  dedupKey: Buffer;
  phoneIndex: Buffer;
  pii: Buffer;
  numberType: number;
  country: string;
  region: string;
  timeZone: string;
  intent: string | null;
  orderValue: number | null;
  tier: string;
  tags: string[];
  custom: Record<string, string>;
  status: number;
  importJobId: string | null;
}

const COLUMNS =
  'lead_id, list_id, external_id, dedup_key, phone_index, pii, number_type, country, region, time_zone, intent, order_value, tier, tags, custom, status, import_job_id';

export type UpsertOutcome = { leadId: string; created: boolean } | { duplicateOf: 'phone' };

/** Another transaction stored the same number under another external id while this one ran. */
export class UpsertRaceError extends Error {
  constructor(options: { cause: unknown }) {
    super('a concurrent write stored the same number in this list', options);
    this.name = 'UpsertRaceError';
  }
}

/**
 * Create or update the lead with this external id, inside the caller's transaction. When the
 * number's dedup key already belongs to another lead of the list nothing changes and the outcome
 * is a duplicate; found by a look first, so a duplicate does not abort the transaction. Only a
 * concurrent writer can still hit the unique index: UpsertRaceError, and the caller retries.
 */
export async function upsertLead(client: PoolClient, lead: StoredLead): Promise<UpsertOutcome> {
  try {
    const { rows } = await client.query<{ lead_id: string; created: boolean }>(
      `INSERT INTO leads (${COLUMNS})
       SELECT $1::uuid, $2::text, $3::text, $4::bytea, $5::bytea, $6::bytea, $7::smallint, $8::text, $9::text, $10::text,
         NULLIF($11::text, ''), $12::numeric, $13::text, $14::text[], $15::jsonb, $16::smallint, NULL
       WHERE NOT EXISTS (SELECT 1 FROM leads WHERE dedup_key = $4 AND list_id = $2 AND external_id IS DISTINCT FROM $3)
       ON CONFLICT (list_id, external_id) WHERE external_id IS NOT NULL DO UPDATE SET
         dedup_key = EXCLUDED.dedup_key, phone_index = EXCLUDED.phone_index, pii = EXCLUDED.pii,
         number_type = EXCLUDED.number_type, country = EXCLUDED.country, region = EXCLUDED.region,
         time_zone = EXCLUDED.time_zone, intent = EXCLUDED.intent, order_value = EXCLUDED.order_value,
         tier = EXCLUDED.tier, tags = EXCLUDED.tags, custom = EXCLUDED.custom, updated_at = now(),
         -- a number proved dead or barred stays so until something clears it explicitly
         status = GREATEST(leads.status, EXCLUDED.status)
       RETURNING lead_id, (xmax = 0) AS created`,
      [
        lead.leadId,
        lead.listId,
        lead.externalId,
        lead.dedupKey,
        lead.phoneIndex,
        lead.pii,
        lead.numberType,
        lead.country,
        lead.region,
        lead.timeZone,
        lead.intent ?? '',
        lead.orderValue,
        lead.tier,
        lead.tags,
        JSON.stringify(lead.custom),
        lead.status,
      ],
    );
    const row = rows[0];
    return row ? { leadId: row.lead_id, created: row.created } : { duplicateOf: 'phone' };
  } catch (error) {
    if (
      (error as { code?: string; constraint?: string }).code === '23505' &&
      (error as { constraint?: string }).constraint === 'leads_list_dedup'
    )
      throw new UpsertRaceError({ cause: error });
    throw error;
  }
}

/**
 * The lead events of one transaction (an upsert call, or a number barred by compliance.dnc_added),
 * stored in it and deleted once published (see 0002_upsert_events.sql).
 */
export interface UpsertEvents {
  batchId: string;
  listId: string;
  created: string[];
  updated: string[];
}

export async function storeUpsertEvents(client: PoolClient, events: UpsertEvents): Promise<void> {
  await client.query(
    'INSERT INTO upsert_events (batch_id, list_id, created, updated) VALUES ($1, $2, $3::uuid[], $4::uuid[])',
    [events.batchId, events.listId, events.created, events.updated],
  );
}

/** Upsert events not yet published (a crash or a NATS failure after commit), oldest first. */
export async function pendingUpsertEvents(pool: Pool, limit: number): Promise<UpsertEvents[]> {
  const { rows } = await pool.query<{ batch_id: string; list_id: string; created: string[]; updated: string[] }>(
    'SELECT batch_id, list_id, created, updated FROM upsert_events ORDER BY created_at, batch_id LIMIT $1',
    [limit],
  );
  return rows.map((r) => ({ batchId: r.batch_id, listId: r.list_id, created: r.created, updated: r.updated }));
}

export async function deleteUpsertEvents(pool: Pool, batchId: string): Promise<void> {
  await pool.query('DELETE FROM upsert_events WHERE batch_id = $1', [batchId]);
}

export interface LeadRow {
  lead_id: string;
  list_id: string;
  external_id: string | null;
  pii: Buffer;
  number_type: number;
  country: string;
  region: string;
  time_zone: string;
  intent: string | null;
  order_value: string | null;
  tier: string;
  tags: string[];
  custom: Record<string, string>;
  status: number;
}

const SELECT =
  'SELECT lead_id, list_id, external_id, pii, number_type, country, region, time_zone, intent, order_value, tier, tags, custom, status FROM leads';

export async function getLead(pool: Pool, leadId: string): Promise<LeadRow | undefined> {
  const { rows } = await pool.query<LeadRow>(`${SELECT} WHERE lead_id = $1`, [leadId]);
  return rows[0];
}

export interface LeadFilter {
  listId: string;
  tier?: string;
  tags?: string[];
  region?: string;
  intent?: string;
  status?: number;
  /** Custom fields every lead must hold with these values. */
  customFields?: Record<string, string>;
  /** Exclusive: the last lead id of the previous page. */
  after?: string;
  limit: number;
}

export async function listLeads(pool: Pool, filter: LeadFilter): Promise<LeadRow[]> {
  const where = ['list_id = $1'];
  const params: unknown[] = [filter.listId];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (filter.tier) add('tier = ?', filter.tier);
  if (filter.tags?.length) add('tags @> ?', filter.tags);
  if (filter.region) add('region = ?', filter.region);
  if (filter.intent) add('intent = ?', filter.intent);
  if (filter.status) add('status = ?', filter.status);
  if (filter.customFields && Object.keys(filter.customFields).length > 0)
    add('custom @> ?::jsonb', JSON.stringify(filter.customFields));
  if (filter.after) add('lead_id > ?', filter.after);
  params.push(filter.limit);
  const { rows } = await pool.query<LeadRow>(
    `${SELECT} WHERE ${where.join(' AND ')} ORDER BY lead_id LIMIT $${params.length}`,
    params,
  );
  return rows;
}

/**
 * Give every lead with the number of `leadId` (in any list) at least `status` (a number proved
 * dead, or opted out); returns the leads that now have exactly that status, changed now or
 * before (idempotent: a redelivered event finds the same leads). A stronger status stays.
 */
export async function markNumberOf(
  pool: Pool,
  leadId: string,
  status: number,
): Promise<Array<{ leadId: string; listId: string }>> {
  // The leads of one number, through the two indexes that hold them (see migrations/0001_leads.sql).
  const { rows } = await pool.query<{ lead_id: string; list_id: string }>(
    `WITH target AS (SELECT phone_index FROM leads WHERE lead_id = $1),
     same AS (
       SELECT lead_id, list_id, status FROM leads WHERE dedup_key = (SELECT phone_index FROM target) AND phone_index = (SELECT phone_index FROM target)
       UNION ALL
       SELECT lead_id, list_id, status FROM leads WHERE phone_index = (SELECT phone_index FROM target) AND dedup_key <> phone_index
     ),
     changed AS (UPDATE leads SET status = $2, updated_at = now() WHERE lead_id IN (SELECT lead_id FROM same WHERE status < $2) RETURNING lead_id, list_id)
     SELECT lead_id, list_id FROM changed
     UNION SELECT lead_id, list_id FROM same WHERE status = $2`,
    [leadId, status],
  );
  return rows.map((r) => ({ leadId: r.lead_id, listId: r.list_id }));
}

/**
 * Give every lead with this blind index (in any list) at least `status`; returns the leads changed
 * now (not those that had it already). Inside the caller's transaction.
 */
export async function markIndex(
  client: PoolClient,
  phoneIndex: Buffer,
  status: number,
): Promise<Array<{ leadId: string; listId: string }>> {
  // The leads of one number, through the two indexes that hold them (see migrations/0001_leads.sql).
  const { rows } = await client.query<{ lead_id: string; list_id: string }>(
    `WITH same AS (
       SELECT lead_id FROM leads WHERE dedup_key = $1 AND phone_index = $1
       UNION ALL
       SELECT lead_id FROM leads WHERE phone_index = $1 AND dedup_key <> phone_index
     )
     UPDATE leads SET status = $2, updated_at = now() WHERE lead_id IN (SELECT lead_id FROM same) AND status < $2
     RETURNING lead_id, list_id`,
    [phoneIndex, status],
  );
  return rows.map((r) => ({ leadId: r.lead_id, listId: r.list_id }));
}
