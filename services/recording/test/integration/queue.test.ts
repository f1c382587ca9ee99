import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { DEAD_LETTER_PREFIX, events } from '@outbound/bus';
import { createLogger } from '@outbound/telemetry';
import { uniqueName, waitFor } from '@outbound/testkit';
import { TranscriptionWorker } from '../../src/adapters/nats/transcription-queue.js';
import { parseWindow, type TimeWindow } from '../../src/domain/window.js';
import type { TranscribeRecording } from '../../src/use-cases/transcribe-recording.js';
import { startHarness, wavBytes, watchDeadLetters, type Harness } from '../support/harness.js';

// Bad input never blocks the queue: each job ends in dead letters with its reason, the recording
// stays stored (nothing lost) and says why its transcription failed.

const scripts = mkdtempSync(join(tmpdir(), 'recording-engines-'));
const script = (name: string, body: string) => {
  const path = join(scripts, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
};
const crashing = script('crash.sh', 'kill -SEGV $$');
const hanging = script('hang.sh', 'exec sleep 30');

const harnesses: Harness[] = [];
after(async () => {
  for (const h of harnesses) await h.close();
});

async function harness(env: Record<string, string> = {}, shared?: Harness): Promise<Harness> {
  const h = await startHarness(env, {}, shared);
  harnesses.push(h);
  return h;
}

/** A file as the switch leaves it, then the recording's ingest (as calls.recorded drives it). */
async function ingest(h: Harness, bytes: Buffer): Promise<string> {
  const callId = randomUUID();
  const recordingId = randomUUID();
  mkdirSync(join(h.sourceDir, callId), { recursive: true });
  writeFileSync(join(h.sourceDir, callId, `${recordingId}.wav`), bytes);
  await h.app.ingest.ingest({
    recordingId,
    callId,
    campaignId: 'camp-q',
    leadId: 'lead-q',
    attemptId: uniqueName('att'),
    path: `${callId}/${recordingId}.wav`,
    at: new Date(),
  });
  return recordingId;
}

async function rowOf(h: Harness, recordingId: string) {
  const { rows } = await h.pool.query<{ state: string; transcription: string; transcription_error: string | null }>(
    `SELECT state, transcription, transcription_error FROM ${h.name}.recordings WHERE recording_id = $1`,
    [recordingId],
  );
  return rows[0];
}

async function expectDeadLetter(h: Harness, dead: Map<string, string>, recordingId: string, code: RegExp) {
  const reason = await waitFor(() => dead.get(recordingId), {
    what: `dead letter of ${recordingId}`,
    timeoutMs: 30_000,
  });
  assert.match(reason, code);
  const row = await waitFor(
    async () => {
      const r = await rowOf(h, recordingId);
      return r?.transcription === 'failed' ? r : undefined;
    },
    { what: 'transcription marked failed' },
  );
  assert.equal(row.state, 'stored', 'the recording itself is kept');
  assert.match(row.transcription_error ?? '', code);
}

test('corrupt, empty and wrong-rate WAVs: dead letters at once with the reason; a good file behind them is not blocked', async () => {
  const h = await harness();
  const dead = watchDeadLetters(h.bus, h.jobDeadLetters);
  try {
    const corrupt = await ingest(h, Buffer.from('this is not a wav file at all, just bytes'));
    const empty = await ingest(h, wavBytes({ ms: 0 }));
    const wrongRate = await ingest(h, wavBytes({ rate: 4000 }));
    const good = await ingest(h, wavBytes({ ms: 800 }));
    await expectDeadLetter(h, dead.reasons, corrupt, /AUDIO_CORRUPT/);
    await expectDeadLetter(h, dead.reasons, empty, /AUDIO_EMPTY/);
    await expectDeadLetter(h, dead.reasons, wrongRate, /AUDIO_UNSUPPORTED/);
    // The good one (a tone: no words) is transcribed to an empty transcript and marked done.
    await waitFor(async () => ((await rowOf(h, good))?.transcription === 'done' ? true : undefined), {
      what: 'the good recording transcribed',
      timeoutMs: 60_000,
    });
    assert.equal(dead.reasons.has(good), false);
    // Nothing already stored is lost: the bad files are still in the vault, byte for byte.
    const stored = await h.app.vault().open(await recordingRow(h, corrupt));
    assert.equal(stored.toString('utf8'), 'this is not a wav file at all, just bytes');
  } finally {
    dead.stop();
  }
});

async function recordingRow(h: Harness, recordingId: string) {
  const { SqlRecordings } = await import('../../src/adapters/sql/recordings.js');
  return (await new SqlRecordings(h.pool, h.name).get(recordingId))!;
}

test('engine crash and engine timeout: retried with back-off, then dead letters with the reason', async () => {
  const crash = await harness({ ASR_BINARY: crashing });
  const hang = await harness({ ASR_BINARY: hanging, ASR_TIMEOUT_MS: '1s' });
  const deadCrash = watchDeadLetters(crash.bus, crash.jobDeadLetters);
  const deadHang = watchDeadLetters(hang.bus, hang.jobDeadLetters);
  try {
    const crashed = await ingest(crash, wavBytes());
    const timedOut = await ingest(hang, wavBytes());
    await expectDeadLetter(crash, deadCrash.reasons, crashed, /ENGINE_FAILED/);
    await expectDeadLetter(hang, deadHang.reasons, timedOut, /TIMEOUT/);
  } finally {
    deadCrash.stop();
    deadHang.stop();
  }
});

test('a stored file that disappears: jobs wait while transcription is off; then retried and dead-lettered as AUDIO_NOT_FOUND', async () => {
  const idle = await harness({ TRANSCRIBE_ENABLED: 'false' });
  const recordingId = await ingest(idle, wavBytes());
  const row = await recordingRow(idle, recordingId);
  rmSync(join(idle.storageDir, row.storageKey!));
  await idle.close();
  harnesses.splice(harnesses.indexOf(idle), 1);
  const worker = await harness({}, idle);
  const dead = watchDeadLetters(worker.bus, worker.jobDeadLetters);
  try {
    await expectDeadLetter(worker, dead.reasons, recordingId, /AUDIO_NOT_FOUND/);
  } finally {
    dead.stop();
  }
});

test('a switch file that never arrives: the calls.recorded delivery is retried, then dead-lettered', async () => {
  const h = await harness();
  const subject = `${DEAD_LETTER_PREFIX}.CALLS.${h.name}_recorded`;
  const sub = h.bus.connection.subscribe(subject, { max: 1 });
  const callId = randomUUID();
  const recordingId = randomUUID();
  const campaignId = uniqueName('camp');
  await h.bus.publish(events.callRecorded, {
    campaignId,
    leadId: 'lead-x',
    attemptId: uniqueName('att'),
    callId,
    node: 'fs1',
    recordingId,
    path: `${callId}/${recordingId}.wav`,
  });
  const reason = await Promise.race([
    (async () => {
      for await (const msg of sub) return msg.headers?.get('Outbound-Dead-Letter-Reason') ?? '';
      return '';
    })(),
    new Promise<string>((_, reject) => setTimeout(() => reject(new Error('no dead letter in 60 s')), 60_000).unref()),
  ]);
  assert.match(reason, /recording file .* not found/);
  assert.equal((await rowOf(h, recordingId))?.state, 'recording', 'nothing was stored for a file never seen');
});

test('low-priority window: no job is pulled outside it', async () => {
  const logger = createLogger({ service: 'recording-test', level: 'silent' });
  const h = harnesses[0] ?? (await harness());
  const at = Date.parse('2026-12-04T12:00:00Z');
  const make = (window: TimeWindow) =>
    new TranscriptionWorker({
      bus: h.bus,
      durable: uniqueName('win').replace(/[^A-Za-z0-9_-]/g, '_'),
      queue: uniqueName('winq').replace(/[^A-Za-z0-9_-]/g, '_'),
      transcribe: {} as TranscribeRecording,
      concurrency: 1,
      maxAttempts: 1,
      backoffMs: 100,
      ackWaitMs: 10_000,
      window,
      zone: 'UTC',
      logger,
      now: () => at,
    });
  const night = make(parseWindow('22:00-06:00') as TimeWindow);
  await night.start();
  assert.equal(night.running, false);
  await night.stop();
  const noon = make(parseWindow('11:00-13:00') as TimeWindow);
  await noon.start();
  assert.equal(noon.running, true);
  await noon.stop();
});
