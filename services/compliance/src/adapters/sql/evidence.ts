import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import type { Pool } from '@outbound/store';
import type { CampaignPolicy, CapState, DialFacts, Denial } from '../../domain/types.js';

/** The data a decision used (the `inputs` column), in this key order. */
export interface DecisionInputs {
  readonly policy: CampaignPolicy;
  /** The campaign policy's version (0: never set, the defaults). */
  readonly policyVersion: number;
  readonly region: string;
  readonly areaCode: string | null;
  readonly uncertainty: string | null;
  readonly timeZoneOverride: string | null;
  readonly facts: Omit<DialFacts, 'onRegistry' | 'abandonDays'>;
  readonly caps: CapState;
  readonly onRegistry: boolean;
}

export interface DecisionRecord {
  readonly checkId: string;
  readonly decidedAt: number;
  readonly dialAt: number;
  readonly campaignId: string;
  readonly leadId: string;
  readonly phoneKey: string;
  readonly maskedPhone: string;
  readonly callerId: string;
  readonly allowed: boolean;
  readonly denials: readonly Denial[];
  readonly rulePacks: readonly string[];
  readonly timeZones: readonly string[];
  readonly inputs: DecisionInputs;
}

/**
 * Decision evidence, stored before the decision is answered: a decision exists only with its
 * evidence, so a crash (even kill -9) never leaves a dial nobody can explain. The checks decided
 * together (a batch, or the single checks of one event-loop turn) go in one COPY: PostgreSQL
 * parses plain text columns and validates the `json` ones, about a third less of its CPU than
 * a JSON array unpacked by `jsonb_to_recordset` (measured), and this sits on the answer's path.
 */
export class EvidenceStore {
  constructor(
    private readonly pool: Pool,
    private readonly schema: string,
  ) {}

  async store(records: readonly DecisionRecord[]): Promise<void> {
    if (records.length === 0) return;
    let text = '';
    for (const record of records) text += copyLine(record);
    const client = await this.pool.connect();
    let failure: Error | undefined;
    try {
      await pipeline(
        Readable.from([text]),
        client.query(copyFrom(`COPY "${this.schema}".decisions (${COLUMNS}) FROM STDIN`)),
      );
    } catch (error) {
      failure = error instanceof Error ? error : new Error(String(error));
      throw error;
    } finally {
      // A COPY that failed part-way may leave the connection mid-protocol: drop it, not reuse it.
      client.release(failure);
    }
  }

  /** A number's latest decisions, newest first. */
  lastDecisions(phoneKey: string, limit: number): Promise<DecisionRow[]> {
    return lastDecisions(this.pool, this.schema, phoneKey, limit);
  }

  /**
   * Delete decisions decided before `cutoffMs`, a bounded batch per statement (short locks, no
   * huge transaction); returns how many went. Stops between batches once `signal` aborts.
   */
  async purgeOlderThan(cutoffMs: number, signal?: AbortSignal, batchRows = PURGE_BATCH): Promise<number> {
    let removed = 0;
    for (;;) {
      if (signal?.aborted) return removed;
      const { rowCount } = await this.pool.query(
        `DELETE FROM "${this.schema}".decisions WHERE ctid IN (SELECT ctid FROM "${this.schema}".decisions WHERE decided_at < $1 LIMIT $2)`,
        [new Date(cutoffMs), batchRows],
      );
      removed += rowCount ?? 0;
      if ((rowCount ?? 0) < batchRows) return removed;
    }
  }
}

const PURGE_BATCH = 10_000;

// The parts many rows share (the policy, pack labels, zones, the group's instants) are
// serialized once and reused.
const sharedText = new WeakMap<object, string>();

function shared(value: object, serialize: (value: object) => string): string {
  let text = sharedText.get(value);
  if (text === undefined) {
    text = serialize(value);
    sharedText.set(value, text);
  }
  return text;
}

const json = (value: object) => JSON.stringify(value);
/** A PostgreSQL array literal of text: `{"a","b"}`. */
const textArray = (value: object) =>
  `{${(value as readonly string[]).map((v) => `"${v.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;

/** The last instant formatted, per column: a group's rows share `decided_at`, and mostly `dial_at`. */
class Instant {
  private ms = Number.NaN;
  private text = '';

