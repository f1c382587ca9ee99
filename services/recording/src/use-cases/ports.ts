import type { Actor } from '../domain/access.js';
import type { Segment, SpottedKeyword } from '../domain/analysis.js';
import type { RecordingPolicy } from '../domain/policy.js';

/** The ids that tie a recording to its call attempt. */
export interface AttemptIds {
  readonly campaignId: string;
  readonly leadId: string;
  readonly attemptId: string;
}

export type RecordingState = 'recording' | 'stored' | 'purged';
export type TranscriptionState = 'pending' | 'done' | 'failed';

export interface RecordingRow extends AttemptIds {
  readonly recordingId: string;
  readonly callId: string;
  readonly agentId?: string;
  readonly state: RecordingState;
  readonly startedAt: Date;
  readonly retentionDays: number;
  readonly industry: string;
  readonly retainUntil: Date;
  readonly storedAt?: Date;
  readonly purgedAt?: Date;
  readonly storageBackend?: string;
  readonly storageKey?: string;
  readonly keyId?: string;
  readonly sha256?: string;
  readonly sealedSha256?: string;
  readonly sizeBytes?: number;
  readonly durationMs?: number;
  readonly channels?: number;
  readonly sampleRate?: number;
  readonly transcription: TranscriptionState;
  readonly transcriptionError?: string;
}

export interface NewRecording extends AttemptIds {
  readonly recordingId: string;
  readonly callId: string;
  readonly startedAt: Date;
  readonly retentionDays: number;
  readonly industry: string;
  readonly retainUntil: Date;
}

export interface StoredFacts {
  readonly storageBackend: string;
  readonly storageKey: string;
  readonly keyId: string;
  readonly sha256: string;
  readonly sealedSha256: string;
  readonly sizeBytes: number;
  readonly durationMs?: number;
  readonly channels?: number;
  readonly sampleRate?: number;
}

export interface RecordingPage {
  readonly recordings: RecordingRow[];
  readonly nextCursor?: string;
}

export interface Recordings {
  /** Inserts unless the recording id exists; true when inserted. */
  insert(recording: NewRecording): Promise<boolean>;
  get(recordingId: string): Promise<RecordingRow | undefined>;
  byCall(callId: string): Promise<RecordingRow[]>;
  list(
    filter: { campaignId: string; attemptId?: string; callId?: string },
    limit: number,
    cursor?: string,
  ): Promise<RecordingPage>;
  /** `recording` → `stored` with its facts; false when it was not in `recording` any more. */
  markStored(recordingId: string, facts: StoredFacts, at: Date): Promise<boolean>;
  setTranscription(recordingId: string, state: TranscriptionState, error?: string): Promise<void>;
  setAgent(attemptId: string, agentId: string): Promise<number>;
  /** Stored recordings past their retain-until, leased to this run for `leaseMs`. */
  claimExpired(now: Date, limit: number, leaseMs: number): Promise<RecordingRow[]>;
  /** The recording becomes a tombstone and its transcript is deleted, in one transaction. */
  markPurged(recordingId: string, at: Date): Promise<void>;
  /** Recordings sealed with a key other than `keyId` (for re-encryption). */
  sealedWithOtherKey(keyId: string, limit: number): Promise<RecordingRow[]>;
  setKey(recordingId: string, storageKey: string, keyId: string, sealedSha256: string): Promise<void>;
}

export interface TranscriptRow {
  readonly recordingId: string;
  readonly campaignId: string;
  readonly engine: string;
  readonly segments: Segment[];
  readonly body: string;
  readonly spotted: SpottedKeyword[];
  readonly keywords: SpottedKeyword[];
  readonly tags: string[];
  readonly sensitiveHits: number;
  readonly analysedAt?: Date;
  readonly createdAt: Date;
}

export interface SearchMatch {
  readonly recording: RecordingRow;
  readonly tags: string[];
  readonly rank: number;
  readonly segments: Segment[];
}

export interface Transcripts {
  save(row: Omit<TranscriptRow, 'keywords' | 'tags' | 'sensitiveHits' | 'createdAt' | 'analysedAt'>): Promise<void>;
  get(recordingId: string): Promise<TranscriptRow | undefined>;
  /** Stores the analysis and marks the recording's transcription done, in one transaction. */
  markAnalysed(recordingId: string, keywords: SpottedKeyword[], tags: string[], sensitiveHits: number): Promise<void>;
  search(query: string, filter: { campaignId?: string; tag?: string }, limit: number): Promise<SearchMatch[]>;
}

export interface Policies {
  get(campaignId: string): Promise<RecordingPolicy | undefined>;
  /** Stores the next version; returns it. */
  put(policy: Omit<RecordingPolicy, 'version' | 'updatedAt'>, actor: string): Promise<RecordingPolicy>;
}

/** Where sealed recordings are kept. Keys are ids only (`<campaign>/<recording>.sealed`). */
export interface BlobStore {
  readonly backend: 'filesystem' | 'object-store';
  /** Resolves once the bytes are durable (fsync'd, or acknowledged by JetStream). */
  put(key: string, bytes: Uint8Array): Promise<void>;
  /** NotFoundError when there is no such blob. */
  get(key: string): Promise<Buffer>;
  /** Idempotent: a missing blob is not an error. */
  delete(key: string): Promise<void>;
}

/** The switch's recordings folder: files media had recorded, by `<callId>/<recordingId>.wav`. */
export interface SourceFolder {
  /** NotFoundError when the file is not there (yet, or any more). */
  read(relativePath: string): Promise<Buffer>;
  exists(relativePath: string): Promise<boolean>;
  /** Idempotent; also removes the call's folder when it is left empty. */
  remove(relativePath: string): Promise<void>;
}

export interface MediaControl {
  startRecording(callId: string): Promise<{ recordingId: string }>;
}

export interface AuditEntry {
  readonly actor: string;
  readonly action: string;
  /** Ids only, e.g. `recording:<id>`. */
  readonly target: string;
  readonly details: Record<string, string>;
}

export interface AuditLog {
  /** Resolves once compliance's audit log holds the entry; rejects (UnavailableError) otherwise. */
  record(entry: AuditEntry): Promise<void>;
}

export interface SensitiveWordScanner {
  /** Compliance's ScanTranscript with the attempt: hits are published there as `compliance.violation`. */
  scan(industry: string, text: string, attempt: AttemptIds): Promise<number>;
}

export interface TranscriptionQueue {
  enqueue(job: AttemptIds & { recordingId: string }): Promise<void>;
}

export interface ChannelWords {
  readonly channel: 0 | 1;
  readonly words: import('@outbound/asr').RecognizedWord[];
}

/** Speech to text for a plain WAV held in memory. */
export interface Transcriber {
  readonly engine: string;
  /** Free transcription of each channel, and keyword mode on the customer's channel for `phrases`. */
  transcribe(
    wav: Buffer,
    channels: 1 | 2,
    phrases: readonly string[],
    signal?: AbortSignal,
  ): Promise<{ channels: ChannelWords[]; spotted: import('@outbound/asr').RecognizedWord[] }>;
  /** Refuses (with the reason) when the engine cannot work, e.g. a model file is missing. */
  check?(): Promise<void>;
  /** Stops engine processes kept between jobs. */
  close?(): Promise<void>;
}

export interface ReadyPublisher {
  ready(payload: {
    recording: RecordingRow;
    intents: { tag: string; count: number }[];
    segments: number;
    words: number;
    keywordHits: number;
    sensitiveHits: number;
    engine: string;
  }): Promise<void>;
}

export type { Actor };
