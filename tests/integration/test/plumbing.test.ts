import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServiceError } from '@grpc/grpc-js';
import { DiagnosticsServiceClient, type EchoRequest, type EchoResponse } from '@outbound/proto/outbound/v1/diagnostics';
import { Metadata, Status, createClient, statusDetails, unary } from '@outbound/rpc';
import { createPool } from '@outbound/store';
import { readSpans, testUrls, uniqueName, waitFor } from '@outbound/testkit';
import type { SpanRecord } from '@outbound/telemetry';
import { Processes } from './support/processes.js';

// Three real processes (this test, echo-server, echo-consumer) over real NATS JetStream and
// PostgreSQL: the proof that the foundation's plumbing works end to end.
const fixtures = new URL('../src/', import.meta.url);
const processes = new Processes();
const pool = createPool({ url: testUrls.database, applicationName: 'plumbing-test' });
const spansDir = mkdtempSync(join(tmpdir(), 'spans-'));

after(async () => {
  processes.stopAll();
  await pool.end();
});

const start = (fixture: string, env: Record<string, string>) =>
  processes.start(new URL(fixture, fixtures).pathname, env);
const stop = (child: ChildProcess) => processes.stop(child);

async function rows(schema: string, table: 'echoes' | 'deliveries'): Promise<Array<Record<string, unknown>>> {
  return (await pool.query(`SELECT * FROM "${schema}".${table} ORDER BY delivery_count`)).rows;
}

function consumerEnv(probe: string, schema: string, extra: Record<string, string> = {}) {
  return { ECHO_SCHEMA: schema, ECHO_DURABLE: `echo_${probe}`, ECHO_PROBE: probe, ...extra };
}

test('a gRPC call in one process becomes an event consumed in another, in one trace', async () => {
  const probe = uniqueName('p');
  const schema = probe.toLowerCase();
  const spansFile = join(spansDir, `${probe}.jsonl`);
  const server = await start('echo-server.js', { SPANS_FILE: spansFile });
  const consumer = await start('echo-consumer.js', { SPANS_FILE: spansFile, ...consumerEnv(probe, schema) });
  const client = createClient(DiagnosticsServiceClient, `127.0.0.1:${String(server.ready['port'])}`);
  try {
    const reply = await unary<EchoRequest, EchoResponse>(
      client.echo,
      client,
      { message: probe, repeat: 1 },
      new Metadata(),
    );
    assert.equal(reply.eventIds.length, 1);
    const [stored] = await waitFor(
      async () => {
        const r = await rows(schema, 'echoes').catch(() => []);
        return r.length ? r : undefined;
      },
      { what: 'consumer to store the event' },
    );
    assert.equal(stored?.['event_id'], reply.eventIds[0]);

    const spans = await waitFor(
      () => {
        const all = readSpans<SpanRecord>(spansFile).filter((s) => s.traceId === reply.traceId);
        return all.some((s) => s.service === 'echo-consumer') ? all : undefined;
      },
      { what: 'consumer span in the same trace' },
    );
    const rpcSpan = spans.find((s) => s.service === 'echo-server' && s.name === '/outbound.v1.DiagnosticsService/Echo');
    const publishSpan = spans.find((s) => s.service === 'echo-server' && s.name === 'publish diagnostics.echoed');
    const processSpan = spans.find((s) => s.service === 'echo-consumer' && s.name === 'process diagnostics.echoed');
    assert.ok(rpcSpan && publishSpan && processSpan, JSON.stringify(spans.map((s) => [s.service, s.name])));
    assert.equal(publishSpan.parentSpanId, rpcSpan.spanId);
    assert.equal(processSpan.parentSpanId, publishSpan.spanId);
    assert.equal(processSpan.attributes['event.id'], reply.eventIds[0]);
  } finally {
    client.close();
    await stop(consumer.child);
    await stop(server.child);
  }
});

