import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { events, type ConsumerHandle, type Envelope, type PayloadOf } from '@outbound/bus';
import {
  ComplianceServiceClient,
  type ListAuditRequest,
  type ListAuditResponse,
} from '@outbound/proto/outbound/v1/compliance';
import { MediaServiceClient, type OriginateRequest, type OriginateResponse } from '@outbound/proto/outbound/v1/media';
import {
  ActorRole,
  RecordMode,
  RecordingServiceClient,
  RecordingState,
  StreamPurpose,
  type GetRecordingResponse,
  type GetTranscriptRequest,
  type GetTranscriptResponse,
  type GetRecordingRequest,
  type SearchTranscriptsRequest,
  type SearchTranscriptsResponse,
  type SetRecordingPolicyRequest,
  type SetRecordingPolicyResponse,
  type StreamRecordingRequest,
  type StreamRecordingResponse,
} from '@outbound/proto/outbound/v1/recording';
import { Metadata, Status, createClient, unary } from '@outbound/rpc';
import { Processes, availablePort, testUrls, uniqueName, waitFor } from '@outbound/testkit';
import { startHarness, wavBytes, type Harness } from '../support/harness.js';

// The whole path with real processes: switch-sim (flite speech in a real stereo WAV), media over
// ESL, compliance, and this service with real pocketsphinx. A call is answered, recorded on the
// campaign's policy, stored sealed in the object store, transcribed, tagged, found through
// `transcripts.ready`, queried and played back through gRPC; its sensitive words reach compliance.

const servicePath = (name: string) => fileURLToPath(new URL(`../../../../${name}/dist/src/main.js`, import.meta.url));

const processes = new Processes();
const dir = mkdtempSync(join(tmpdir(), 'recording-e2e-'));
const recordingsDir = join(dir, 'recordings');
const probe = uniqueName('recx')
  .toLowerCase()
  .replace(/[^a-z0-9_]/g, '_');
const complianceAddress = `127.0.0.1:${await availablePort()}`;
const mediaAddress = `127.0.0.1:${await availablePort()}`;
let recording: Harness;
let client: RecordingServiceClient;
let compliance: ComplianceServiceClient;
let media: MediaServiceClient;
const consumers: ConsumerHandle[] = [];

before(async () => {
  mkdirSync(recordingsDir, { recursive: true });
  const scenario = join(dir, 'scenario.json');
  writeFileSync(
    scenario,
    JSON.stringify({
      name: 'recording end to end',
      rules: [
        {
          outcomes: [
            {
              outcome: 'human',
              ringMs: 300,
              talkMs: 12_000,
              // Said well after the answer: the recording starts when the service has heard of the
              // answer and media has asked the switch, which on a loaded machine (the full suite
              // in CI) took over 3 s once, cutting the first words.
              speech: [
                { atMs: 5_000, text: 'i am not interested' },
                { atMs: 8_000, text: 'you promise a guaranteed return' },
              ],
            },
          ],
        },
      ],
    }),
  );
  const sim = await processes.start(servicePath('switch-sim'), {}, (l) => l['msg'] === 'switch-sim listening', [
    '--listen',
    '127.0.0.1:0',
    '--scenario',
    scenario,
    '--seed',
    '3',
  ]);
  const key = randomBytes(32).toString('base64');
  const urls = {
    NATS_URL: testUrls.nats,
    REDIS_URL: testUrls.redis,
    DATABASE_URL: testUrls.database,
    LOG_LEVEL: 'warn',
  };
  await Promise.all([
    processes.start(
      servicePath('media'),
      {
        ...urls,
        ESL_NODES: `fs1=127.0.0.1:${String(sim.ready['port'])}:ClueCon`,
        GRPC_ADDRESS: mediaAddress,
        DEFAULT_GATEWAY: 'carrier1',
        RECORDINGS_DIR: recordingsDir,
        LOG_LEVEL: 'info',
      },
      (l) => l['msg'] === 'media started',
    ),
    processes.start(
      servicePath('compliance'),
      {
        ...urls,
        LOG_LEVEL: 'info',
        GRPC_ADDRESS: complianceAddress,
        COMPLIANCE_DB_SCHEMA: `${probe}_compliance`,
        COMPLIANCE_REDIS_PREFIX: probe,
        COMPLIANCE_DURABLE_PREFIX: probe,
        COMPLIANCE_BLIND_INDEX_SECRET: key,
        BLIND_INDEX_KEY: key,
      },
      (l) => l['msg'] === 'compliance ready',
    ),
  ]);
  recording = await startHarness({
    MEDIA_ADDRESS: mediaAddress,
    COMPLIANCE_ADDRESS: complianceAddress,
    RECORDINGS_SOURCE_DIR: recordingsDir,
    RECORDING_STORAGE: 'object-store',
    RECORDING_DEFAULT_MODE: 'off',
  });
  client = createClient(RecordingServiceClient, `127.0.0.1:${recording.port}`);
  compliance = createClient(ComplianceServiceClient, complianceAddress);
  media = createClient(MediaServiceClient, mediaAddress);
});

