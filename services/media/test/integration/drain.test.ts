import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ServiceError } from '@grpc/grpc-js';
import type { HangupRequest, HangupResponse } from '@outbound/proto/outbound/v1/media';
import { Metadata, Status, unary } from '@outbound/rpc';
import { parseScenario, createApp as createSwitch } from '@outbound/switch-sim';
import { uniqueName, waitFor } from '@outbound/testkit';
import { startMedia } from '../support/media-harness.js';

// Call-aware draining: on stop, media takes no new call but serves the calls up until they end.
const sim = createSwitch({
  host: '127.0.0.1',
  port: 0,
  password: 'ClueCon',
  // Answers and stays up until hung up.
  scenario: parseScenario({ name: 'drain', rules: [{ outcomes: [{ outcome: 'human', ringMs: 50 }] }] }),
  seed: 5,
});
const { port } = await sim.start();
const harness = await startMedia({ eslPort: port });
after(async () => {
  await harness.stop();
  await sim.stop();
});

test('draining: a new originate is refused (MEDIA_DRAINING) while the call up is still served to its end', async () => {
  const campaignId = uniqueName('camp');
  const seen = await harness.watch(campaignId);
  const attempt = (attemptId: string) => ({ campaignId, leadId: 'lead-1', attemptId });
  const { callId } = await harness.originate({ attempt: attempt(uniqueName('att')) });
  await waitFor(() => seen.get('calls.answered')?.some((e) => e.data['callId'] === callId), { what: 'answered' });

  let stopped = false;
  const stopping = harness.media.stop(20_000).then(() => (stopped = true));
  const refused = await harness.originate({ attempt: attempt(uniqueName('att')) }).then(
    () => assert.fail('a draining media took a new call'),
    (error: ServiceError) => error,
  );
  assert.equal(refused.code, Status.UNAVAILABLE);
  assert.match(refused.details, /draining/);
  assert.equal(stopped, false, 'the call up holds the drain');

  // The call up is still served: hung up through media, its hang-up event published.
  await unary<HangupRequest, HangupResponse>(
    harness.client.hangup,
    harness.client,
    { callId, cause: '' },
    new Metadata(),
  );
  await stopping;
  assert.ok(
    seen.get('calls.hangup')?.some((e) => e.data['callId'] === callId),
    'the hang-up of the call up was published before media stopped',
  );
});
