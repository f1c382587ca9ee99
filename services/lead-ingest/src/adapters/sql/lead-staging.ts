import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { from as copyFrom } from 'pg-copy-streams';
import type { PoolClient } from '@outbound/store';
import type { StoredLead } from './leads-repo.js';

const TAG_SEPARATOR = '\u001f';

// Session-local and dropped with the transaction: a failed or cancelled import leaves nothing
// behind, and concurrent imports on other connections each see their own table. No indexes:
// it only ever holds one chunk, read once in full.
const CREATE_STAGING = `CREATE TEMP TABLE lead_staging (
  line integer, lead_id uuid, external_id text, dedup_key bytea, phone_index bytea, pii bytea,
  number_type smallint, country text, region text, time_zone text, intent text, order_value numeric,
  tier text, tags text, custom text, status smallint
) ON COMMIT DROP`;

const COPY_STAGING = 'COPY lead_staging FROM STDIN';

// One set-based statement per chunk. ON CONFLICT DO NOTHING (every unique index: dedup key and
// external id) skips numbers already in the list and repeats inside the chunk; rows go in file
// order, so the first occurrence in the file is the one kept, as a row-by-row import would.
// The new ids come back through RETURNING and are stored as event pages in the same statement,
// so the events need neither the ids in memory nor a second read of the leads.
const MERGE_STAGING = `WITH inserted AS (
  INSERT INTO leads (lead_id, list_id, external_id, dedup_key, phone_index, pii, number_type, country, region,
    time_zone, intent, order_value, tier, tags, custom, status, import_job_id)
  SELECT lead_id, $1, external_id, dedup_key, phone_index, pii, number_type, country, region,
    time_zone, intent, order_value, tier, string_to_array(tags, E'\\x1f'), custom::jsonb, status, $2
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

  /** Store a chunk given as COPY text (copyLine per lead); returns how many leads were new (the rest were duplicates). */
  async merge(copyText: string): Promise<number> {
    if (!this.created) {
      await this.client.query(CREATE_STAGING);
      this.created = true;
    } else {
      await this.client.query('TRUNCATE lead_staging');
    }
    // The whole chunk goes in one write: sent in slices, the COPY kept PostgreSQL waiting on the
    // service's event loop, busy reading the next chunk, between slices.
    await pipeline(Readable.from([copyText]), this.client.query(copyFrom(COPY_STAGING)));
    const { rows } = await this.client.query<{ inserted: number }>(MERGE_STAGING, [this.listId, this.importJobId, this.chunk++, this.eventPageSize]);
    return rows[0]!.inserted;
  }
}

/** One row in COPY text format (tab-separated, `\N` for NULL, bytea as `\\x` hex). */
export function copyLine(lead: StoredLead, line: number): string {
  return `${line}\t${lead.leadId}\t${lead.externalId === null ? '\\N' : copyEscape(lead.externalId)}\t\\\\x${lead.dedupKey.toString('hex')}\t\\\\x${lead.phoneIndex.toString('hex')}\t\\\\x${lead.pii.toString('hex')}\t${lead.numberType}\t${copyEscape(lead.country)}\t${copyEscape(lead.region)}\t${copyEscape(lead.timeZone)}\t${lead.intent === null ? '\\N' : copyEscape(lead.intent)}\t${lead.orderValue === null ? '\\N' : lead.orderValue}\t${copyEscape(lead.tier)}\t${copyEscape(lead.tags.join(TAG_SEPARATOR))}\t${copyEscape(JSON.stringify(lead.custom))}\t${lead.status}\n`;
}

const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

// Cells may hold tabs and line breaks (only other control characters are stripped when cleaning).
function copyEscape(value: string): string {
  return COPY_SPECIAL.test(value) ? value.replace(/[\\\t\n\r]/g, (ch) => COPY_ESCAPES[ch]!) : value;
}
