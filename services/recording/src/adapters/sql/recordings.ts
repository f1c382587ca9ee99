import type { Pool } from '@outbound/store';
import { withTransaction } from '@outbound/store';
import type {
  NewRecording,
  RecordingPage,
  RecordingRow,
  Recordings,
  StoredFacts,
  TranscriptionState,
} from '../../use-cases/ports.js';

interface Row {
  recording_id: string;
  call_id: string;
  campaign_id: string;
  lead_id: string;
  attempt_id: string;
  agent_id: string | null;
  state: RecordingRow['state'];
  started_at: Date;
  retention_days: number;
  industry: string;
  retain_until: Date;
  stored_at: Date | null;
  purged_at: Date | null;
  storage_backend: string | null;
  storage_key: string | null;
  key_id: string | null;
  sha256: string | null;
  sealed_sha256: string | null;
  size_bytes: string | null;
  duration_ms: number | null;
  channels: number | null;
  sample_rate: number | null;
  transcription: TranscriptionState;
  transcription_error: string | null;
}

export function toRecording(r: Row): RecordingRow {
  const opt = <K extends string, V>(key: K, value: V | null): { [P in K]?: V } =>
    (value === null ? {} : { [key]: value }) as { [P in K]?: V };
  return {
    recordingId: r.recording_id,
    callId: r.call_id,
    campaignId: r.campaign_id,
    leadId: r.lead_id,
    attemptId: r.attempt_id,
    state: r.state,
    startedAt: r.started_at,
    retentionDays: r.retention_days,
    industry: r.industry,
    retainUntil: r.retain_until,
    transcription: r.transcription,
    ...opt('agentId', r.agent_id),
    ...opt('storedAt', r.stored_at),
    ...opt('purgedAt', r.purged_at),
    ...opt('storageBackend', r.storage_backend),
    ...opt('storageKey', r.storage_key),
    ...opt('keyId', r.key_id),
    ...opt('sha256', r.sha256),
    ...opt('sealedSha256', r.sealed_sha256),
    ...opt('sizeBytes', r.size_bytes === null ? null : Number(r.size_bytes)),
    ...opt('durationMs', r.duration_ms),
    ...opt('channels', r.channels),
    ...opt('sampleRate', r.sample_rate),
    ...opt('transcriptionError', r.transcription_error),
  };
}

/** Cursor: the last row's start and id, so pages stay stable while recordings are added. */
function encodeCursor(row: RecordingRow): string {
  return Buffer.from(JSON.stringify([row.startedAt.toISOString(), row.recordingId])).toString('base64url');
}

export function decodeCursor(cursor: string): [string, string] | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(parsed) && parsed.length === 2 && parsed.every((p) => typeof p === 'string'))
      return parsed as [string, string];
  } catch {
    // fall through: not a cursor of ours
  }
  return undefined;
}

export class SqlRecordings implements Recordings {
  private readonly t: string;

  constructor(
    private readonly pool: Pool,
    private readonly schema: string,
  ) {
    this.t = `${schema}.recordings`;
  }

  async insert(r: NewRecording): Promise<boolean> {
    const result = await this.pool.query(
      `INSERT INTO ${this.t} (recording_id, call_id, campaign_id, lead_id, attempt_id, state, started_at,
         retention_days, industry, retain_until)
       VALUES ($1, $2, $3, $4, $5, 'recording', $6, $7, $8, $9) ON CONFLICT (recording_id) DO NOTHING`,
      [
        r.recordingId,
        r.callId,
        r.campaignId,
        r.leadId,
        r.attemptId,
        r.startedAt,
        r.retentionDays,
        r.industry,
        r.retainUntil,
      ],
    );
    return result.rowCount === 1;
  }

  async get(recordingId: string): Promise<RecordingRow | undefined> {
    const { rows } = await this.pool.query<Row>(`SELECT * FROM ${this.t} WHERE recording_id = $1`, [recordingId]);
    return rows[0] ? toRecording(rows[0]) : undefined;
  }

  async byCall(callId: string): Promise<RecordingRow[]> {
    const { rows } = await this.pool.query<Row>(`SELECT * FROM ${this.t} WHERE call_id = $1 ORDER BY started_at`, [
      callId,
    ]);
    return rows.map(toRecording);
  }

