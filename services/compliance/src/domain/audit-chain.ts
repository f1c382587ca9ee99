import { createHash } from 'node:crypto';

export interface AuditFields {
  readonly seq: number;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly target: string;
  readonly service: string;
  readonly details: Readonly<Record<string, string>>;
}

export const GENESIS_HASH = '0'.repeat(64);

/** Canonical JSON (sorted detail keys) so the same row always hashes the same. */
export function auditHash(prevHash: string, row: AuditFields): string {
  const details = Object.fromEntries(Object.entries(row.details).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const canonical = JSON.stringify([
    prevHash,
    row.seq,
    row.at,
    row.actor,
    row.action,
    row.target,
    row.service,
    details,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

/**
 * Re-hash a run of rows in seq order, the first one linking to `startPrev`: the index of the first
 * row whose link or hash is wrong, or -1 when the run holds.
 */
export function firstBrokenRow(
  rows: ReadonlyArray<AuditFields & { prevHash: string; hash: string }>,
  startPrev: string,
): number {
  let prev = startPrev;
  for (const [index, row] of rows.entries()) {
    if (row.prevHash !== prev || auditHash(prev, row) !== row.hash) return index;
    prev = row.hash;
  }
  return -1;
}
