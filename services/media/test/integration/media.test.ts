import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ServiceError } from '@grpc/grpc-js';
import { tracing } from '@opentelemetry/sdk-node';
import type { HangupRequest, HangupResponse } from '@outbound/proto/outbound/v1/media';
import { Metadata, Status, statusDetails, unary } from '@outbound/rpc';
import { parseScenario, createApp as createSwitch, type App as SwitchApp } from '@outbound/switch-sim';
import { startTelemetry, type Telemetry } from '@outbound/telemetry';
import { uniqueName, waitFor } from '@outbound/testkit';
import { startMedia, type MediaHarness } from '../support/media-harness.js';

// Real NATS JetStream, switch-sim in-process on a random port, media's gRPC on a random port.
const exporter = new tracing.InMemorySpanExporter();
let telemetry: Telemetry;
let sim: SwitchApp;
let simPort = 0;
let harness: MediaHarness;

const scenario = parseScenario({
  name: 'media-test',
  rules: [
    { match: { prefix: '+1555000' }, outcomes: [{ outcome: 'human', ringMs: 100, talkMs: 600 }] },
    { match: { prefix: '+1555111' }, outcomes: [{ outcome: 'busy', ringMs: 50 }] },
    { match: { prefix: '+1555222' }, outcomes: [{ outcome: 'human', ringMs: 50 }] },
  ],
  gateways: ['carrier1'],
});

async function startSim(port: number): Promise<number> {
  sim = createSwitch({ host: '127.0.0.1', port, password: 'ClueCon', scenario, seed: 7 });
  return (await sim.start()).port;
}

before(async () => {
  telemetry = startTelemetry({ serviceName: 'media', spanProcessors: [new tracing.SimpleSpanProcessor(exporter)] });
  simPort = await startSim(0);
  harness = await startMedia({ eslPort: simPort });
});

after(async () => {
  await harness?.stop();
  await sim?.stop();
  await telemetry?.shutdown();
});

const watch = (campaignId: string): ReturnType<MediaHarness['watch']> => harness.watch(campaignId);
const originate: MediaHarness['originate'] = (request) => harness.originate(request);

test('Originate → calls.originated/ringing/answered/hangup on JetStream, ids and cause right, one trace', async () => {
  const campaignId = uniqueName('camp');
  const seen = await watch(campaignId);
  const attempt = { campaignId, leadId: 'lead-1', attemptId: uniqueName('att') };
  const reply = await originate({ attempt });
  assert.match(reply.callId, /^[0-9a-f-]{36}$/);
  assert.equal(reply.node, 'fs1');
  const hangup = await waitFor(() => seen.get('calls.hangup')?.[0], { what: 'calls.hangup', timeoutMs: 10_000 });
  assert.ok(seen.get('calls.originated')?.length, 'originated');
  assert.ok(seen.get('calls.answered')?.length, 'answered');
  assert.deepEqual(
    {
      callId: hangup.data['callId'],
      node: hangup.data['node'],
      attemptId: hangup.data['attemptId'],
      leadId: hangup.data['leadId'],
      cause: hangup.data['cause'],
      answered: hangup.data['answered'],
    },
    {
      callId: reply.callId,
      node: 'fs1',
      attemptId: attempt.attemptId,
      leadId: 'lead-1',
      cause: 'NORMAL_CLEARING',
      answered: true,
    },
  );
  assert.equal(hangup.id, `${reply.callId}.hangup`);

  const spans = await waitFor(
    () => {
      const all = exporter.getFinishedSpans();
      const server = all.find(
        (s) => s.name === '/outbound.v1.MediaService/Originate' && s.attributes['call.id'] === reply.callId,
      );
      if (!server) return undefined;
      const trace = all.filter((s) => s.spanContext().traceId === server.spanContext().traceId);
      return trace.some((s) => s.name === 'publish calls.hangup') ? trace : undefined;
    },
    { what: 'publish spans in the Originate trace' },
  );
  const names = new Set(spans.map((s) => s.name));
  for (const name of ['publish calls.originated', 'publish calls.answered', 'publish calls.hangup'])
    assert.ok(names.has(name), name);
  for (const span of exporter.getFinishedSpans()) assert.doesNotMatch(JSON.stringify(span.attributes), /5550001234/);
});

test('busy far end → calls.hangup USER_BUSY with SIP 486', async () => {
  const campaignId = uniqueName('camp');
  const seen = await watch(campaignId);
  const reply = await originate({
    attempt: { campaignId, leadId: 'l2', attemptId: 'a2' },
    destination: '+15551119999',
  });
  const hangup = await waitFor(() => seen.get('calls.hangup')?.[0], { what: 'busy hangup' });
  assert.equal(hangup.data['callId'], reply.callId);
  assert.equal(hangup.data['cause'], 'USER_BUSY');
  assert.equal(hangup.data['sipStatus'], 486);
  assert.equal(hangup.data['answered'], false);
});