after(async () => {
  for (const c of consumers) await c.stop();
  client?.close();
  compliance?.close();
  media?.close();
  await recording?.bus.manager.streams.delete(`OBJ_${recording.name}`).catch(() => undefined);
  await recording?.close();
  processes.stopAll();
});

function watch<E extends typeof events.transcriptsReady | typeof events.complianceViolation>(
  event: E,
  campaignId: string,
) {
  const seen: Envelope<PayloadOf<E>>[] = [];
  return {
    seen,
    async start() {
      consumers.push(
        await recording.bus.consume({
          event: event as typeof events.transcriptsReady,
          durable: uniqueName('e2e').replace(/[^A-Za-z0-9_-]/g, '_'),
          filterSubject: event.subjectForKey(campaignId),
          handler: async (d) => void seen.push(d.event as unknown as Envelope<PayloadOf<E>>),
        }),
      );
    },
  };
}

const call = <Req, Res>(
  method: Parameters<typeof unary<Req, Res>>[0],
  c: RecordingServiceClient | ComplianceServiceClient | MediaServiceClient,
  req: Req,
) => unary<Req, Res>(method, c, req, new Metadata());

async function streamAll(request: StreamRecordingRequest): Promise<StreamRecordingResponse[]> {
  const out: StreamRecordingResponse[] = [];
  for await (const message of client.streamRecording(request) as AsyncIterable<StreamRecordingResponse>)
    out.push(message);
  return out;
}

