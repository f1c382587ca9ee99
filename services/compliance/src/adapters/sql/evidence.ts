import type { Pool } from '@outbound/store';
import type { CampaignPolicy, CapState, DialFacts, Denial } from '../../domain/types.js';

/** The data a decision used (the `inputs` column), in this key order. */
export interface DecisionInputs {
  readonly policy: CampaignPolicy;
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
 * together (a batch, or the single checks of one event-loop turn) are written in one statement.
 */
export class EvidenceStore {
  constructor(
    private readonly pool: Pool,
    private readonly schema: string,
  ) {}

  async store(records: readonly DecisionRecord[]): Promise<void> {
    if (records.length === 0) return;
    let rows = '';
    for (const record of records) rows += rows === '' ? toRow(record) : `,${toRow(record)}`;
    await this.pool.query(
      `INSERT INTO "${this.schema}".decisions (check_id, decided_at, dial_at, campaign_id, lead_id, phone_key, masked_phone, caller_id, allowed, denials, rule_packs, time_zones, inputs)
       SELECT r.check_id, r.decided_at, r.dial_at, r.campaign_id, r.lead_id, r.phone_key, r.masked_phone, r.caller_id, r.allowed, r.denials, r.rule_packs, r.time_zones, r.inputs
       FROM jsonb_to_recordset($1::jsonb) AS r(check_id text, decided_at timestamptz, dial_at timestamptz, campaign_id text, lead_id text, phone_key text, masked_phone text, caller_id text, allowed boolean, denials jsonb, rule_packs text[], time_zones text[], inputs jsonb)`,
      [`[${rows}]`],
    );
  }
}

// The same JSON as JSON.stringify of the row object, with the parts many rows share (the policy,
// pack labels, zones, the batch's instants) serialized once and reused.
const sharedJson = new WeakMap<object, string>();

function jsonOf(value: object): string {
  let json = sharedJson.get(value);
  if (json === undefined) {
    json = JSON.stringify(value);
    sharedJson.set(value, json);
  }
  return json;
}

/** The last instant serialized, per column: a batch's rows share `decided_at`, and mostly `dial_at`. */
class InstantJson {
  private ms = Number.NaN;
  private json = '';

  of(ms: number): string {
    if (ms !== this.ms) {
      this.json = JSON.stringify(new Date(ms).toISOString());
      this.ms = ms;
    }
    return this.json;
  }
}
const decidedJson = new InstantJson();
const dialJson = new InstantJson();

const str = (value: string | null) => (value === null ? 'null' : JSON.stringify(value));

export function toRow(r: DecisionRecord): string {
  const i = r.inputs;
  const decided = decidedJson.of(r.decidedAt);
  const dial = r.dialAt === r.decidedAt ? decided : dialJson.of(r.dialAt);
  return (
    `{"check_id":${JSON.stringify(r.checkId)},"decided_at":${decided},"dial_at":${dial},"campaign_id":${JSON.stringify(r.campaignId)},"lead_id":${JSON.stringify(r.leadId)}` +
    `,"phone_key":${JSON.stringify(r.phoneKey)},"masked_phone":${JSON.stringify(r.maskedPhone)},"caller_id":${JSON.stringify(r.callerId)},"allowed":${r.allowed}` +
    `,"denials":${r.denials.length === 0 ? '[]' : JSON.stringify(r.denials)},"rule_packs":${jsonOf(r.rulePacks)},"time_zones":${jsonOf(r.timeZones)}` +
    `,"inputs":{"policy":${jsonOf(i.policy)},"region":${JSON.stringify(i.region)},"areaCode":${str(i.areaCode)},"uncertainty":${str(i.uncertainty)},"timeZoneOverride":${str(i.timeZoneOverride)}` +
    `,"facts":${JSON.stringify(i.facts)},"caps":${JSON.stringify(i.caps)},"onRegistry":${i.onRegistry}}}`
  );
}

/** The plain serialization `toRow` must equal (kept for the test). */
export function toRowReference(r: DecisionRecord): string {
  return JSON.stringify({
    check_id: r.checkId,
    decided_at: new Date(r.decidedAt).toISOString(),
    dial_at: new Date(r.dialAt).toISOString(),
    campaign_id: r.campaignId,
    lead_id: r.leadId,
    phone_key: r.phoneKey,
    masked_phone: r.maskedPhone,
    caller_id: r.callerId,
    allowed: r.allowed,
    denials: r.denials,
    rule_packs: r.rulePacks,
    time_zones: r.timeZones,
    inputs: r.inputs,
  });
}

interface DecisionRow {
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

export async function lastDecisions(pool: Pool, schema: string, phoneKey: string, limit: number): Promise<DecisionRow[]> {
  const { rows } = await pool.query<DecisionRow>(
    `SELECT check_id, decided_at, dial_at, campaign_id, lead_id, masked_phone, caller_id, allowed, denials, rule_packs, time_zones
     FROM "${schema}".decisions WHERE phone_key = $1 ORDER BY decided_at DESC, check_id DESC LIMIT $2`,
    [phoneKey, limit],
  );
  return rows;
}