test('invalid Originate → INVALID_ARGUMENT naming the fields, without echoing the number', async () => {
  const error = await originate({
    attempt: { campaignId: 'bad campaign', leadId: 'l', attemptId: 'a' },
    destination: '5550001234',
    ringTimeoutMs: 10,
  }).then(
    () => assert.fail('expected INVALID_ARGUMENT'),
    (e: ServiceError) => e,
  );
  assert.equal(error.code, Status.INVALID_ARGUMENT);
  const fields = statusDetails(error)
    .fieldViolations.map((v) => v.field)
    .sort();
  assert.deepEqual(fields, ['attempt.campaign_id', 'destination', 'ring_timeout_ms']);
  assert.doesNotMatch(error.details, /5550001234/);
});

test('Hangup on an unknown uuid → NOT_FOUND', async () => {
  const error = await unary<HangupRequest, HangupResponse>(
    harness.client.hangup,
    harness.client,
    { callId: '00000000-0000-4000-8000-000000000000', cause: '' },
    new Metadata(),
  ).then(
    () => assert.fail('expected NOT_FOUND'),
    (e: ServiceError) => e,
  );
  assert.equal(error.code, Status.NOT_FOUND);
});

test('switch restarts while a call is up: media reconnects, reconciles, reports the hangup and keeps dialling', async () => {
  const campaignId = uniqueName('camp');
  const seen = await watch(campaignId);
  const reply = await originate({
    attempt: { campaignId, leadId: 'l3', attemptId: 'a3' },
    destination: '+15552220001',
  });
  await waitFor(() => seen.get('calls.answered')?.[0], { what: 'answer before the restart' });
  assert.equal(harness.media.controller.table.get(reply.callId)?.answered, true);

  await sim.stop();
  await waitFor(() => !harness.media.controller.table.get(reply.callId), {
    what: 'the call to leave the table',
    timeoutMs: 10_000,
  });
  await startSim(simPort);
  const hangup = await waitFor(() => seen.get('calls.hangup')?.find((e) => e.data['callId'] === reply.callId), {
    what: 'hangup of the call that was up',
  });
  assert.equal(hangup.data['answered'], true);
  assert.ok(
    ['SYSTEM_SHUTDOWN', 'MEDIA_RECONCILED_GONE'].includes(String(hangup.data['cause'])),
    String(hangup.data['cause']),
  );

  // The node comes back into rotation: a new call goes through.
  const again = await waitFor(
    async () => originate({ attempt: { campaignId, leadId: 'l4', attemptId: 'a4' } }).catch(() => undefined),
    { what: 'originate after reconnect', timeoutMs: 15_000 },
  );
  await waitFor(() => seen.get('calls.answered')?.find((e) => e.data['callId'] === again.callId), {
    what: 'answer after reconnect',
  });
});

test('media restarts while a call is up: the new process adopts the call, can hang it up, and reports its hangup', async () => {
  const campaignId = uniqueName('camp');
  const seen = await watch(campaignId);
  const reply = await originate({
    attempt: { campaignId, leadId: 'l5', attemptId: 'a5' },
    destination: '+15552220002',
  });
  await waitFor(() => seen.get('calls.answered')?.find((e) => e.data['callId'] === reply.callId), {
    what: 'answer before the restart',
  });
  // A stop with no grace leaves the call up on the switch, as a crash of media would.
  await harness.stop().catch(() => undefined);
  harness = await startMedia({ eslPort: simPort });
  const after = await harness.watch(campaignId);
  assert.equal(harness.media.controller.table.get(reply.callId)?.answered, true, 'adopted, answered');
  await unary<HangupRequest, HangupResponse>(
    harness.client.hangup,
    harness.client,
    { callId: reply.callId, cause: '' },
    new Metadata(),
  );
  const hangup = await waitFor(() => after.get('calls.hangup')?.find((e) => e.data['callId'] === reply.callId), {
    what: 'hangup of the adopted call',
  });
  assert.deepEqual(
    [hangup.data['attemptId'], hangup.data['leadId'], hangup.data['answered'], hangup.data['cause']],
    ['a5', 'l5', true, 'NORMAL_CLEARING'],
  );
  const answers = after.get('calls.answered')?.filter((e) => e.data['callId'] === reply.callId) ?? [];
  assert.ok(answers.length <= 1, 'the answer, re-reported on adoption, is one fact (same event id)');
});