test('a call on switch-sim: recorded, sealed, transcribed, tagged, searchable, played back; its sensitive words reach compliance', async () => {
  const campaignId = uniqueName('camp').replace(/[^A-Za-z0-9_-]/g, '_');
  const attemptId = uniqueName('att').replace(/[^A-Za-z0-9_-]/g, '_');
  const policy = await call<SetRecordingPolicyRequest, SetRecordingPolicyResponse>(client.setRecordingPolicy, client, {
    policy: {
      campaignId,
      mode: RecordMode.RECORD_MODE_ON_ANSWER,
      retentionDays: 1095,
      industry: 'finance',
      keywords: [
        { phrase: 'not interested', intent: 'not_interested' },
        { phrase: '不需要', intent: 'not_interested' },
        { phrase: 'price', intent: 'price' },
      ],
      version: 0,
      updatedAt: undefined,
    },
    actor: { id: 'supervisor-1', role: ActorRole.ACTOR_ROLE_SUPERVISOR },
  });
  assert.equal(policy.policy?.version, 1);
  const ready = watch(events.transcriptsReady, campaignId);
  const violations = watch(events.complianceViolation, campaignId);
  await ready.start();
  await violations.start();

  const { callId } = await call<OriginateRequest, OriginateResponse>(media.originate, media, {
    attempt: { campaignId, leadId: 'lead-e2e', attemptId },
    destination: '+15550107788',
    callerId: '',
    gateway: '',
    amd: false,
    ringTimeoutMs: 0,
    complianceCheckId: '',
  });

  const fact = await waitFor(() => ready.seen.find((e) => e.data.callId === callId), {
    what: 'transcripts.ready for the call',
    timeoutMs: 90_000,
  });
  assert.deepEqual(
    fact.data.intents.find((i) => i.tag === 'not_interested')?.count !== undefined,
    true,
    `intents: ${JSON.stringify(fact.data.intents)}`,
  );
  assert.ok(fact.data.words > 0 && fact.data.segments > 0);
  assert.equal(JSON.stringify(fact.data).includes('guaranteed'), false, 'no transcript text in the event');
  const recordingId = fact.data.recordingId;

  // Stored sealed, and the switch's copy is gone.
  const { recording: meta } = await call<GetRecordingRequest, GetRecordingResponse>(client.getRecording, client, {
    recordingId,
  });
  assert.equal(meta?.state, RecordingState.RECORDING_STATE_STORED);
  assert.equal(meta?.storageBackend, 'object-store');
  assert.equal(meta?.channels, 2);
  assert.equal(meta?.keyId, 'k1');
  assert.ok((meta?.retainUntil?.seconds ?? 0) * 1000 > Date.now() + 1090 * 86_400_000, 'kept 3 years (finance)');
  assert.equal(existsSync(join(recordingsDir, callId, `${recordingId}.wav`)), false);
  const sealed = await recording.bus.connection.jetstream().views.os(recording.name);
  const blob = await sealed.getBlob(meta.storageKey);
  assert.ok(blob && blob.length > 1000);
  assert.equal(Buffer.from(blob).indexOf(Buffer.from('RIFF')), -1, 'no plain WAV at rest');

  // The transcript: per speaker with word timings; the customer's words carry the keyword.
  const { transcript } = await call<GetTranscriptRequest, GetTranscriptResponse>(client.getTranscript, client, {
    recordingId,
  });
  const customer = transcript!.segments.filter((s) => s.speaker === 'customer');
  const agent = transcript!.segments.filter((s) => s.speaker === 'agent');
  // The free transcript is pocketsphinx's best guess and varies with where the recording starts (a
  // CI run heard "i am not interrupted you chronically guaranteed return"): it must carry some of
  // the customer's words, not every one. The keyword itself is held by the keyword mode (the tag).
  const heard = customer.map((s) => s.text).join(' ');
  const spoken = ['interested', 'promise', 'guaranteed', 'return'].filter((w) => new RegExp(`\\b${w}\\b`).test(heard));
  assert.ok(
    spoken.length >= 2,
    `the customer's words are in the transcript; heard: ${JSON.stringify(customer.map((s) => [s.startMs, s.text]))}`,
  );
  assert.ok(agent.length > 0, 'the agent side is transcribed too');
  assert.ok(customer[0]!.words.every((w) => w.endMs >= w.startMs));
  assert.ok(transcript!.tags.includes('not_interested'), `tags: ${JSON.stringify(transcript!.tags)}`);

  // Searchable by what was said (a word the transcript holds), narrowed by campaign and tag.
  const found = await call<SearchTranscriptsRequest, SearchTranscriptsResponse>(client.searchTranscripts, client, {
    query: spoken[0]!,
    campaignId,
    tag: 'not_interested',
    limit: 5,
  });
  assert.deepEqual(
    found.matches.map((m) => m.recordingId),
    [recordingId],
  );

  // Sensitive words went to compliance with the attempt, and came back as a violation.
  const violation = await waitFor(() => violations.seen.find((e) => e.data.attemptId === attemptId), {
    what: 'compliance.violation',
    timeoutMs: 30_000,
  });
  assert.deepEqual(violation.data.words, ['guaranteed return']);
  assert.ok(fact.data.sensitiveHits >= 1);

  // Playback: a supervisor gets the WAV (checksums verified), an agent who did not take the call is refused.
  const messages = await streamAll({
    recordingId,
    actor: { id: 'supervisor-1', role: ActorRole.ACTOR_ROLE_SUPERVISOR },
    purpose: StreamPurpose.STREAM_PURPOSE_DOWNLOAD,
  });
  const wav = Buffer.concat(messages.map((m) => m.chunk));
  assert.equal(wav.toString('ascii', 0, 4), 'RIFF');
  assert.equal(createHash('sha256').update(wav).digest('hex'), meta?.sha256);
  await assert.rejects(
    streamAll({
      recordingId,
      actor: { id: 'agent-7', role: ActorRole.ACTOR_ROLE_AGENT },
      purpose: StreamPurpose.STREAM_PURPOSE_PLAYBACK,
    }),
    (e: { code?: number }) => e.code === Status.PERMISSION_DENIED,
  );
  // The download is in compliance's audit log, by the actor, naming the recording.
  const audit = await call<ListAuditRequest, ListAuditResponse>(compliance.listAudit, compliance, {
    actor: 'supervisor-1',
    target: `recording:${recordingId}`,
    afterSeq: 0,
    limit: 10,
  });
  assert.deepEqual(
    audit.entries.map((e) => e.action),
    ['downloaded'],
  );
});

