import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { HangupRequest, HangupResponse } from '@outbound/proto/outbound/v1/media';
import { Metadata, unary } from '@outbound/rpc';
import {
  parseScenario,
  createApp as createSwitch,
  type App as SwitchApp,
  type GroundTruthRecord,
} from '@outbound/switch-sim';
import { uniqueName, waitFor } from '@outbound/testkit';
import { EslLink } from '../support/esl-link.js';
import { startMedia, type MediaHarness } from '../support/media-harness.js';

const scenario = parseScenario({
  name: 'esl-outage',
  rules: [
    // Stays up until media hangs it up: it outlives the outage.
    { match: { prefix: '+1555000' }, outcomes: [{ outcome: 'human', ringMs: 50 }] },
    // The customer hangs up soon after answering: while media is cut off.
    { match: { prefix: '+1555777' }, outcomes: [{ outcome: 'human', ringMs: 50, talkMs: 1_500 }] },
  ],
  gateways: ['carrier1'],
});

let sim: SwitchApp;
let link: EslLink;
let harness: MediaHarness;
const truth: GroundTruthRecord[] = [];

before(async () => {
  sim = createSwitch({
    host: '127.0.0.1',
    port: 0,
    password: 'ClueCon',
    scenario,
    seed: 5,
    onTruth: (record) => truth.push(record),
  });
  link = new EslLink((await sim.start()).port);
  harness = await startMedia({ eslPort: await link.listen() });
});

after(async () => {
  await harness?.stop();
  await link?.close();
  await sim?.stop();
});

test('ESL link cut mid-call: media reconnects, the call still up keeps its state, the one that ended meanwhile is reported once', async () => {
  const campaignId = uniqueName('camp');
  const seen = await harness.watch(campaignId);
  const staysUp = await harness.originate({
    attempt: { campaignId, leadId: 'l-up', attemptId: uniqueName('att') },
    destination: '+15550001111',
  });
  const { callId: endsDuringOutage } = await harness.originate({
    attempt: { campaignId, leadId: 'l-short', attemptId: uniqueName('att') },
    destination: '+15557770001',
  });
  const answered = (callId: string) => () => seen.get('calls.answered')?.find((e) => e.data['callId'] === callId);
  await waitFor(answered(staysUp.callId), { what: 'the long call to answer' });
  await waitFor(answered(endsDuringOutage), { what: 'the short call to answer' });

  // The short call's customer hangs up 1.5 s after answering: media is cut off by then.
  link.sever();
  await waitFor(() => truth.find((r) => r.uuid === endsDuringOutage), {
    what: 'the short call to end on the switch',
    timeoutMs: 10_000,
  });
  assert.equal(harness.media.controller.table.get(staysUp.callId)?.answered, true, 'state kept while disconnected');
  assert.ok(harness.media.controller.table.get(endsDuringOutage), 'the ended call is not known to have ended yet');
  assert.equal(seen.get('calls.hangup')?.length ?? 0, 0, 'no hangup published while cut off');

  link.restore();
  const gone = await waitFor(() => seen.get('calls.hangup')?.find((e) => e.data['callId'] === endsDuringOutage), {
    what: 'hangup of the call that ended during the outage',
    timeoutMs: 15_000,
  });
  assert.equal(gone.data['cause'], 'MEDIA_RECONCILED_GONE');
  assert.equal(gone.data['answered'], true);
  assert.equal(
    harness.media.controller.table.get(staysUp.callId)?.phase,
    'answered',
    'the live call is reconciled, not dropped',
  );

  await unary<HangupRequest, HangupResponse>(
    harness.client.hangup,
    harness.client,
    { callId: staysUp.callId, cause: '' },
    new Metadata(),
  );
  const hungUp = await waitFor(() => seen.get('calls.hangup')?.find((e) => e.data['callId'] === staysUp.callId), {
    what: 'hangup of the call that stayed up',
  });
  assert.equal(hungUp.data['cause'], 'NORMAL_CLEARING');
  assert.equal(hungUp.data['answered'], true);

  // Each fact once: one answer per call, one hangup per call.
  const count = (type: string, callId: string): number =>
    (seen.get(type) ?? []).filter((e) => e.data['callId'] === callId).length;
  assert.deepEqual(
    {
      upAnswered: count('calls.answered', staysUp.callId),
      upHangups: count('calls.hangup', staysUp.callId),
      goneHangups: count('calls.hangup', endsDuringOutage),
    },
    { upAnswered: 1, upHangups: 1, goneHangups: 1 },
  );
});

test('a bgapi reply later than the command timeout is not a refusal: Originate returns and the call is followed', async () => {
  const campaignId = uniqueName('camp');
  const seen = await harness.watch(campaignId);
  // The harness times commands out after 2 s; the switch's bytes now arrive 3 s late.
  link.delaySwitch(3_000);
  const reply = await harness.originate({
    attempt: { campaignId, leadId: 'l-late', attemptId: uniqueName('att') },
    destination: '+15557770002',
  });
  link.delaySwitch(0);
  const hangup = await waitFor(() => seen.get('calls.hangup')?.find((e) => e.data['callId'] === reply.callId), {
    what: 'the late call to be followed to its end',
    timeoutMs: 15_000,
  });
  assert.equal(hangup.data['cause'], 'NORMAL_CLEARING');
  assert.equal(hangup.data['answered'], true);
  assert.ok(
    seen.get('calls.answered')?.some((e) => e.data['callId'] === reply.callId),
    'answered',
  );
});
