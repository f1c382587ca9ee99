import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Server, ServerCredentials, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { Bus, events } from '@outbound/bus';
import {
  Recording,
  RecordingServiceClient,
  Transcript,
  RecordingServiceService,
  type GetRecordingRequest,
  type GetRecordingResponse,
  type GetTranscriptRequest,
  type GetTranscriptResponse,
} from '@outbound/proto/outbound/v1/recording';
import { createClient } from '@outbound/rpc';
import { createLogger } from '@outbound/telemetry';
import { testUrls, uniqueName, waitFor } from '@outbound/testkit';
import type { TranscriptDto } from '../src/shared/dto.js';
import { createTranscriptFeed, type TranscriptFeed } from '../src/gateway/use-cases/transcripts.js';

// Real NATS; the recording service is a stand-in gRPC server answering for two recordings, so the
// test sees which transcripts the gateway fetched (only those someone watches).
const logger = createLogger({ service: 'console-test', level: process.env['TEST_LOG'] ?? 'silent' });
const asked: string[] = [];
const agentOf: Record<string, string> = {};
let server: Server;
let bus: Bus;
let client: RecordingServiceClient;
let feed: TranscriptFeed;

before(async () => {
  server = new Server();
  server.addService(RecordingServiceService, {
    getRecording: (
      call: ServerUnaryCall<GetRecordingRequest, GetRecordingResponse>,
      done: sendUnaryData<GetRecordingResponse>,
    ) =>
      done(null, {
        recording: Recording.fromPartial({
          recordingId: call.request.recordingId,
          agentId: agentOf[call.request.recordingId] ?? '',
        }),
      }),
    getTranscript: (
      call: ServerUnaryCall<GetTranscriptRequest, GetTranscriptResponse>,
      done: sendUnaryData<GetTranscriptResponse>,
    ) => {
      asked.push(call.request.recordingId);
      done(null, {
        transcript: Transcript.fromPartial({
          recordingId: call.request.recordingId,
          tags: ['price'],
          keywords: [],
          engine: 'pocketsphinx',
          sensitiveHits: 1,
          createdAt: { seconds: 1_800_000_000, nanos: 0 },
          segments: [
            { speaker: 'agent', startMs: 0, endMs: 2_000, text: 'a guaranteed return on your savings', words: [] },
            { speaker: 'customer', startMs: 2_500, endMs: 5_000, text: 'my account is 1234 5678 9', words: [] },
          ],
        }),
      });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  client = createClient(RecordingServiceClient, `127.0.0.1:${String(port)}`);
  bus = await Bus.connect({ url: testUrls.nats, name: 'console-test', logger });
  await bus.ensureStreams();
  feed = createTranscriptFeed({ bus, recording: client, instance: uniqueName('t').replace(/[^A-Za-z0-9_-]/g, '_') });
  await feed.start();
});

after(async () => {
  await feed?.stop();
  await bus?.close();
  client?.close();
  server?.forceShutdown();
});

const ready = (campaignId: string, attemptId: string, recordingId: string) =>
  bus.publish(events.transcriptsReady, {
    campaignId,
    leadId: 'lead-1',
    attemptId,
    callId: `call-${attemptId}`,
    recordingId,
    intents: [{ tag: 'price', count: 1 }],
    segments: 2,
    words: 12,
    keywordHits: 1,
    sensitiveHits: 1,
    durationMs: 5_000,
    engine: 'pocketsphinx',
  });

test("transcripts reach the agent who took the call and the campaign's board, with compliance's sensitive words; digits masked", async () => {
  const campaignId = uniqueName('camp').replace(/[^A-Za-z0-9_-]/g, '_');
  const mine: TranscriptDto[] = [];
  const board: TranscriptDto[] = [];
  const other: TranscriptDto[] = [];
  agentOf['rec-1'] = 'agent-7';
  const stops = [
    feed.watchAgent('agent-7', (t) => mine.push(t)),
    feed.watchCampaign(campaignId, (t) => board.push(t)),
    feed.watchAgent('agent-8', (t) => other.push(t)),
  ];
  await bus.publish(events.complianceViolation, {
    campaignId,
    leadId: 'lead-1',
    attemptId: 'att-1',
    kind: 'sensitive_words',
    words: ['guaranteed return'],
    lists: ['finance'],
  });
  // Compliance's verdict is in before the transcript's fact, as the recording service orders them.
  await new Promise((resolve) => setTimeout(resolve, 300));
  await ready(campaignId, 'att-1', 'rec-1');
  await waitFor(() => mine.length === 1 && board.length === 1, { what: 'the transcript on the desk and the board' });
  const t = mine[0]!;
  assert.deepEqual(
    [t.recordingId, t.campaignId, t.attemptId, t.agentId, t.tags, t.sensitiveWords],
    ['rec-1', campaignId, 'att-1', 'agent-7', ['price'], ['guaranteed return']],
  );
  assert.equal(t.segments[1]?.text, 'my account is **** **** *', 'a number read out is masked');
  assert.equal(t.at, 1_800_000_000_000);
  assert.deepEqual(board[0], t);
  assert.deepEqual(other, [], 'another agent does not see it');

  // A page opened afterwards gets the recent transcripts at once.
  const late: TranscriptDto[] = [];
  stops.push(feed.watchAgent('agent-7', (x) => late.push(x)));
  assert.deepEqual(late, [t]);
  for (const stop of stops) stop();
});

test('a transcript nobody watches is not fetched', async () => {
  const campaignId = uniqueName('camp').replace(/[^A-Za-z0-9_-]/g, '_');
  agentOf['rec-2'] = 'agent-9';
  const before = asked.length;
  const seen: TranscriptDto[] = [];
  const stop = feed.watchCampaign(campaignId, (t) => seen.push(t));
  await ready(`${campaignId}_other`, 'att-2', 'rec-2');
  await ready(campaignId, 'att-3', 'rec-3');
  await waitFor(() => seen.length === 1, { what: 'the watched campaign' });
  assert.deepEqual(asked.slice(before), ['rec-3'], 'only the watched transcript was fetched');
  stop();
});
