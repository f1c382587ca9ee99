import { InvalidArgumentError } from '@outbound/errors';
import { toTimestamp } from '@outbound/proto';
import {
  ActorRole,
  RecordMode as ProtoRecordMode,
  RecordingState,
  TranscriptionState,
  type Recording,
  type RecordingPolicy as ProtoPolicy,
  type TranscriptSegment,
} from '@outbound/proto/outbound/v1/recording';
import type { Role } from '../../domain/access.js';
import type { Segment } from '../../domain/analysis.js';
import type { RecordMode, RecordingPolicy } from '../../domain/policy.js';
import type { RecordingRow } from '../../use-cases/ports.js';

const ts = (d: Date | undefined) => (d === undefined ? undefined : toTimestamp(d.getTime()));

const states = {
  recording: RecordingState.RECORDING_STATE_RECORDING,
  stored: RecordingState.RECORDING_STATE_STORED,
  purged: RecordingState.RECORDING_STATE_PURGED,
} as const;
const transcriptions = {
  pending: TranscriptionState.TRANSCRIPTION_STATE_PENDING,
  done: TranscriptionState.TRANSCRIPTION_STATE_DONE,
  failed: TranscriptionState.TRANSCRIPTION_STATE_FAILED,
} as const;

export function toProtoRecording(r: RecordingRow): Recording {
  return {
    recordingId: r.recordingId,
    attempt: { campaignId: r.campaignId, leadId: r.leadId, attemptId: r.attemptId },
    durationMs: r.durationMs ?? 0,
    startedAt: ts(r.startedAt),
    retainUntil: ts(r.retainUntil),
    storageKey: r.storageKey ?? '',
    callId: r.callId,
    state: states[r.state],
    sizeBytes: r.sizeBytes ?? 0,
    sha256: r.sha256 ?? '',
    keyId: r.keyId ?? '',
    channels: r.channels ?? 0,
    sampleRate: r.sampleRate ?? 0,
    transcription: transcriptions[r.transcription],
    transcriptionError: r.transcriptionError ?? '',
    storedAt: ts(r.storedAt),
    purgedAt: ts(r.purgedAt),
    storageBackend: r.storageBackend ?? '',
    agentId: r.agentId ?? '',
  };
}

export function toProtoSegment(s: Segment): TranscriptSegment {
  return {
    startMs: s.startMs,
    endMs: s.endMs,
    speaker: s.speaker,
    text: s.text,
    words: s.words.map((w) => ({ word: w.word, startMs: w.startMs, endMs: w.endMs, confidence: w.confidence ?? 0 })),
  };
}

const modes: Record<RecordMode, ProtoRecordMode> = {
  off: ProtoRecordMode.RECORD_MODE_OFF,
  on_answer: ProtoRecordMode.RECORD_MODE_ON_ANSWER,
  on_bridge: ProtoRecordMode.RECORD_MODE_ON_BRIDGE,
};

export function fromProtoMode(mode: ProtoRecordMode): RecordMode {
  if (mode === ProtoRecordMode.RECORD_MODE_ON_ANSWER) return 'on_answer';
  if (mode === ProtoRecordMode.RECORD_MODE_ON_BRIDGE) return 'on_bridge';
  return 'off';
}

export function fromProtoRole(role: ActorRole): Role {
  switch (role) {
    case ActorRole.ACTOR_ROLE_AGENT:
      return 'agent';
    case ActorRole.ACTOR_ROLE_SUPERVISOR:
      return 'supervisor';
    case ActorRole.ACTOR_ROLE_COMPLIANCE:
      return 'compliance';
    case ActorRole.ACTOR_ROLE_ADMIN:
      return 'admin';
    case ActorRole.ACTOR_ROLE_UNSPECIFIED:
    case ActorRole.UNRECOGNIZED:
      // Validation refuses these first; never a default role (least of all admin).
      throw InvalidArgumentError.field('actor.role', 'must be a known role');
  }
}

export function toProtoPolicy(p: RecordingPolicy): ProtoPolicy {
  return {
    campaignId: p.campaignId,
    mode: modes[p.mode],
    retentionDays: p.retentionDays,
    industry: p.industry,
    keywords: p.keywords.map((k) => ({ phrase: k.phrase, intent: k.intent })),
    version: p.version,
    updatedAt: ts(p.updatedAt),
  };
}
