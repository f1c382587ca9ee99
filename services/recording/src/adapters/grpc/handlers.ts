import {
  RecordingServiceService,
  StreamPurpose,
  type RecordingServiceServer,
  type StreamRecordingResponse,
} from '@outbound/proto/outbound/v1/recording';
import { bindService, validateRequest, type ServiceBinding } from '@outbound/rpc';
import type { Logger } from '@outbound/telemetry';
import type { ManagePolicies } from '../../use-cases/manage-policies.js';
import type { RecordingQueries } from '../../use-cases/queries.js';
import type { StreamRecording } from '../../use-cases/stream-recording.js';
import { fromProtoMode, fromProtoRole, toProtoPolicy, toProtoRecording, toProtoSegment } from './convert.js';
import * as s from './schemas.js';

export interface HandlerDeps {
  readonly queries: RecordingQueries;
  readonly stream: StreamRecording;
  readonly policies: ManagePolicies;
}

/** RecordingService: each handler validates, calls one use case, encodes. */
export function recordingService(deps: HandlerDeps, logger: Logger): ServiceBinding {
  return bindService<RecordingServiceServer>(
    'outbound.v1.RecordingService',
    RecordingServiceService,
    {
      getRecording: async (request) => {
        const { recordingId } = validateRequest(s.getRecording, request);
        return { recording: toProtoRecording(await deps.queries.recording(recordingId)) };
      },

      listRecordings: async (request) => {
        const r = validateRequest(s.listRecordings, request);
        const size = r.page?.pageSize || 100;
        const page = await deps.queries.list(
          {
            campaignId: r.campaignId,
            ...(r.attemptId ? { attemptId: r.attemptId } : {}),
            ...(r.callId ? { callId: r.callId } : {}),
          },
          size,
          r.page?.pageToken || undefined,
        );
        return { recordings: page.recordings.map(toProtoRecording), page: { nextPageToken: page.nextCursor ?? '' } };
      },

      getTranscript: async (request) => {
        const { recordingId } = validateRequest(s.getTranscript, request);
        const t = await deps.queries.transcript(recordingId);
        return {
          transcript: {
            recordingId: t.recordingId,
            segments: t.segments.map(toProtoSegment),
            tags: t.tags,
            keywords: t.keywords.map((k) => ({
              keyword: k.keyword,
              intent: k.intent,
              count: k.count,
              source: k.source,
            })),
            engine: t.engine,
            sensitiveHits: t.sensitiveHits,
            createdAt: { seconds: Math.floor(t.createdAt.getTime() / 1000), nanos: 0 },
          },
        };
      },

      searchTranscripts: async (request) => {
        const r = validateRequest(s.searchTranscripts, request);
        const matches = await deps.queries.search(
          r.query,
          { ...(r.campaignId ? { campaignId: r.campaignId } : {}), ...(r.tag ? { tag: r.tag } : {}) },
          r.limit || 20,
        );
        return {
          matches: matches.map((m) => ({
            recordingId: m.recording.recordingId,
            attempt: {
              campaignId: m.recording.campaignId,
              leadId: m.recording.leadId,
              attemptId: m.recording.attemptId,
            },
            tags: m.tags,
            rank: m.rank,
            segments: m.segments.map(toProtoSegment),
          })),
        };
      },

      streamRecording: async function* (request, context): AsyncIterable<StreamRecordingResponse> {
        const r = validateRequest(s.streamRecording, request);
        const opened = await deps.stream.open(
          r.recordingId,
          { id: r.actor.id, role: fromProtoRole(r.actor.role) },
          r.purpose === StreamPurpose.STREAM_PURPOSE_DOWNLOAD ? 'download' : 'playback',
        );
        yield { recording: toProtoRecording(opened.recording), chunk: Buffer.alloc(0) };
        for (const chunk of opened.chunks()) {
          if (context.signal.aborted) return;
          yield { recording: undefined, chunk };
        }
      },

      setRecordingPolicy: async (request) => {
        const r = validateRequest(s.setPolicy, request);
        const policy = await deps.policies.set(
          {
            campaignId: r.policy.campaignId,
            mode: fromProtoMode(r.policy.mode),
            retentionDays: r.policy.retentionDays,
            industry: r.policy.industry,
            keywords: r.policy.keywords,
          },
          { id: r.actor.id, role: fromProtoRole(r.actor.role) },
        );
        return { policy: toProtoPolicy(policy) };
      },

      getRecordingPolicy: async (request) => {
        const { campaignId } = validateRequest(s.getPolicy, request);
        return { policy: toProtoPolicy(await deps.policies.get(campaignId)) };
      },
    },
    logger,
  );
}