  of(ms: number): string {
    if (ms !== this.ms) {
      this.text = new Date(ms).toISOString();
      this.ms = ms;
    }
    return this.text;
  }
}
const decidedText = new Instant();
const dialText = new Instant();

const str = (value: string | null) => (value === null ? 'null' : JSON.stringify(value));

/** The `inputs` column: the same JSON as JSON.stringify(record.inputs), its policy shared. */
export function inputsJson(r: DecisionRecord): string {
  const i = r.inputs;
  return (
    `{"policy":${shared(i.policy, json)},"policyVersion":${i.policyVersion},"region":${JSON.stringify(i.region)},"areaCode":${str(i.areaCode)},"uncertainty":${str(i.uncertainty)},"timeZoneOverride":${str(i.timeZoneOverride)}` +
    `,"facts":${JSON.stringify(i.facts)},"caps":${JSON.stringify(i.caps)},"onRegistry":${i.onRegistry}}`
  );
}

const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** A value in COPY's text format: backslash, tab and line breaks escaped (JSON text has backslashes). */
function copyText(value: string): string {
  return COPY_SPECIAL.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => COPY_ESCAPES[c]!) : value;
}

/**
 * The row layout of the decisions COPY, the one place it is declared: each column with its value
 * in COPY's text format. The statement's column list and every row follow this order.
 */
const DECISION_ROW: ReadonlyArray<{ readonly column: string; readonly text: (r: DecisionRecord) => string }> = [
  { column: 'check_id', text: (r) => copyText(r.checkId) },
  { column: 'decided_at', text: (r) => decidedText.of(r.decidedAt) },
  // Mostly the same instant as decided_at (then its text, formatted once).
  { column: 'dial_at', text: (r) => (r.dialAt === r.decidedAt ? decidedText.of(r.decidedAt) : dialText.of(r.dialAt)) },
  { column: 'campaign_id', text: (r) => copyText(r.campaignId) },
  { column: 'lead_id', text: (r) => copyText(r.leadId) },
  { column: 'phone_key', text: (r) => copyText(r.phoneKey) },
  { column: 'masked_phone', text: (r) => copyText(r.maskedPhone) },
  { column: 'caller_id', text: (r) => copyText(r.callerId) },
  { column: 'allowed', text: (r) => (r.allowed ? 't' : 'f') },
  { column: 'denials', text: (r) => (r.denials.length === 0 ? '[]' : copyText(JSON.stringify(r.denials))) },
  { column: 'rule_packs', text: (r) => copyText(shared(r.rulePacks, textArray)) },
  { column: 'time_zones', text: (r) => copyText(shared(r.timeZones, textArray)) },
  { column: 'inputs', text: (r) => copyText(inputsJson(r)) },
];

/** The columns of a decisions COPY row, in order. */
export const DECISION_COLUMNS: readonly string[] = DECISION_ROW.map((c) => c.column);
const COLUMNS = DECISION_COLUMNS.join(', ');

/** One row of the decisions table in COPY's text format, columns in DECISION_COLUMNS order. */
export function copyLine(r: DecisionRecord): string {
  let line = DECISION_ROW[0]!.text(r);
  for (let i = 1; i < DECISION_ROW.length; i++) line += `\t${DECISION_ROW[i]!.text(r)}`;
  return `${line}\n`;
}

export interface DecisionRow {
  check_id: string;
  decided_at: Date;
  dial_at: Date;
  campaign_id: string;
  lead_id: string;
  masked_phone: string;
  caller_id: string;
  allowed: boolean;
  denials: Denial[];
  rule_packs: string[];
  time_zones: string[];
}

export async function lastDecisions(
  pool: Pool,
  schema: string,
  phoneKey: string,
  limit: number,
): Promise<DecisionRow[]> {
  const { rows } = await pool.query<DecisionRow>(
    `SELECT check_id, decided_at, dial_at, campaign_id, lead_id, masked_phone, caller_id, allowed, denials, rule_packs, time_zones
     FROM "${schema}".decisions WHERE phone_key = $1 ORDER BY decided_at DESC, check_id DESC LIMIT $2`,
    [phoneKey, limit],
  );
  return rows;
}
