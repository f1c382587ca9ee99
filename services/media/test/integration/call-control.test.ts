import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServiceError } from '@grpc/grpc-js';
import type {
  CallExistsRequest,
  CallExistsResponse,
  BridgeRequest,
  BridgeResponse,
  HangupRequest,
  HangupResponse,
  PlayRequest,
  PlayResponse,
  StartRecordingRequest,
  StartRecordingResponse,
  StopRecordingRequest,
  StopRecordingResponse,
} from '@outbound/proto/outbound/v1/media';
import { Metadata, Status, unary } from '@outbound/rpc';
import { parseScenario, createApp as createSwitch, type App as SwitchApp } from '@outbound/switch-sim';
import { uniqueName, waitFor } from '@outbound/testkit';
import { startMedia, tapSwitch, type MediaHarness } from '../support/media-harness.js';

// Bridge, Play, Record and AMD through gRPC against switch-sim; a tap on the switch shows what
// the switch was asked to do, JetStream shows what media reported.
const scenarioJson = {
  name: 'call-control',
  rules: [
    // Answers and stays up until we hang up: room for play, record and bridge.
    { match: { prefix: '+1555000' }, outcomes: [{ outcome: 'human', ringMs: 50 }] },
    { match: { prefix: '+1555444' }, outcomes: [{ outcome: 'human', ringMs: 20_000 }] },
    {
      match: { prefix: '+1555333' },
      outcomes: [{ outcome: 'machine', ringMs: 50, amdDelayMs: 100, beepMs: 300, talkMs: 3_000 }],
    },
  ],
  agents: { answerMs: 50, directory: { '1001': 'registered', '1002': 'unregistered' } },
  // The gateways this switch has: media's default `carrier1`; anything else is INVALID_GATEWAY.
  gateways: ['carrier1'],
};
const scenario = parseScenario(scenarioJson);

/** A real WAV for Play to find (switch-sim plays files from disk and fails missing ones). */
const welcomeWav = join(mkdtempSync(join(tmpdir(), 'media-play-')), 'welcome.wav');
writeFileSync(welcomeWav, wavOfSilence(400));

function wavOfSilence(ms: number): Buffer {
  const samples = (ms * 8000) / 1000;
  const out = Buffer.alloc(44 + samples * 2);
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(36 + samples * 2, 4);
  out.write('WAVEfmt ', 8, 'ascii');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20);
  out.writeUInt16LE(1, 22);
  out.writeUInt32LE(8000, 24);
  out.writeUInt32LE(16000, 28);
  out.writeUInt16LE(2, 32);
  out.writeUInt16LE(16, 34);
  out.write('data', 36, 'ascii');
  out.writeUInt32LE(samples * 2, 40);
  return out;
}

let sim: SwitchApp;
let harness: MediaHarness;
let tap: Awaited<ReturnType<typeof tapSwitch>>;

before(async () => {
  sim = createSwitch({ host: '127.0.0.1', port: 0, password: 'ClueCon', scenario, seed: 11 });
  const { port } = await sim.start();
  harness = await startMedia({ eslPort: port });
  tap = await tapSwitch(port);
});

after(async () => {
  await tap?.close();
  await harness?.stop();
  await sim?.stop();
});

const metadata = (): Metadata => new Metadata();
const rejected = (promise: Promise<unknown>): Promise<ServiceError> =>
  promise.then(
    () => assert.fail('expected an error'),
    (error: ServiceError) => error,
  );

/** An answered call that stays up; returns its id and the campaign's event log. */
async function answeredCall(
  destination = '+15550001234',
): Promise<{ callId: string; seen: Awaited<ReturnType<MediaHarness['watch']>> }> {
  const campaignId = uniqueName('camp');
  const seen = await harness.watch(campaignId);
  const { callId } = await harness.originate({
    attempt: { campaignId, leadId: 'lead-1', attemptId: uniqueName('att') },
    destination,
  });
  await waitFor(() => seen.get('calls.answered')?.find((e) => e.data['callId'] === callId), { what: 'calls.answered' });
  return { callId, seen };
}