test('retention purge: each purge audited in compliance; with the audit log down nothing is purged', async () => {
  const ingestOld = async (h: Harness) => {
    const callId = randomUUID();
    const recordingId = randomUUID();
    mkdirSync(join(h.sourceDir, callId), { recursive: true });
    writeFileSync(join(h.sourceDir, callId, `${recordingId}.wav`), wavBytes());
    // Recorded 400 days ago under the default 365-day retention: due now.
    await h.app.ingest.ingest({
      recordingId,
      callId,
      campaignId: 'camp-old',
      leadId: 'lead-old',
      attemptId: uniqueName('att').replace(/[^A-Za-z0-9_-]/g, '_'),
      path: `${callId}/${recordingId}.wav`,
      at: new Date(Date.now() - 400 * 86_400_000),
    });
    return recordingId;
  };
  const state = async (h: Harness, id: string) =>
    (await h.pool.query<{ state: string }>(`SELECT state FROM ${h.name}.recordings WHERE recording_id = $1`, [id]))
      .rows[0]?.state;

  // compliance unreachable (the harness's default address): the audit fails, nothing is deleted.
  const down = await startHarness({ TRANSCRIBE_ENABLED: 'false' });
  try {
    const id = await ingestOld(down);
    const result = await down.app.purgeOnce();
    assert.deepEqual(result, { purged: 0, auditFailed: true });
    assert.equal(await state(down, id), 'stored');
    assert.equal(readdirSync(join(down.storageDir, 'camp-old')).length, 1, 'the sealed file is still there');
  } finally {
    await down.close();
  }

  const up = await startHarness({ TRANSCRIBE_ENABLED: 'false', COMPLIANCE_ADDRESS: complianceAddress });
  try {
    const id = await ingestOld(up);
    const result = await up.app.purgeOnce();
    assert.deepEqual(result, { purged: 1, auditFailed: false });
    assert.equal(await state(up, id), 'purged');
    assert.deepEqual(readdirSync(join(up.storageDir, 'camp-old')), [], 'the sealed file is deleted');
    const audit = await call<ListAuditRequest, ListAuditResponse>(compliance.listAudit, compliance, {
      actor: 'recording-retention',
      target: `recording:${id}`,
      afterSeq: 0,
      limit: 10,
    });
    assert.deepEqual(
      audit.entries.map((e) => [e.action, e.service]),
      [['purged', 'recording']],
    );
    assert.equal((await up.app.purgeOnce()).purged, 0, 'a second run finds nothing');
  } finally {
    await up.close();
  }
});
