import type { Pool } from '@outbound/store';
import { withTransaction } from '@outbound/store';
import { GENESIS_HASH, auditHash, verifyChain, type AuditFields } from '../../domain/audit-chain.js';

export interface AuditRecord extends AuditFields {
  readonly prevHash: string;
  readonly hash: string;
}

interface AuditRow {
  seq: string;
  at: Date;
  actor: string;
  action: string;
  target: string;
  service: string;
  details: Record<string, string>;
  prev_hash: string;
  hash: string;
}

function fromRow(row: AuditRow): AuditRecord {
  return { seq: Number(row.seq), at: row.at.toISOString(), actor: row.actor, action: row.action, target: row.target, service: row.service, details: row.details, prevHash: row.prev_hash, hash: row.hash };
}

/**
 * The append-only audit log. Appends are serialised with an advisory lock so each row can hash
 * its predecessor; the table's trigger refuses updates and deletes.
 */
export class AuditLog {
  constructor(
    private readonly pool: Pool,
    private readonly schema: string,
    private readonly now: () => number = Date.now,
  ) {}

  async append(entry: Omit<AuditFields, 'seq' | 'at'>): Promise<AuditRecord> {
    return withTransaction(this.pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${this.schema}.audit_log`]);
      const { rows } = await client.query<{ seq: string; hash: string }>(`SELECT seq, hash FROM "${this.schema}".audit_log ORDER BY seq DESC LIMIT 1`);
      const prevHash = rows[0]?.hash ?? GENESIS_HASH;
      // Millisecond precision, as PostgreSQL's timestamptz round-trips it exactly.
      const fields: AuditFields = { ...entry, seq: Number(rows[0]?.seq ?? 0) + 1, at: new Date(this.now()).toISOString() };
      const hash = auditHash(prevHash, fields);
      await client.query(
        `INSERT INTO "${this.schema}".audit_log (seq, at, actor, action, target, service, details, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [fields.seq, fields.at, fields.actor, fields.action, fields.target, fields.service, JSON.stringify(fields.details), prevHash, hash],
      );
      return { ...fields, prevHash, hash };
    });
  }

  async list(filter: { actor?: string; target?: string; afterSeq: number; limit: number }): Promise<{ entries: AuditRecord[]; chainValid: boolean }> {
    const { rows } = await this.pool.query<AuditRow>(
      `SELECT * FROM "${this.schema}".audit_log WHERE seq > $1 AND ($2::text IS NULL OR actor = $2) AND ($3::text IS NULL OR target = $3) ORDER BY seq LIMIT $4`,
      [filter.afterSeq, filter.actor ?? null, filter.target ?? null, filter.limit],
    );
    const entries = rows.map(fromRow);
    const last = entries[entries.length - 1];
    return { entries, chainValid: last ? await this.verifyUpTo(last.seq) : true };
  }

  /** Re-hash the chain from the start to `seq` (an audit of the audit log). */
  async verifyUpTo(seq: number): Promise<boolean> {
    const { rows } = await this.pool.query<AuditRow>(`SELECT * FROM "${this.schema}".audit_log WHERE seq <= $1 ORDER BY seq`, [seq]);
    const records = rows.map(fromRow);
    return records.every((r, i) => r.seq === i + 1) && verifyChain(records, GENESIS_HASH);
  }
}