function hangup(callId: string): Promise<HangupResponse> {
  return unary<HangupRequest, HangupResponse>(harness.client.hangup, harness.client, { callId, cause: '' }, metadata());
}

test('CallExists: the node has the call while it lasts, not after its hang-up; a bad node name is INVALID_ARGUMENT', async () => {
  const { callId, seen } = await answeredCall();
  const exists = (node: string) =>
    unary<CallExistsRequest, CallExistsResponse>(
      harness.client.callExists,
      harness.client,
      { callId, node },
      metadata(),
    );
  assert.deepEqual(await exists('fs1'), { exists: true });
  await hangup(callId);
  await waitFor(() => seen.get('calls.hangup')?.find((e) => e.data['callId'] === callId), { what: 'calls.hangup' });
  assert.deepEqual(await exists('fs1'), { exists: false });
  await assert.rejects(exists('fs 1'), (error: ServiceError) => error.code === Status.INVALID_ARGUMENT);
});

test('Bridge: the agent leg user/<agent> is placed and bridged; CHANNEL_BRIDGE → calls.bridged', async () => {
  const { callId, seen } = await answeredCall();
  const reply = await unary<BridgeRequest, BridgeResponse>(
    harness.client.bridge,
    harness.client,
    { callId, agentEndpoint: 'user/1001' },
    metadata(),
  );
  assert.match(reply.agentCallId, /^[0-9a-f-]{36}$/);
  const bridged = await waitFor(() => seen.get('calls.bridged')?.find((e) => e.data['callId'] === callId), {
    what: 'calls.bridged',
  });
  assert.equal(bridged.data['agentCallId'], reply.agentCallId);
  assert.equal(bridged.id, `${callId}.bridged`);
  const agentLeg = tap.eventsFor(reply.agentCallId).find((e) => e.name === 'CHANNEL_CREATE');
  assert.match(agentLeg?.headers.get('Channel-Name') ?? '', /1001/, 'the agent leg dialled user/1001');
  await hangup(callId);
  await waitFor(() => seen.get('calls.hangup')?.find((e) => e.data['callId'] === callId), {
    what: 'calls.hangup after the bridge',
  });
});

test('Bridge to an agent whose phone is not registered → FAILED_PRECONDITION, the agent leg failed', async () => {
  const { callId } = await answeredCall();
  const error = await rejected(
    unary<BridgeRequest, BridgeResponse>(
      harness.client.bridge,
      harness.client,
      { callId, agentEndpoint: 'user/1002' },
      metadata(),
    ),
  );
  assert.equal(error.code, Status.FAILED_PRECONDITION);
  assert.match(error.details, /agent leg did not answer/);
  await hangup(callId);
});

test('Bridge before the call is answered → FAILED_PRECONDITION; unknown call → NOT_FOUND', async () => {
  const bridge = (callId: string): Promise<BridgeResponse> =>
    unary<BridgeRequest, BridgeResponse>(
      harness.client.bridge,
      harness.client,
      { callId, agentEndpoint: 'user/1001' },
      metadata(),
    );
  const campaignId = uniqueName('camp');
  const seen = await harness.watch(campaignId);
  const ringing = await harness.originate({
    attempt: { campaignId, leadId: 'lead-ring', attemptId: uniqueName('att') },
    destination: '+15554440001',
  });
  await waitFor(() => seen.get('calls.ringing')?.find((e) => e.data['callId'] === ringing.callId), {
    what: 'calls.ringing',
  });
  assert.equal((await rejected(bridge(ringing.callId))).code, Status.FAILED_PRECONDITION);
  await hangup(ringing.callId);
  assert.equal((await rejected(bridge('00000000-0000-4000-8000-000000000000'))).code, Status.NOT_FOUND);
});

