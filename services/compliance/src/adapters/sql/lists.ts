import { randomUUID } from 'node:crypto';
import { processOnce, withTransaction, type Pool, type PoolClient } from '@outbound/store';
import type { DncListKind } from '../../domain/dnc.js';

/** Registries have their own table (`dnc_registry`). */
export type DncKind = Exclude<DncListKind, 'registry'>;

export interface DncEntry {
  readonly phoneKey?: string;
  readonly leadId?: string;
  readonly kind: DncKind;
  readonly campaignId?: string;
  readonly source: string;
  readonly actor: string;
}

export async function insertDncEntry(db: Pool | PoolClient, schema: string, entry: DncEntry): Promise<void> {
  await db.query(
    `INSERT INTO "${schema}".dnc_entries (phone_key, lead_id, kind, campaign_id, source, actor) VALUES ($1, $2, $3, $4, $5, $6)`,
    [entry.phoneKey ?? null, entry.leadId ?? null, entry.kind, entry.campaignId ?? null, entry.source, entry.actor],
  );
}

export interface ConsentRow {
  consent_id: string;
  campaign_id: string;
  source: string;
  given_at: Date;
  kept_until: Date;
  masked_phone: string;
}

const CONSENT_KEPT_MS = 2 * 366 * 86_400_000;

export async function insertConsent(
  pool: Pool,
  schema: string,
  c: { phoneKey: string; maskedPhone: string; campaignId: string; source: string; givenAt: number },
): Promise<string> {
  const id = randomUUID();
  await pool.query(
    `INSERT INTO "${schema}".consents (consent_id, phone_key, masked_phone, campaign_id, source, given_at, kept_until) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [id, c.phoneKey, c.maskedPhone, c.campaignId, c.source, new Date(c.givenAt), new Date(c.givenAt + CONSENT_KEPT_MS)],
  );
  return id;
}

export async function listConsents(
  pool: Pool,
  schema: string,
  phoneKey: string,
  campaignId: string | undefined,
): Promise<ConsentRow[]> {
  const { rows } = await pool.query<ConsentRow>(
    `SELECT consent_id, campaign_id, source, given_at, kept_until, masked_phone FROM "${schema}".consents
     WHERE phone_key = $1 AND ($2::text IS NULL OR campaign_id = $2) ORDER BY given_at DESC LIMIT 1000`,
    [phoneKey, campaignId ?? null],
  );
  return rows;
}

/** The do-not-call entries and consents of one schema, for the use cases (one pool, no transaction). */
export class ListStore {
  constructor(
    private readonly pool: Pool,
    private readonly schema: string,
  ) {}

  addEntry(entry: DncEntry): Promise<void> {
    return insertDncEntry(this.pool, this.schema, entry);
  }

  /** The entry of an event, once: a redelivered event (same `eventId` for `inbox`) adds nothing. */
  async addEntryOnce(inbox: string, eventId: string, entry: DncEntry): Promise<void> {
    await withTransaction(this.pool, async (client) => {
      if (await processOnce(client, this.schema, inbox, eventId)) await insertDncEntry(client, this.schema, entry);
    });
  }

  addConsent(consent: {
    phoneKey: string;
    maskedPhone: string;
    campaignId: string;
    source: string;
    givenAt: number;
  }): Promise<string> {
    return insertConsent(this.pool, this.schema, consent);
  }

  consents(phoneKey: string, campaignId: string | undefined): Promise<ConsentRow[]> {
    return listConsents(this.pool, this.schema, phoneKey, campaignId);
  }
}

/** The inbox of events this service consumed (`processed_events`): what was already handled. */
export class Inbox {
  constructor(
    private readonly pool: Pool,
    private readonly schema: string,
  ) {}

  /** True the first time `inbox` sees `eventId` (then recorded, committed), false after. */
  firstTime(inbox: string, eventId: string): Promise<boolean> {
    return withTransaction(this.pool, (client) => processOnce(client, this.schema, inbox, eventId));
  }
}

/** Signed view of an unsigned 64-bit key, as PostgreSQL's bigint stores it. */
export function toSigned(key: bigint): string {
  return BigInt.asIntN(64, key).toString();
}

export async function replaceRegistryChunk(
  client: PoolClient,
  schema: string,
  registry: string,
  keys: readonly bigint[],
): Promise<void> {
  await client.query(
    `INSERT INTO "${schema}".dnc_registry (registry, key) SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING`,
    [registry, keys.map(toSigned)],
  );
}

/** Every registry key, paged by key so millions of rows never sit in one result. */
export async function loadRegistryKeys(pool: Pool, schema: string, pageSize = 500_000): Promise<BigUint64Array> {
  const pages: BigUint64Array[] = [];
  let after = '-9223372036854775808';
  let first = true;
  for (;;) {
    const { rows } = await pool.query<{ key: string }>(
      `SELECT DISTINCT key FROM "${schema}".dnc_registry WHERE key ${first ? '>=' : '>'} $1 ORDER BY key LIMIT $2`,
      [after, pageSize],
    );
    first = false;
    if (rows.length === 0) break;
    pages.push(BigUint64Array.from(rows, (row) => BigInt.asUintN(64, BigInt(row.key))));
    after = rows[rows.length - 1]!.key;
    if (rows.length < pageSize) break;
  }
  const all = new BigUint64Array(pages.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const page of pages) {
    all.set(page, offset);
    offset += page.length;
  }
  return all;
}
