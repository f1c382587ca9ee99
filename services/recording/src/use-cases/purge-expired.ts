import type { Logger } from '@outbound/telemetry';
import type { AuditLog, Recordings } from './ports.js';
import type { RecordingVault } from './vault.js';

export const RETENTION_ACTOR = 'recording-retention';

export interface PurgeResult {
  readonly purged: number;
  /** True when the audit log could not be written: the run stopped and nothing more was purged. */
  readonly auditFailed: boolean;
}

/**
 * Retention: recordings past their retain-until lose their file and transcript. Each purge is
 * written to compliance's audit log first; when the audit write fails, that recording and every
 * one after it in this run are left as they are (the next run tries again).
 */
export class PurgeExpired {
  constructor(
    private readonly deps: {
      readonly recordings: Recordings;
      readonly vault: RecordingVault;
      readonly audit: AuditLog;
      readonly logger: Logger;
      readonly now: () => number;
      readonly batch: number;
      /** How long a claimed recording is this run's before another replica may take it. */
      readonly leaseMs?: number;
      readonly onPurged?: (count: number) => void;
    },
  ) {}

  async runOnce(signal?: AbortSignal): Promise<PurgeResult> {
    const { recordings, vault, audit, logger } = this.deps;
    const due = await recordings.claimExpired(new Date(this.deps.now()), this.deps.batch, this.deps.leaseMs ?? 600_000);
    let purged = 0;
    for (const row of due) {
      if (signal?.aborted) break;
      try {
        await audit.record({
          actor: RETENTION_ACTOR,
          action: 'purged',
          target: `recording:${row.recordingId}`,
          // No dates: compliance refuses any 8-digit run as a possible phone number.
          details: {
            campaign: row.campaignId,
            attempt: row.attemptId,
            retentionDays: String(row.retentionDays),
            reason: 'retention',
          },
        });
      } catch (error) {
        logger.error(
          { err: error, recordingId: row.recordingId },
          'audit log unavailable: purge stopped, nothing deleted',
        );
        this.deps.onPurged?.(purged);
        return { purged, auditFailed: true };
      }
      if (row.storageKey !== undefined) await vault.delete(row.storageKey);
      await recordings.markPurged(row.recordingId, new Date(this.deps.now()));
      purged++;
    }
    if (purged > 0) logger.info({ purged }, 'expired recordings purged');
    this.deps.onPurged?.(purged);
    return { purged, auditFailed: false };
  }
}