test('Play: a file and a tone go to the channel as uuid_broadcast playbacks; a missing file or TTS text → FAILED_PRECONDITION', async () => {
  const { callId } = await answeredCall();
  const play = (request: Omit<PlayRequest, 'callId'>): Promise<PlayResponse> =>
    unary<PlayRequest, PlayResponse>(harness.client.play, harness.client, { callId, ...request }, metadata());
  // FreeSWITCH answers uuid_broadcast +OK for any path; the playback then fails FILE NOT FOUND.
  const missing = await rejected(play({ file: '/nonexistent/media-test/missing.wav' }));
  assert.equal(missing.code, Status.FAILED_PRECONDITION);
  assert.match(missing.details, /no such file/);
  await play({ file: welcomeWav });
  await play({ tone: '%(500,500,440)' });
  const played = await waitFor(
    () => {
      const paths = tap
        .eventsFor(callId)
        .filter((e) => e.name === 'PLAYBACK_START')
        .map((e) => e.headers.get('Playback-File-Path'));
      return paths.length >= 2 ? paths : undefined;
    },
    { what: 'two PLAYBACK_START on the call' },
  );
  assert.deepEqual(played, [welcomeWav, 'tone_stream://%(500,500,440)']);

  const tts = await rejected(play({ ttsText: 'hello there' }));
  assert.equal(tts.code, Status.FAILED_PRECONDITION);
  assert.match(tts.details, /no TTS engine/);
  await hangup(callId);
});

test('StartRecording / StopRecording: uuid_record start and stop on the channel; a stopped recording is gone', async () => {
  const { callId, seen } = await answeredCall();
  const { recordingId } = await unary<StartRecordingRequest, StartRecordingResponse>(
    harness.client.startRecording,
    harness.client,
    { callId },
    metadata(),
  );
  assert.match(recordingId, /^[0-9a-f-]{36}$/);
  const expectedPath = `/tmp/media-recordings/${callId}/${recordingId}.wav`;
  const started = await waitFor(() => tap.eventsFor(callId).find((e) => e.name === 'RECORD_START'), {
    what: 'RECORD_START',
  });
  assert.equal(started.headers.get('Record-File-Path'), expectedPath);

  const stop = (): Promise<StopRecordingResponse> =>
    unary<StopRecordingRequest, StopRecordingResponse>(
      harness.client.stopRecording,
      harness.client,
      { callId, recordingId },
      metadata(),
    );
  await stop();
  const stopped = await waitFor(() => tap.eventsFor(callId).find((e) => e.name === 'RECORD_STOP'), {
    what: 'RECORD_STOP',
  });
  assert.equal(stopped.headers.get('Record-File-Path'), expectedPath);
  // The switch wrote a real WAV there (FreeSWITCH creates the folder and the file).
  assert.ok(existsSync(expectedPath), 'recording file written');
  const wav = readFileSync(expectedPath);
  assert.equal(wav.toString('ascii', 0, 4), 'RIFF');
  assert.equal(String(wav.length), stopped.headers.get('variable_record_file_size'));
  // Stereo (RECORD_STEREO set before uuid_record): the customer and our side on their own channels.
  assert.equal(wav.readUInt16LE(22), 2, 'two channels');
  // The file closed on the node is a fact on the bus, with its path relative to the folder.
  const recorded = await waitFor(() => seen.get('calls.recorded')?.find((e) => e.data['recordingId'] === recordingId), {
    what: 'calls.recorded',
  });
  assert.equal(recorded.id, `${callId}.recorded.${recordingId}`);
  assert.equal(recorded.data['path'], `${callId}/${recordingId}.wav`);
  assert.equal(recorded.data['sizeBytes'], wav.length);
  assert.equal(typeof recorded.data['durationMs'], 'number');
  assert.equal((await rejected(stop())).code, Status.NOT_FOUND);
  await hangup(callId);
});

