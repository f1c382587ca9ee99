/**
 * Recordings stored per second through this service's own path (Keyring sealing, RecordingVault,
 * then the filesystem or the JetStream object-store backend), beside a plain copy of the same bytes
 * in the same run. Run by packages/asr's bench (scripts/bench-asr), which cannot import this
 * service itself (the service depends on @outbound/asr): it prints one JSON line.
 *
 *   node services/recording/dist/bench/storage.js <wav> [count]   (NATS_URL, default 127.0.0.1:4222)
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import { FilesystemBlobStore } from '../src/adapters/storage/filesystem.js';
import { ObjectStoreBlobStore } from '../src/adapters/storage/object-store.js';
import { Keyring } from '../src/domain/crypto.js';
import { RecordingVault } from '../src/use-cases/vault.js';

const [source, countArg] = process.argv.slice(2);
if (source === undefined) {
  process.stderr.write('usage: storage.js <wav> [count]\n');
  process.exit(2);
}
const COUNT = Number(countArg ?? 200);
const NATS_URL = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';

const dir = await mkdtemp(join(tmpdir(), 'bench-recording-storage-'));
const nc = await connect({ servers: NATS_URL, name: 'bench-recording-storage' });
// A bucket of its own, removed at the end: the dev NATS is shared with tests running meanwhile.
const bucket = `bench_recordings_${process.pid}`;
try {
  const keyring = new Keyring([{ id: 'bench1', key: randomBytes(32) }]);
  const filesystem = new RecordingVault(keyring, new FilesystemBlobStore(join(dir, 'store')));
  const objectStore = new RecordingVault(keyring, await ObjectStoreBlobStore.open(nc.jetstream(), bucket));
  const copyDir = join(dir, 'copy');
  const syncedDir = join(dir, 'copy-fsync');
  await mkdir(copyDir, { recursive: true });
  await mkdir(syncedDir, { recursive: true });

  // Each step reads the file from its folder, as ingest does from the switch's folder.
  const timings = { filesystem: 0, objectStore: 0, copy: 0, copyFsync: 0 };
  const time = async (what: keyof typeof timings, step: () => Promise<unknown>): Promise<void> => {
    const t0 = performance.now();
    await step();
    timings[what] += performance.now() - t0;
  };
  // Interleaved, so every variant sees the same disk, page-cache and NATS conditions.
  for (let i = 0; i < COUNT; i++) {
    const recording = { campaignId: 'bench', recordingId: `rec-${i}` };
    await time('filesystem', async () => filesystem.put(recording, await readFile(source)));
    let storageKey = '';
    await time('objectStore', async () => {
      storageKey = (await objectStore.put(recording, await readFile(source))).storageKey;
    });
    // Not timed: keeps the shared server's disk use to one recording.
    await objectStore.delete(storageKey);
    await time('copy', () => copyFile(source, join(copyDir, `rec-${i}.wav`)));
    // The filesystem backend fsyncs its file before the rename; this copy pays the same for durability.
    await time('copyFsync', async () => {
      const target = join(syncedDir, `rec-${i}.wav`);
      await copyFile(source, target);
      const file = await open(target, 'r+');
      try {
        await file.sync();
      } finally {
        await file.close();
      }
    });
  }
  const perSec = (ms: number): number => Number(((COUNT * 1000) / ms).toFixed(1));
  const bytes = (await readFile(source)).length;
  console.log(
    JSON.stringify({
      count: COUNT,
      bytes,
      filesystemPerSec: perSec(timings.filesystem),
      objectStorePerSec: perSec(timings.objectStore),
      copyPerSec: perSec(timings.copy),
      copyFsyncPerSec: perSec(timings.copyFsync),
    }),
  );
} finally {
  const jsm = await nc.jetstreamManager();
  await jsm.streams.delete(`OBJ_${bucket}`).catch(() => undefined);
  await nc.close();
  await rm(dir, { recursive: true, force: true });
}
