import { readWavHeader } from '@outbound/asr';
import type { Logger } from '@outbound/telemetry';
import { defaultPolicy, type PolicyDefaults } from '../domain/policy.js';
import { retainUntil } from '../domain/retention.js';
import type { AttemptIds, Policies, Recordings, SourceFolder, TranscriptionQueue } from './ports.js';
import type { RecordingVault } from './vault.js';

export interface FinishedRecording extends AttemptIds {
  readonly recordingId: string;
  readonly callId: string;
  /** `<callId>/<recordingId>.wav` in the switch's folder. */
  readonly path: string;
  /** When the file was closed. */
  readonly at: Date;
  readonly durationMs?: number;
}

export interface IngestObserver {
  stored?(sizeBytes: number): void;
}

/**
 * A recording the switch has closed: sealed and stored, its metadata committed, its transcription
 * queued, and only then the switch's copy removed. Every step is idempotent, so a redelivery after
 * a crash anywhere finishes the job and loses nothing.
 */
export class IngestRecording {
  constructor(
    private readonly deps: {
      readonly recordings: Recordings;
      readonly policies: Policies;
      readonly source: SourceFolder;
      readonly vault: RecordingVault;
      readonly queue: TranscriptionQueue;
      readonly defaults: PolicyDefaults;
      readonly logger: Logger;
      readonly now: () => number;
      readonly observer?: IngestObserver;
    },
  ) {}

  async ingest(recording: FinishedRecording): Promise<'stored' | 'already'> {
    const { recordings, source, vault, queue } = this.deps;
    let row = await recordings.get(recording.recordingId);
    if (row === undefined) {
      // Started by someone else (a StartRecording not ours): kept under the campaign's policy.
      const policy =
        (await this.deps.policies.get(recording.campaignId)) ?? defaultPolicy(recording.campaignId, this.deps.defaults);
      const startedAt = new Date(recording.at.getTime() - (recording.durationMs ?? 0));
      await recordings.insert({
        recordingId: recording.recordingId,
        callId: recording.callId,
        campaignId: recording.campaignId,
        leadId: recording.leadId,
        attemptId: recording.attemptId,
        startedAt,
        retentionDays: policy.retentionDays,
        industry: policy.industry,
        retainUntil: retainUntil(startedAt.getTime(), policy.retentionDays),
      });
      row = (await recordings.get(recording.recordingId))!;
    }
    if (row.state !== 'recording') {
      // Stored by an earlier delivery that stopped before the end: finish its last steps.
      if (row.state === 'stored' && row.transcription === 'pending') await queue.enqueue(jobOf(row));
      await source.remove(recording.path);
      return 'already';
    }
    const plain = await source.read(recording.path);
    const header = readWavHeader(plain);
    // A bad file is still the call's recording of record: stored as it is; transcription says why.
    const format = header.ok ? header.format : undefined;
    const sealed = await vault.put(row, plain);
    const won = await recordings.markStored(
      row.recordingId,
      {
        storageBackend: vault.backend,
        ...sealed,
        sizeBytes: plain.length,
        ...(format ? { durationMs: format.durationMs, channels: format.channels, sampleRate: format.sampleRate } : {}),
      },
      new Date(this.deps.now()),
    );
    if (!won) {
      // Another delivery stored it first (calls.recorded and calls.hangup at once): keep theirs.
      await vault.delete(sealed.storageKey);
      return 'already';
    }
    this.deps.observer?.stored?.(plain.length);
    await queue.enqueue(jobOf(row));
    await source.remove(recording.path);
    this.deps.logger.info(
      { recordingId: row.recordingId, attemptId: row.attemptId, bytes: plain.length, keyId: sealed.keyId },
      'recording stored',
    );
    return 'stored';
  }

  /** `calls.hangup`: recordings of the call still open whose file is there are taken now. */
  async onHangup(call: AttemptIds & { callId: string; at: Date }): Promise<number> {
    let taken = 0;
    for (const row of await this.deps.recordings.byCall(call.callId)) {
      if (row.state !== 'recording') continue;
      const path = `${row.callId}/${row.recordingId}.wav`;
      if (!(await this.deps.source.exists(path))) continue;
      await this.ingest({ ...call, recordingId: row.recordingId, path });
      taken++;
    }
    return taken;
  }
}

function jobOf(row: AttemptIds & { recordingId: string }) {
  return { campaignId: row.campaignId, leadId: row.leadId, attemptId: row.attemptId, recordingId: row.recordingId };
}
