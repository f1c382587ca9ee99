import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bus } from '@outbound/bus';
import { NotFoundError } from '@outbound/errors';
import { createLogger } from '@outbound/telemetry';
import { testUrls, uniqueName } from '@outbound/testkit';
import { FilesystemBlobStore } from '../../src/adapters/storage/filesystem.js';
import { ObjectStoreBlobStore } from '../../src/adapters/storage/object-store.js';
import { Keyring } from '../../src/domain/crypto.js';
import type { BlobStore, RecordingRow } from '../../src/use-cases/ports.js';
import { ChecksumMismatchError, RecordingVault } from '../../src/use-cases/vault.js';
import { wavBytes } from '../support/harness.js';

const logger = createLogger({ service: 'recording-test', level: 'silent' });
const bus = await Bus.connect({ url: testUrls.nats, name: 'recording-storage-test', logger });
const bucket = uniqueName('recs').replace(/[^A-Za-z0-9_-]/g, '_');
after(async () => {
  await bus.manager.streams.delete(`OBJ_${bucket}`).catch(() => undefined);
  await bus.close();
});

const backends: [string, () => Promise<BlobStore>][] = [
  ['filesystem', async () => new FilesystemBlobStore(mkdtempSync(join(tmpdir(), 'recording-vault-')))],
  ['object store', () => ObjectStoreBlobStore.open(bus.connection.jetstream(), bucket)],
];

for (const [name, open] of backends) {
  test(`${name}: put is readable back byte for byte, a missing key is NotFound, delete is idempotent`, async () => {
    const store = await open();
    const bytes = Buffer.concat([wavBytes({ ms: 3000 }), Buffer.from([0, 255, 1])]);
    await store.put('camp-1/rec-1.abc.sealed', bytes);
    assert.deepEqual(await store.get('camp-1/rec-1.abc.sealed'), bytes);
    await assert.rejects(store.get('camp-1/nothing.sealed'), NotFoundError);
    await store.delete('camp-1/rec-1.abc.sealed');
    await store.delete('camp-1/rec-1.abc.sealed');
    await assert.rejects(store.get('camp-1/rec-1.abc.sealed'), NotFoundError);
    await assert.rejects(store.put('../escape', bytes), /storage_key/);
  });

  test(`${name}: the vault stores sealed bytes only and opens them with every checksum verified`, async () => {
    const store = await open();
    const ring = new Keyring([{ id: 'k1', key: Buffer.alloc(32, 3) }]);
    const vault = new RecordingVault(ring, store);
    const plain = wavBytes({ ms: 1000 });
    const facts = await vault.put({ campaignId: 'camp-2', recordingId: 'rec-2' }, plain);
    const raw = await store.get(facts.storageKey);
    assert.equal(raw.indexOf(plain.subarray(44, 144)), -1, 'no plain audio at rest');
    const row: RecordingRow = {
      recordingId: 'rec-2',
      callId: 'call-2',
      campaignId: 'camp-2',
      leadId: 'l',
      attemptId: 'a',
      state: 'stored',
      startedAt: new Date(),
      retentionDays: 1,
      industry: 'general',
      retainUntil: new Date(),
      transcription: 'pending',
      storageKey: facts.storageKey,
      keyId: facts.keyId,
      sha256: facts.sha256,
      sealedSha256: facts.sealedSha256,
    };
    assert.deepEqual(await vault.open(row), plain);
    // A stored file changed behind our back is refused before it is decrypted.
    const tampered = Buffer.from(raw);
    tampered[tampered.length - 10]! ^= 0xff;
    await store.put(facts.storageKey, tampered);
    await assert.rejects(vault.open(row), ChecksumMismatchError);
  });
}

test('filesystem: a write leaves no temporary file behind and files are private (0600)', async () => {
  const root = mkdtempSync(join(tmpdir(), 'recording-vault-'));
  const store = new FilesystemBlobStore(root);
  await store.put('c/r.sealed', Buffer.from('x'));
  assert.deepEqual(readdirSync(join(root, 'c')), ['r.sealed']);
  assert.equal(statSync(join(root, 'c', 'r.sealed')).mode & 0o777, 0o600);
});
