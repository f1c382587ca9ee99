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
const MERGE_STAGING = `INSERT INTO leads (lead_id, list_id, external_id, dedup_key, phone_index, pii, number_type, country, region,
  time_zone, intent, order_value, tier, tags, custom, status, import_job_id)
SELECT lead_id, $1, external_id, dedup_key, phone_index, pii, number_type, country, region,
  time_zone, intent, order_value, tier, string_to_array(tags, E'\\x1f'), custom::jsonb, status, $2
FROM lead_staging ORDER BY line
ON CONFLICT DO NOTHING`;

/**
 * Bulk path of an import: a chunk of leads is COPY'd into a temporary staging table and merged
 * into `leads` with one statement, instead of parameter arrays that both sides must serialise.
 * Must be used inside the import's transaction.
 */
export class LeadStaging {
  private created = false;

  constructor(private readonly client: PoolClient, private readonly listId: string, private readonly importJobId: string) {}

  /** Store a chunk; returns how many leads were new (the rest were duplicates). */
  async merge(leads: readonly StoredLead[], lines: readonly number[]): Promise<number> {
    if (!this.created) {
      await this.client.query(CREATE_STAGING);
      this.created = true;
    } else {
      await this.client.query('TRUNCATE lead_staging');
    }
    await pipeline(Readable.from(copyChunks(leads, lines)), this.client.query(copyFrom(COPY_STAGING)));
    const result = await this.client.query(MERGE_STAGING, [this.listId, this.importJobId]);
    return result.rowCount ?? 0;
  }
}

// COPY text is written in slices of this many rows: large enough to keep stream overhead low,
// small enough not to build one huge string.
const ROWS_PER_SLICE = 1000;

function* copyChunks(leads: readonly StoredLead[], lines: readonly number[]): Generator<string> {
  for (let start = 0; start < leads.length; start += ROWS_PER_SLICE) {
    let text = '';
    const end = Math.min(start + ROWS_PER_SLICE, leads.length);
    for (let i = start; i < end; i++) text += copyLine(leads[i]!, lines[i]!);
    yield text;
  }
}

/** One row in COPY text format (tab-separated, `\N` for NULL, bytea as `\\x` hex). */
export function copyLine(lead: StoredLead, line: number): string {
  return `${line}\t${lead.leadId}\t${lead.externalId === null ? '\\N' : copyText(lead.externalId)}\t\\\\x${lead.dedupKey.toString('hex')}\t\\\\x${lead.phoneIndex.toString('hex')}\t\\\\x${lead.pii.toString('hex')}\t${lead.numberType}\t${copyText(lead.country)}\t${copyText(lead.region)}\t${copyText(lead.timeZone)}\t${lead.intent === null ? '\\N' : copyText(lead.intent)}\t${lead.orderValue === null ? '\\N' : lead.orderValue}\t${copyText(lead.tier)}\t${copyText(lead.tags.join(TAG_SEPARATOR))}\t${copyText(JSON.stringify(lead.custom))}\t${lead.status}\n`;
}

const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

// Cells may hold tabs and line breaks (only other control characters are stripped when cleaning).
function copyText(value: string): string {
  return COPY_SPECIAL.test(value) ? value.replace(/[\\\t\n\r]/g, (ch) => COPY_ESCAPES[ch]!) : value;
}