test('an invalid gRPC argument returns INVALID_ARGUMENT with the field named', async () => {
  const server = await start('echo-server.js', {});
  const client = createClient(DiagnosticsServiceClient, `127.0.0.1:${String(server.ready['port'])}`);
  try {
    await assert.rejects(
      unary(client.echo, client, { message: 'has spaces', repeat: 5 }, new Metadata()),
      (error: ServiceError) => {
        assert.equal(error.code, Status.INVALID_ARGUMENT);
        assert.deepEqual(
          statusDetails(error).fieldViolations.map((v) => v.field),
          ['message'],
        );
        return true;
      },
    );
    await assert.rejects(
      unary(client.echo, client, { message: 'ok', repeat: 101 }, new Metadata()),
      (error: ServiceError) => {
        assert.equal(error.code, Status.INVALID_ARGUMENT);
        assert.deepEqual(statusDetails(error).fieldViolations, [
          { field: 'repeat', description: 'must be between 1 and 100', reason: 'TOO_BIG' },
        ]);
        return true;
      },
    );
  } finally {
    client.close();
    await stop(server.child);
  }
});

test('a consumer that crashes mid-message leads to redelivery, not loss', async () => {
  const probe = uniqueName('p');
  const schema = probe.toLowerCase();
  const server = await start('echo-server.js', {});
  const crashing = await start(
    'echo-consumer.js',
    consumerEnv(probe, schema, { CRASH_ON_FIRST_DELIVERY: 'true', ECHO_ACK_WAIT_MS: '1s' }),
  );
  const client = createClient(DiagnosticsServiceClient, `127.0.0.1:${String(server.ready['port'])}`);
  try {
    const reply = await unary<EchoRequest, EchoResponse>(
      client.echo,
      client,
      { message: probe, repeat: 3 },
      new Metadata(),
    );
    const [exitCode] = await once(crashing.child, 'exit');
    assert.equal(exitCode, 3, 'the consumer died in the middle of a message');
    assert.deepEqual(await rows(schema, 'echoes'), []);

    const healthy = await start('echo-consumer.js', consumerEnv(probe, schema, { ECHO_ACK_WAIT_MS: '1s' }));
    const stored = await waitFor(
      async () => {
        const r = await rows(schema, 'echoes');
        return r.length === 3 ? r : undefined;
      },
      { what: 'all three events after the crash', timeoutMs: 20_000 },
    );
    await stop(healthy.child);
    assert.deepEqual(stored.map((r) => r['event_id']).sort(), [...reply.eventIds].sort());
    const crashed = stored.find((r) => r['event_id'] === reply.eventIds[0]);
    // At least 2: the server may first hand the redelivery to the dead client's still-open pull
    // request, and only after another ack wait to the healthy consumer.
    assert.ok(Number(crashed?.['delivery_count']) >= 2, 'the message in hand at the crash was redelivered');
  } finally {
    client.close();
    await stop(server.child);
  }
});

test('a redelivered duplicate is processed once', async () => {
  const probe = uniqueName('p');
  const schema = probe.toLowerCase();
  const server = await start('echo-server.js', {});
  const consumer = await start('echo-consumer.js', consumerEnv(probe, schema, { FAIL_AFTER_COMMIT: 'true' }));
  const client = createClient(DiagnosticsServiceClient, `127.0.0.1:${String(server.ready['port'])}`);
  try {
    const reply = await unary<EchoRequest, EchoResponse>(
      client.echo,
      client,
      { message: probe, repeat: 1 },
      new Metadata(),
    );
    const deliveries = await waitFor(
      async () => {
        const r = await rows(schema, 'deliveries');
        return r.length >= 2 ? r : undefined;
      },
      { what: 'the redelivery' },
    );
    assert.deepEqual(
      deliveries.map((r) => [r['event_id'], r['delivery_count']]),
      [
        [reply.eventIds[0], 1],
        [reply.eventIds[0], 2],
      ],
    );
    const echoes = await rows(schema, 'echoes');
    assert.equal(echoes.length, 1);
    assert.equal(echoes[0]?.['delivery_count'], 1);
  } finally {
    client.close();
    await stop(consumer.child);
    await stop(server.child);
  }
});
