import type { Logger } from '@outbound/telemetry';
import type { AuditLog } from '../adapters/sql/audit.js';
import type { EvidenceStore } from '../adapters/sql/evidence.js';

/** Work a replica does on a timer (the housekeeping adapter runs it). */
export interface Chore {
  readonly name: string;
  readonly everyMs: number;
  /** Stops early (returns) once `signal` aborts, so shutdown does not wait for a long run. */
  run(signal: AbortSignal): Promise<void>;
}

/**
 * Re-hash the whole audit chain from its start: catches an edit further back than the rows
 * ListAudit re-hashes (see AuditLog).
 */
export function verifyAuditChain(deps: { audit: AuditLog; logger: Logger; everyMs: number }): Chore {
  return {
    name: 'audit-verify',
    everyMs: deps.everyMs,
    run: async (signal) => {
      if ((await deps.audit.verifyAll(signal)) === false)
        deps.logger.error(
          'audit log chain broken: an entry was changed or removed; ListAudit now answers chain_valid false',
        );
    },
  };
}

const EVIDENCE_PURGE_EVERY_MS = 3_600_000;

/** Remove decision evidence past its retention. */
export function enforceEvidenceRetention(deps: {
  evidence: EvidenceStore;
  logger: Logger;
  retentionDays: number;
  now: () => number;
}): Chore {
  return {
    name: 'evidence-retention',
    everyMs: EVIDENCE_PURGE_EVERY_MS,
    run: async (signal) => {
      const removed = await deps.evidence.purgeOlderThan(deps.now() - deps.retentionDays * 86_400_000, signal);
      if (removed > 0)
        deps.logger.info(
          { removed, retentionDays: deps.retentionDays },
          'decision evidence past its retention removed',
        );
    },
  };
}