  async list(
    filter: { campaignId: string; attemptId?: string; callId?: string },
    limit: number,
    cursor?: string,
  ): Promise<RecordingPage> {
    const params: unknown[] = [filter.campaignId];
    const where = ['campaign_id = $1'];
    if (filter.attemptId) where.push(`attempt_id = $${params.push(filter.attemptId)}`);
    if (filter.callId) where.push(`call_id = $${params.push(filter.callId)}`);
    const after = cursor ? decodeCursor(cursor) : undefined;
    if (after)
      where.push(`(started_at, recording_id) < ($${params.push(after[0])}::timestamptz, $${params.push(after[1])})`);
    const { rows } = await this.pool.query<Row>(
      `SELECT * FROM ${this.t} WHERE ${where.join(' AND ')}
       ORDER BY started_at DESC, recording_id DESC LIMIT $${params.push(limit + 1)}`,
      params,
    );
    const page = rows.slice(0, limit).map(toRecording);
    return rows.length > limit
      ? { recordings: page, nextCursor: encodeCursor(page[page.length - 1]!) }
      : { recordings: page };
  }

  async markStored(recordingId: string, f: StoredFacts, at: Date): Promise<boolean> {
    const result = await this.pool.query(
      `UPDATE ${this.t} SET state = 'stored', stored_at = $2, storage_backend = $3, storage_key = $4, key_id = $5,
         sha256 = $6, sealed_sha256 = $7, size_bytes = $8, duration_ms = $9, channels = $10, sample_rate = $11
       WHERE recording_id = $1 AND state = 'recording'`,
      [
        recordingId,
        at,
        f.storageBackend,
        f.storageKey,
        f.keyId,
        f.sha256,
        f.sealedSha256,
        f.sizeBytes,
        f.durationMs ?? null,
        f.channels ?? null,
        f.sampleRate ?? null,
      ],
    );
    return result.rowCount === 1;
  }

  async setTranscription(recordingId: string, state: TranscriptionState, error?: string): Promise<void> {
    await this.pool.query(`UPDATE ${this.t} SET transcription = $2, transcription_error = $3 WHERE recording_id = $1`, [
      recordingId,
      state,
      error ?? null,
    ]);
  }

  async setAgent(attemptId: string, agentId: string): Promise<number> {
    const result = await this.pool.query(
      `UPDATE ${this.t} SET agent_id = $2 WHERE attempt_id = $1 AND agent_id IS DISTINCT FROM $2`,
      [attemptId, agentId],
    );
    return result.rowCount ?? 0;
  }

  async claimExpired(now: Date, limit: number, leaseMs: number): Promise<RecordingRow[]> {
    const { rows } = await this.pool.query<Row>(
      `UPDATE ${this.t} SET purge_claimed_until = $1::timestamptz + make_interval(secs => $3::double precision / 1000)
       WHERE recording_id IN (
         SELECT recording_id FROM ${this.t}
         WHERE state = 'stored' AND retain_until <= $1 AND (purge_claimed_until IS NULL OR purge_claimed_until < $1)
         ORDER BY retain_until LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [now, limit, leaseMs],
    );
    return rows.map(toRecording).sort((a, b) => a.retainUntil.getTime() - b.retainUntil.getTime());
  }

  async markPurged(recordingId: string, at: Date): Promise<void> {
    await withTransaction(this.pool, async (client) => {
      await client.query(`DELETE FROM ${this.schema}.transcripts WHERE recording_id = $1`, [recordingId]);
      // The tombstone keeps ids and dates; checksums and the storage key go with the file.
      await client.query(
        `UPDATE ${this.t} SET state = 'purged', purged_at = $2, storage_key = NULL, sha256 = NULL, sealed_sha256 = NULL,
           purge_claimed_until = NULL WHERE recording_id = $1`,
        [recordingId, at],
      );
    });
  }

  async sealedWithOtherKey(keyId: string, limit: number): Promise<RecordingRow[]> {
    const { rows } = await this.pool.query<Row>(
      `SELECT * FROM ${this.t} WHERE state = 'stored' AND key_id <> $1 ORDER BY stored_at LIMIT $2`,
      [keyId, limit],
    );
    return rows.map(toRecording);
  }

  async setKey(recordingId: string, storageKey: string, keyId: string, sealedSha256: string): Promise<void> {
    await this.pool.query(
      `UPDATE ${this.t} SET storage_key = $2, key_id = $3, sealed_sha256 = $4 WHERE recording_id = $1 AND state = 'stored'`,
      [recordingId, storageKey, keyId, sealedSha256],
    );
  }
}