test('StartRecording asked twice at once and again later starts one recording: the same id each time, one RECORD_START', async () => {
  const { callId } = await answeredCall();
  const start = () =>
    unary<StartRecordingRequest, StartRecordingResponse>(
      harness.client.startRecording,
      harness.client,
      { callId },
      metadata(),
    );
  const [first, second] = await Promise.all([start(), start()]);
  const again = await start();
  assert.equal(second.recordingId, first.recordingId);
  assert.equal(again.recordingId, first.recordingId);
  await waitFor(() => tap.eventsFor(callId).find((e) => e.name === 'RECORD_START'), { what: 'RECORD_START' });
  // The channel names its recording: what a restarted media process finds instead of starting another.
  const named = await tap.api(`uuid_getvar ${callId} outbound_recording_id`);
  assert.equal(named.trim(), first.recordingId);
  await hangup(callId);
  await waitFor(() => tap.eventsFor(callId).find((e) => e.name === 'CHANNEL_HANGUP_COMPLETE'), { what: 'hang-up' });
  assert.equal(tap.eventsFor(callId).filter((e) => e.name === 'RECORD_START').length, 1, 'one recording of the call');
});

test('AMD requested on FreeSWITCH 1.10.12 (no mod_amd): avmd hears the machine beep → calls.amd machine', async () => {
  const campaignId = uniqueName('camp');
  const seen = await harness.watch(campaignId);
  const { callId } = await harness.originate({
    attempt: { campaignId, leadId: 'lead-amd', attemptId: uniqueName('att') },
    destination: '+15553330001',
    amd: true,
  });
  const amd = await waitFor(() => seen.get('calls.amd')?.find((e) => e.data['callId'] === callId), {
    what: 'calls.amd',
  });
  assert.equal(amd.data['verdict'], 'machine');
  assert.equal(amd.data['detector'], 'mod_avmd', 'calls.amd says which detector decided');
  assert.equal(typeof amd.data['detectMs'], 'number');
  assert.ok(
    !tap.eventsFor(callId).some((e) => e.name === 'CHANNEL_EXECUTE' && e.headers.get('Application') === 'amd'),
    'media did not run the amd application the node lacks',
  );
  assert.ok(
    tap.eventsFor(callId).some((e) => e.name === 'MEDIA_BUG_START' && e.headers.get('Media-Bug-Function') === 'avmd'),
    'media started avmd',
  );
  const hangupSeen = await waitFor(() => seen.get('calls.hangup')?.find((e) => e.data['callId'] === callId), {
    what: 'calls.hangup',
  });
  assert.notEqual(hangupSeen.data['cause'], 'DESTINATION_OUT_OF_ORDER', 'the answered call was not dropped');
});

test('AMD on a node with mod_amd: media runs `amd` and reports its verdict', async () => {
  const withAmd = createSwitch({
    host: '127.0.0.1',
    port: 0,
    password: 'ClueCon',
    scenario: parseScenario({ ...scenarioJson, modules: ['mod_amd'] }),
    seed: 11,
  });
  const { port } = await withAmd.start();
  const local = await startMedia({ eslPort: port });
  const localTap = await tapSwitch(port);
  try {
    const campaignId = uniqueName('camp');
    const seen = await local.watch(campaignId);
    const { callId } = await local.originate({
      attempt: { campaignId, leadId: 'lead-amd', attemptId: uniqueName('att') },
      destination: '+15553330002',
      amd: true,
    });
    const amd = await waitFor(() => seen.get('calls.amd')?.find((e) => e.data['callId'] === callId), {
      what: 'calls.amd',
    });
    assert.equal(amd.data['verdict'], 'machine');
    assert.equal(amd.data['detector'], 'mod_amd');
    assert.ok(
      localTap.eventsFor(callId).some((e) => e.name === 'CHANNEL_EXECUTE' && e.headers.get('Application') === 'amd'),
      'media ran the amd application',
    );
  } finally {
    await localTap.close();
    await local.stop();
    await withAmd.stop();
  }
});

test('Originate through a gateway the switch does not have → FAILED_PRECONDITION, no call placed', async () => {
  const campaignId = uniqueName('camp');
  const error = await rejected(
    harness.originate({
      attempt: { campaignId, leadId: 'lead-gw', attemptId: uniqueName('att') },
      destination: '+15550001234',
      gateway: 'default',
    }),
  );
  assert.equal(error.code, Status.FAILED_PRECONDITION);
  assert.match(error.details, /gateway default is not configured/);
});
