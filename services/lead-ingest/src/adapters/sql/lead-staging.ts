import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { from as copyFrom } from 'pg-copy-streams';
import type { PoolClient } from '@outbound/store';

export const TAG_SEPARATOR = '\u001f';

/**
 * lead_staging's columns, in COPY order, with their types: the one place the row layout is
 * declared. The table, the COPY statement and every row a CopyChunk holds (ChunkSealer writes
 * one field per column, in this order) follow it. order_value comes as text (its exact decimal
 * digits), dedup_key NULL when it is phone_index (most leads), tags joined by TAG_SEPARATOR,
 * custom as JSON text.
 */
export const STAGING_COLUMNS = [
  ['line', 'integer'],
  ['lead_id', 'uuid'],
  ['external_id', 'text'],
  ['dedup_key', 'bytea'],
  ['phone_index', 'bytea'],
  ['pii', 'bytea'],
  ['number_type', 'smallint'],
  ['country', 'text'],
  ['region', 'text'],
  ['time_zone', 'text'],
  ['intent', 'text'],
  ['order_value', 'text'],
  ['tier', 'text'],
  ['tags', 'text'],
  ['custom', 'text'],
  ['status', 'smallint'],
] as const;
export type StagingColumn = (typeof STAGING_COLUMNS)[number][0];

/** Fields in every row of a CopyChunk. */
export const STAGING_FIELDS = STAGING_COLUMNS.length;

// Session-local and dropped with the transaction: a failed or cancelled import leaves nothing
// behind, and concurrent imports on other connections each see their own table. No indexes:
// it only ever holds one chunk, read once in full. Filled with COPY BINARY (CopyChunk): no hex
// for bytea and no text parsing on either side.
const CREATE_STAGING = `CREATE TEMP TABLE lead_staging (${STAGING_COLUMNS.map(([name, type]) => `${name} ${type}`).join(', ')}) ON COMMIT DROP`;

const COPY_STAGING = `COPY lead_staging (${STAGING_COLUMNS.map(([name]) => name).join(', ')}) FROM STDIN (FORMAT binary)`;

// One set-based statement per chunk. ON CONFLICT DO NOTHING (every unique index: dedup key and
// external id) skips numbers already in the list and repeats inside the chunk; rows go in file
// order, so the first occurrence in the file is the one kept, as a row-by-row import would.
// The new ids come back through RETURNING and are stored as event pages in the same statement,
// so the events need neither the ids in memory nor a second read of the leads.
const MERGE_STAGING = `WITH inserted AS (
  INSERT INTO leads (lead_id, list_id, external_id, dedup_key, phone_index, pii, number_type, country, region,
    time_zone, intent, order_value, tier, tags, custom, status, import_job_id)
  SELECT lead_id, $1, external_id, coalesce(dedup_key, phone_index), phone_index, pii, number_type, country, region,
    time_zone, intent, order_value::numeric, tier, string_to_array(tags, E'\\x1f'), custom::jsonb, status, $2
  FROM lead_staging ORDER BY line
  ON CONFLICT DO NOTHING
  RETURNING lead_id
), numbered AS (
  SELECT lead_id, (row_number() OVER (ORDER BY lead_id) - 1) / $4 AS page FROM inserted
), pages AS (
  INSERT INTO import_event_pages (job_id, chunk, page, lead_ids)
  SELECT $2, $3, page, array_agg(lead_id ORDER BY lead_id) FROM numbered GROUP BY page
)
SELECT count(*)::int AS inserted FROM inserted`;

// PGCOPY signature, flags, header extension length.
const BINARY_HEADER = Buffer.from('PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0', 'latin1');

/**
 * One chunk of leads in PostgreSQL's binary COPY format, written field by field into a buffer
 * that is reused for the next chunk once this one is stored: no string or object per field, so
 * the garbage collector has little to do. The writer reserves room before each field (`room`).
 */
export class CopyChunk {
  buf: Buffer;
  at = 0;
  rows = 0;

  constructor(initialBytes = 1 << 20) {
    this.buf = Buffer.allocUnsafe(initialBytes);
    this.reset();
  }

  reset(): void {
    this.at = BINARY_HEADER.copy(this.buf, 0);
    this.rows = 0;
  }

  /** Make sure `bytes` more fit. */
  room(bytes: number): void {
    if (this.at + bytes <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + bytes));
    this.buf.copy(grown, 0, 0, this.at);
    this.buf = grown;
  }

  beginRow(): void {
    this.room(2);
    this.buf.writeInt16BE(STAGING_FIELDS, this.at);
    this.at += 2;
    this.rows++;
  }

  int32(value: number): void {
    this.room(8);
    this.buf.writeInt32BE(4, this.at);
    this.buf.writeInt32BE(value, this.at + 4);
    this.at += 8;
  }

  /** Returns the position of the value, so it can be rewritten (a lead's status after the do-not-call lookup). */
  int16(value: number): number {
    this.room(6);
    this.buf.writeInt32BE(2, this.at);
    this.buf.writeInt16BE(value, this.at + 4);
    this.at += 6;
    return this.at - 2;
  }

  null(): void {
    this.room(4);
    this.buf.writeInt32BE(-1, this.at);
    this.at += 4;
  }

  text(value: string | null): void {
    if (value === null) return this.null();
    this.room(4 + value.length * 3);
    const length = this.buf.write(value, this.at + 4, 'utf8');
    this.buf.writeInt32BE(length, this.at);
    this.at += 4 + length;
  }

  /**
   * Reserve a field of `length` bytes; returns where its bytes go (the caller fills them). Read
   * `buf` only after this call: making room may have replaced it with a larger buffer.
   */
  field(length: number): number {
    this.room(4 + length);
    this.buf.writeInt32BE(length, this.at);
    this.at += 4 + length;
    return this.at - length;
  }

  /** The COPY data, trailer included; valid until the next reset. */
  finish(): Buffer {
    this.room(2);
    this.buf.writeInt16BE(-1, this.at);
    return this.buf.subarray(0, this.at + 2);
  }
}

/**
 * Bulk path of an import: a chunk of leads is COPY'd into a temporary staging table and merged
 * into `leads` with one statement, instead of parameter arrays that both sides must serialise.
 * Must be used inside the import's transaction.
 */
export class LeadStaging {
  private created = false;
  private chunk = 0;

  constructor(
    private readonly client: PoolClient,
    private readonly listId: string,
    private readonly importJobId: string,
    /** Most lead ids in one leads.ingested event. */
    private readonly eventPageSize: number,
  ) {}

  /** Store a chunk (CopyChunk.finish()); returns how many leads were new (the rest were duplicates). */
  async merge(copyData: Buffer): Promise<number> {
    if (!this.created) {
      await this.client.query(CREATE_STAGING);
      this.created = true;
    } else {
      await this.client.query('TRUNCATE lead_staging');
    }
    // The whole chunk goes in one write: sent in slices, the COPY kept PostgreSQL waiting on the
    // service's event loop, busy reading the next chunk, between slices.
    await pipeline(Readable.from([copyData]), this.client.query(copyFrom(COPY_STAGING)));
    const { rows } = await this.client.query<{ inserted: number }>(MERGE_STAGING, [
      this.listId,
      this.importJobId,
      this.chunk++,
      this.eventPageSize,
    ]);
    return rows[0]!.inserted;
  }
}
