import { GroupCommit, withTransaction, type Pool } from '@outbound/store';
import { GENESIS_HASH, auditHash, firstBrokenRow, type AuditFields } from '../../domain/audit-chain.js';

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
  return {
    seq: Number(row.seq),
    at: row.at.toISOString(),
    actor: row.actor,
    action: row.action,
    target: row.target,
    service: row.service,
    details: row.details,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/** Entries appended in one transaction at most (9 parameters each, well under PostgreSQL's 65,535). */
const APPEND_BATCH = 200;

/** Rows re-hashed per query when verifying: memory stays bounded whatever the log's length. */
const VERIFY_PAGE = 5_000;

/**
 * The append-only audit log. Appends are serialised with an advisory lock so each row can hash
 * its predecessor (those waiting meanwhile go in together); the table's trigger refuses updates
 * and deletes.
 *
 * Verification is incremental: the log only grows, so this process remembers the furthest row it
 * has re-hashed from the genesis and, when asked about a later row, re-hashes only the rows since,
 * a page at a time. The remembered row itself is re-read each time (an edit to it shows at once);
 * edits further back, which the trigger refuses unless someone disables it, show at the next full
 * verification (`verifyAll`, at start and then periodically), after which every answer is false.
 */
export class AuditLog {
  private verified = { seq: 0, hash: GENESIS_HASH };
  /** The first row a verification found broken: every answer from it on is false. */
  private brokenFrom = Number.POSITIVE_INFINITY;

  constructor(
    private readonly pool: Pool,
    private readonly schema: string,
    private readonly now: () => number = Date.now,
    private readonly pageRows = VERIFY_PAGE,
  ) {}

  /**
   * Appends handed in while one is being written go into the next transaction together: one
   * lock, one read of the tip, one INSERT for them all. Every revealed lead is audited before the
   * dialer may dial it, and one transaction of five round trips per entry, each waiting for the
   * global lock, bounded the platform's calls per second.
   */
  private readonly appends = new GroupCommit<Omit<AuditFields, 'seq' | 'at'>, AuditRecord>(
    (entries) => this.appendMany(entries),
    APPEND_BATCH,
  );

  /** Resolves with the entry as chained, once its transaction committed. */
  append(entry: Omit<AuditFields, 'seq' | 'at'>): Promise<AuditRecord> {
    return this.appends.add(entry);
  }

  private appendMany(entries: ReadonlyArray<Omit<AuditFields, 'seq' | 'at'>>): Promise<AuditRecord[]> {
    return withTransaction(this.pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${this.schema}.audit_log`]);
      const { rows } = await client.query<{ seq: string; hash: string }>(
        `SELECT seq, hash FROM "${this.schema}".audit_log ORDER BY seq DESC LIMIT 1`,
      );
      let prevHash = rows[0]?.hash ?? GENESIS_HASH;
      let seq = Number(rows[0]?.seq ?? 0);
      // Millisecond precision, as PostgreSQL's timestamptz round-trips it exactly.
      const at = new Date(this.now()).toISOString();
      const records: AuditRecord[] = entries.map((entry) => {
        const fields: AuditFields = { ...entry, seq: ++seq, at };
        const record = { ...fields, prevHash, hash: auditHash(prevHash, fields) };
        prevHash = record.hash;
        return record;
      });
      const values: unknown[] = [];
      const tuples = records.map((r) => {
        const base = values.length;
        values.push(r.seq, r.at, r.actor, r.action, r.target, r.service, JSON.stringify(r.details), r.prevHash, r.hash);
        return `(${Array.from({ length: 9 }, (_, i) => `$${String(base + i + 1)}`).join(', ')})`;
      });
      await client.query(
        `INSERT INTO "${this.schema}".audit_log (seq, at, actor, action, target, service, details, prev_hash, hash) VALUES ${tuples.join(', ')}`,
        values,
      );
      return records;
    });
  }

  async list(filter: {
    actor?: string;
    target?: string;
    afterSeq: number;
    limit: number;
  }): Promise<{ entries: AuditRecord[]; chainValid: boolean }> {
    const { rows } = await this.pool.query<AuditRow>(
      `SELECT * FROM "${this.schema}".audit_log WHERE seq > $1 AND ($2::text IS NULL OR actor = $2) AND ($3::text IS NULL OR target = $3) ORDER BY seq LIMIT $4`,
      [filter.afterSeq, filter.actor ?? null, filter.target ?? null, filter.limit],
    );
    const entries = rows.map(fromRow);
    const last = entries[entries.length - 1];
    return { entries, chainValid: last ? await this.verifyUpTo(last.seq) : true };
  }

  /** Whether the chain from the genesis to `seq` re-hashes correctly (see the class comment). */
  async verifyUpTo(seq: number): Promise<boolean> {
    if (seq >= this.brokenFrom) return false;
    const start = this.verified;
    if (start.seq > 0) {
      const { rows } = await this.pool.query<{ hash: string }>(
        `SELECT hash FROM "${this.schema}".audit_log WHERE seq = $1`,
        [start.seq],
      );
      if (rows[0]?.hash !== start.hash) return this.broken(start.seq);
    }
    if (seq <= start.seq) return true;
    return (await this.rehash(start, seq)) === true;
  }

  /**
   * Re-hash the whole chain from the genesis, a page at a time: whether it holds, or undefined
   * when `signal` stopped it first.
   */
  async verifyAll(signal?: AbortSignal): Promise<boolean | undefined> {
    const { rows } = await this.pool.query<{ seq: string | null }>(
      `SELECT max(seq) AS seq FROM "${this.schema}".audit_log`,
    );
    const tip = Number(rows[0]?.seq ?? 0);
    return tip === 0 || this.rehash({ seq: 0, hash: GENESIS_HASH }, tip, signal);
  }

  private async rehash(
    from: { seq: number; hash: string },
    to: number,
    signal?: AbortSignal,
  ): Promise<boolean | undefined> {
    let at = from;
    while (at.seq < to) {
      if (signal?.aborted) return undefined;
      const { rows } = await this.pool.query<AuditRow>(
        `SELECT * FROM "${this.schema}".audit_log WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3`,
        [at.seq, to, this.pageRows],
      );
      const records = rows.map(fromRow);
      if (records.length === 0) return this.broken(at.seq + 1);
      // A gap (a deleted row) breaks the chain as surely as an edited one.
      const gapAt = records.findIndex((r, i) => r.seq !== at.seq + i + 1);
      const badAt = firstBrokenRow(gapAt >= 0 ? records.slice(0, gapAt) : records, at.hash);
      if (badAt >= 0 || gapAt >= 0) return this.broken(at.seq + 1 + (badAt >= 0 ? badAt : gapAt));
      const last = records[records.length - 1]!;
      at = { seq: last.seq, hash: last.hash };
      if (at.seq > this.verified.seq) this.verified = at;
    }
    return true;
  }

  private broken(seq: number): false {
    this.brokenFrom = Math.min(this.brokenFrom, seq);
    return false;
  }
}
