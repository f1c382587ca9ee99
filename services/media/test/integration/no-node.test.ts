import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { ServiceError } from '@grpc/grpc-js';
import { Status } from '@outbound/rpc';
import { startMedia, type MediaHarness } from '../support/media-harness.js';

let harness: MediaHarness;

/** A port nothing listens on: bound once to learn a free number, then released. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

before(async () => {
  harness = await startMedia({ eslPort: await deadPort(), waitForNodes: false });
});

after(async () => {
  await harness?.stop();
});

test('Originate while no media node is connected → UNAVAILABLE, without echoing the number', async () => {
  const error = await harness
    .originate({ attempt: { campaignId: 'camp-down', leadId: 'l', attemptId: 'a' }, destination: '+15550009876' })
    .then(
      () => assert.fail('expected UNAVAILABLE'),
      (e: ServiceError) => e,
    );
  assert.equal(error.code, Status.UNAVAILABLE);
  assert.doesNotMatch(error.details, /5550009876/);
  assert.equal(harness.media.controller.activeCalls, 0, 'nothing left in the call table');
});
