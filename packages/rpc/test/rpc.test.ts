import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import {
  loadPackageDefinition,
  makeGenericClientConstructor,
  credentials,
  type ServiceError,
  type Client,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { service as healthService } from 'grpc-health-check';
import { tracing } from '@opentelemetry/sdk-node';
import { z } from 'zod';
import { NotFoundError } from '@outbound/errors';
import { SpanKind, createLogger, startTelemetry } from '@outbound/telemetry';
import {
  DiagnosticsServiceClient,
  DiagnosticsServiceService,
  type DiagnosticsServiceServer,
  type EchoRequest,
  type EchoResponse,
} from '@outbound/proto/outbound/v1/diagnostics';
import {
  Metadata,
  Status,
  bindService,
  createClient,
  startGrpcServer,
  statusDetails,
  unary,
  validateRequest,
  type GrpcServer,
} from '../src/index.js';

const spans = new tracing.InMemorySpanExporter();
const telemetry = startTelemetry({ serviceName: 'rpc-test', spanProcessors: [new tracing.SimpleSpanProcessor(spans)] });
const logger = createLogger({
  service: 'rpc-test',
  level: 'silent',
  destination: new Writable({ write: (_c, _e, cb) => cb() }),
});

const echoSchema = z.object({
  message: z.string().min(1, 'must not be empty').max(256),
  repeat: z.number().int().min(1, 'must be between 1 and 100').max(100, 'must be between 1 and 100'),
});

let aborted = false;
let server: GrpcServer;
let client: DiagnosticsServiceClient;
const echo = (request: EchoRequest, options = {}) =>
  unary<EchoRequest, EchoResponse>(client.echo, client, request, new Metadata(), options);

before(async () => {
  const binding = bindService<DiagnosticsServiceServer>(
    'outbound.v1.DiagnosticsService',
    DiagnosticsServiceService,
    {
      echo: async (request, context) => {
        const valid = validateRequest(echoSchema, request);
        if (valid.message === 'missing') throw new NotFoundError('thing', 'T1');
        if (valid.message === 'crash') throw new Error('secret internals of 13800138000');
        if (valid.message === 'downstream') {
          // A call to a service that is not there, as a handler's dependency might be.
          const gone = createClient(DiagnosticsServiceClient, '127.0.0.1:1', { defaultDeadlineMs: 500 });
          try {
            await unary<EchoRequest, EchoResponse>(gone.echo, gone, { message: 'x', repeat: 1 }, new Metadata());
          } finally {
            gone.close();
          }
        }
        if (valid.message === 'slow') {
          await new Promise<void>((resolve) =>
            context.signal.addEventListener('abort', () => resolve(), { once: true }),
          );
          aborted = true;
        }
        return { eventIds: Array.from({ length: valid.repeat }, (_, i) => `e${i}`), traceId: '' };
      },
    },
    logger,
  );
  server = await startGrpcServer({ address: '127.0.0.1:0', services: [binding], logger });
  client = createClient(DiagnosticsServiceClient, `127.0.0.1:${server.port}`, { defaultDeadlineMs: 2_000 });
});

after(async () => {
  client.close();
  await server.shutdown(1_000);
  await telemetry.shutdown();
});

test('a valid call succeeds', async () => {
  assert.deepEqual((await echo({ message: 'hi', repeat: 2 })).eventIds, ['e0', 'e1']);
});

test('an invalid argument returns INVALID_ARGUMENT naming each field', async () => {
  await assert.rejects(echo({ message: '', repeat: 0 }), (error: ServiceError) => {
    assert.equal(error.code, Status.INVALID_ARGUMENT);
    const details = statusDetails(error);
    assert.deepEqual(details.fieldViolations.map((v) => v.field).sort(), ['message', 'repeat']);
    assert.equal(details.fieldViolations.find((v) => v.field === 'repeat')?.description, 'must be between 1 and 100');
    assert.equal(details.reason, 'INVALID_ARGUMENT');
    return true;
  });
});

test('domain errors map to their codes; unexpected ones leak nothing', async () => {
  await assert.rejects(
    echo({ message: 'missing', repeat: 1 }),
    (error: ServiceError) => error.code === Status.NOT_FOUND && /thing T1 not found/.test(error.details),
  );
  await assert.rejects(
    echo({ message: 'crash', repeat: 1 }),
    (error: ServiceError) => error.code === Status.INTERNAL && error.details === 'internal error',
  );
});

test('a dependency that did not answer makes the call UNAVAILABLE (worth trying again), not INTERNAL', async () => {
  await assert.rejects(echo({ message: 'downstream', repeat: 1 }), (error: ServiceError) => {
    assert.equal(error.code, Status.UNAVAILABLE);
    assert.match(error.details, /depends on did not answer/);
    return true;
  });
});

test('deadlines are enforced and the handler sees the cancellation', async () => {
  await assert.rejects(
    echo({ message: 'slow', repeat: 1 }, { deadline: Date.now() + 150 }),
    (error: ServiceError) => error.code === Status.DEADLINE_EXCEEDED,
  );
  const deadline = Date.now() + 5_000;
  while (!aborted && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.ok(aborted, 'handler signal aborted');
});

test('the server span continues the client trace', async () => {
  spans.reset();
  await echo({ message: 'trace me', repeat: 1 });
  const finished = spans.getFinishedSpans();
  const serverSpan = finished.find(
    (s) => s.kind === SpanKind.SERVER && s.name === '/outbound.v1.DiagnosticsService/Echo',
  );
  const clientSpan = finished.find(
    (s) => s.kind === SpanKind.CLIENT && s.name === '/outbound.v1.DiagnosticsService/Echo',
  );
  assert.ok(serverSpan && clientSpan);
  assert.equal(serverSpan.spanContext().traceId, clientSpan.spanContext().traceId);
  assert.equal(serverSpan.parentSpanContext?.spanId, clientSpan.spanContext().spanId);
});

test('health checking reports SERVING for the server and each service', async () => {
  const Health = makeGenericClientConstructor(healthService, 'Health');
  const health = new Health(`127.0.0.1:${server.port}`, credentials.createInsecure()) as Client &
    Record<string, (request: unknown, callback: (e: Error | null, r: { status: string | number }) => void) => void>;
  for (const name of ['', 'outbound.v1.DiagnosticsService']) {
    const reply = await new Promise<{ status: string | number }>((resolve, reject) =>
      health['check']!({ service: name }, (e: Error | null, r: { status: string | number }) =>
        e ? reject(e) : resolve(r),
      ),
    );
    assert.ok(reply.status === 'SERVING' || reply.status === 1, `status ${String(reply.status)} for '${name}'`);
  }
  health.close();
});

test('reflection lists the services served', async () => {
  const require = createRequire(import.meta.url);
  const protoPath = require.resolve('@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto');
  const pkg = loadPackageDefinition(loadSync(protoPath)) as unknown as {
    grpc: {
      reflection: {
        v1: {
          ServerReflection: new (
            a: string,
            c: unknown,
          ) => Client & { serverReflectionInfo(): NodeJS.ReadWriteStream & { write(m: unknown): void; end(): void } };
        };
      };
    };
  };
  const reflection = new pkg.grpc.reflection.v1.ServerReflection(
    `127.0.0.1:${server.port}`,
    credentials.createInsecure(),
  );
  const call = reflection.serverReflectionInfo();
  const reply = await new Promise<{ listServicesResponse: { service: Array<{ name: string }> } }>((resolve, reject) => {
    call.on('data', resolve);
    call.on('error', reject);
    call.write({ listServices: '' });
  });
  call.end();
  reflection.close();
  // Only what this server serves (reflection.test.ts checks the files and links them).
  assert.deepEqual(reply.listServicesResponse.service.map((s) => s.name).sort(), [
    'grpc.health.v1.Health',
    'grpc.reflection.v1.ServerReflection',
    'grpc.reflection.v1alpha.ServerReflection',
    'outbound.v1.DiagnosticsService',
  ]);
});
