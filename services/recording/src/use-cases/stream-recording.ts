import { FailedPreconditionError, NotFoundError, PermissionDeniedError } from '@outbound/errors';
import { mayAccess, type Actor } from '../domain/access.js';
import type { AuditLog, RecordingRow, Recordings } from './ports.js';
import type { RecordingVault } from './vault.js';

/**
 * Playback and download: the actor is checked, the access written to the audit log (no byte leaves
 * before it is recorded), and the decrypted, checksum-verified WAV given out in chunks.
 */
export class StreamRecording {
  constructor(
    private readonly deps: {
      readonly recordings: Recordings;
      readonly vault: RecordingVault;
      readonly audit: AuditLog;
      readonly chunkBytes: number;
    },
  ) {}

  async open(
    recordingId: string,
    actor: Actor,
    purpose: 'playback' | 'download',
  ): Promise<{ recording: RecordingRow; chunks: () => Generator<Buffer> }> {
    const row = await this.deps.recordings.get(recordingId);
    if (row === undefined) throw new NotFoundError('recording', recordingId);
    const decision = mayAccess(actor, row);
    if (!decision.allowed) throw new PermissionDeniedError(decision.reason, { reason: 'NOT_YOUR_CALL' });
    if (row.state === 'purged')
      throw new FailedPreconditionError('the recording was purged at the end of its retention', {
        reason: 'RECORDING_PURGED',
      });
    if (row.state !== 'stored')
      throw new FailedPreconditionError('the recording is not stored yet', { reason: 'RECORDING_NOT_STORED' });
    await this.deps.audit.record({
      actor: actor.id,
      action: purpose === 'download' ? 'downloaded' : 'played',
      target: `recording:${row.recordingId}`,
      details: { role: actor.role, campaign: row.campaignId, attempt: row.attemptId },
    });
    const plain = await this.deps.vault.open(row);
    const size = this.deps.chunkBytes;
    return {
      recording: row,
      *chunks() {
        for (let at = 0; at < plain.length; at += size) yield plain.subarray(at, Math.min(plain.length, at + size));
      },
    };
  }
}
