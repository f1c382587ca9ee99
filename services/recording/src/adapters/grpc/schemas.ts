import { ActorRole, RecordMode, StreamPurpose } from '@outbound/proto/outbound/v1/recording';
import { z } from 'zod';

// Request schemas at the gRPC edge. Messages describe the rule and never echo the value.

export const id = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'must be 1–128 characters of A–Z, a–z, 0–9, _ or -');
const optionalId = z.union([z.literal(''), id]);

// Enum numbers as generated (ActorRole, StreamPurpose, RecordMode in recording.proto).
export const actor = z.object(
  {
    id: z.string().regex(/^[A-Za-z0-9_.@-]{1,128}$/, 'must be an actor id'),
    role: z
      .enum(ActorRole, { error: 'must be a known role' })
      .refine((r) => r !== ActorRole.ACTOR_ROLE_UNSPECIFIED && r !== ActorRole.UNRECOGNIZED, 'must be a known role'),
  },
  { error: 'is required' },
);

export const getRecording = z.object({ recordingId: id });
export const getTranscript = z.object({ recordingId: id });
export const getPolicy = z.object({ campaignId: id });

export const listRecordings = z.object({
  campaignId: id,
  attemptId: optionalId,
  callId: optionalId,
  page: z
    .object({
      pageSize: z.number().int().min(0).max(1000, 'must be at most 1000'),
      pageToken: z.string().max(512),
    })
    .optional(),
});

export const searchTranscripts = z.object({
  query: z.string().trim().min(1, 'is required').max(200, 'must be at most 200 characters'),
  campaignId: optionalId,
  tag: z.union([z.literal(''), z.string().regex(/^[a-z0-9_]{1,64}$/, 'must be an intent tag such as price')]),
  limit: z.number().int().min(0).max(200, 'must be at most 200'),
});

export const streamRecording = z.object({
  recordingId: id,
  actor,
  purpose: z
    .enum(StreamPurpose, { error: 'must be PLAYBACK or DOWNLOAD' })
    .refine(
      (p) => p === StreamPurpose.STREAM_PURPOSE_PLAYBACK || p === StreamPurpose.STREAM_PURPOSE_DOWNLOAD,
      'must be PLAYBACK or DOWNLOAD',
    ),
});

export const setPolicy = z.object({
  policy: z.object(
    {
      campaignId: id,
      mode: z
        .enum(RecordMode, { error: 'must be OFF, ON_ANSWER or ON_BRIDGE' })
        .refine(
          (m) => m !== RecordMode.RECORD_MODE_UNSPECIFIED && m !== RecordMode.UNRECOGNIZED,
          'must be OFF, ON_ANSWER or ON_BRIDGE',
        ),
      retentionDays: z.number().int(),
      industry: z.string().regex(/^[a-z_]{1,32}$/, 'must be an industry such as finance or general'),
      keywords: z
        .array(
          z.object({
            phrase: z.string().trim().min(1, 'is required').max(64, 'must be at most 64 characters'),
            intent: z.string().regex(/^[a-z0-9_]{1,64}$/, 'must be an intent tag such as not_interested'),
          }),
        )
        .max(200, 'at most 200 keywords'),
    },
    { error: 'is required' },
  ),
  actor,
});
