import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import {
  credentials,
  loadPackageDefinition,
  makeGenericClientConstructor,
  type Client,
  type ClientDuplexStream,
  type ServiceError,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import {
  createFileRegistry,
  fromBinary,
  fromJson,
  toBinary,
  toJson,
  type DescMethod,
  type FileRegistry,
  type JsonValue,
} from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, type DescriptorProto, type FileDescriptorProto } from '@bufbuild/protobuf/wkt';
import { createLogger } from '@outbound/telemetry';
import { DiagnosticsServiceService, type DiagnosticsServiceServer } from '@outbound/proto/outbound/v1/diagnostics';
import { RuleServiceService } from '@outbound/proto/outbound/v1/rules';
import { Status, bindService, startGrpcServer, type GrpcServer } from '../src/index.js';
import { compiledPool } from '../src/reflection.js';

const logger = createLogger({
  service: 'reflection-test',
  level: 'silent',
  destination: new Writable({ write: (_c, _e, cb) => cb() }),
});

// The reflection client speaks the standard protos shipped with @grpc/reflection, not our copies:
// a consumer's view of the server.
const require = createRequire(import.meta.url);
const reflectionProto = (version: 'v1' | 'v1alpha') =>
  require.resolve(`@grpc/reflection/build/proto/grpc/reflection/${version}/reflection.proto`);

interface ReflectionReply {
  listServicesResponse?: { service: Array<{ name: string }> };
  fileDescriptorResponse?: { fileDescriptorProto: Buffer[] };
  allExtensionNumbersResponse?: { baseTypeName: string; extensionNumber: number[] };
  errorResponse?: { errorCode: number; errorMessage: string };
}
type ReflectionClient = Client & { serverReflectionInfo(): ClientDuplexStream<object, ReflectionReply> };

let server: GrpcServer;
let address: string;

before(async () => {
  const diagnostics = bindService<DiagnosticsServiceServer>(
    'outbound.v1.DiagnosticsService',
    DiagnosticsServiceService,
    { echo: async (request) => ({ eventIds: Array.from({ length: request.repeat }, (_, i) => `e${i}`), traceId: '' }) },
    logger,
  );
  // A second service, its methods unimplemented, whose file imports google.protobuf.{Struct,Timestamp}.
  const rules = { name: 'outbound.v1.RuleService', definition: RuleServiceService, implementation: {} };
  server = await startGrpcServer({ address: '127.0.0.1:0', services: [diagnostics, rules], logger });
  address = `127.0.0.1:${server.port}`;
});

after(async () => {
  await server.shutdown(1_000);
});

/** Ask reflection some questions on one stream; one answer per question, in order. */
async function reflect(version: 'v1' | 'v1alpha', requests: object[]): Promise<ReflectionReply[]> {
  const pkg = loadPackageDefinition(loadSync(reflectionProto(version), { longs: Number, arrays: true })) as unknown as {
    grpc: { reflection: Record<string, { ServerReflection: new (a: string, c: unknown) => ReflectionClient }> };
  };
  const client = new pkg.grpc.reflection[version]!.ServerReflection(address, credentials.createInsecure());
  try {
    const call = client.serverReflectionInfo();
    const replies: ReflectionReply[] = [];
    const done = new Promise<void>((resolve, reject) => {
      call.on('data', (reply: ReflectionReply) => replies.push(reply));
      call.on('error', reject);
      call.on('end', resolve);
    });
    for (const request of requests) call.write(request);
    call.end();
    await done;
    return replies;
  } finally {
    client.close();
  }
}

/** Link the files reflection returned, as a strict client does: every import must be among them. */
function link(reply: ReflectionReply): { registry: FileRegistry; files: FileDescriptorProto[] } {
  assert.ok(reply.fileDescriptorResponse, `expected files, got ${JSON.stringify(reply.errorResponse)}`);
  const files = reply.fileDescriptorResponse.fileDescriptorProto.map((bytes) =>
    fromBinary(FileDescriptorProtoSchema, bytes),
  );
  const byName = new Map(files.map((f) => [f.name, f]));
  const registry = createFileRegistry(files[0]!, (name) => byName.get(name));
  return { registry, files };
}

/** A unary call through a client made only from a method descriptor, JSON in and out. */
async function dynamicCall(method: DescMethod, request: JsonValue): Promise<JsonValue> {
  const Dynamic = makeGenericClientConstructor(
    {
      call: {
        path: `/${method.parent.typeName}/${method.name}`,
        requestStream: false,
        responseStream: false,
        requestSerialize: (value: unknown) =>
          Buffer.from(toBinary(method.input, fromJson(method.input, value as JsonValue))),
        requestDeserialize: (bytes: Buffer) => bytes,
        responseSerialize: (value: Buffer) => value,
        responseDeserialize: (bytes: Buffer) => toJson(method.output, fromBinary(method.output, bytes)),
      },
    },
    method.parent.typeName,
  );
  const client = new Dynamic(address, credentials.createInsecure()) as unknown as Client & {
    call(request: JsonValue, callback: (error: ServiceError | null, reply: JsonValue) => void): void;
  };
  try {
    return await new Promise<JsonValue>((resolve, reject) =>
      client.call(request, (error, reply) => (error ? reject(error) : resolve(reply))),
    );
  } finally {
    client.close();
  }
}

for (const version of ['v1', 'v1alpha'] as const) {
  test(`${version}: lists exactly the services served, plus health and reflection`, async () => {
    const [reply] = await reflect(version, [{ listServices: '' }]);
    assert.deepEqual(reply?.listServicesResponse?.service.map((s) => s.name).sort(), [
      'grpc.health.v1.Health',
      'grpc.reflection.v1.ServerReflection',
      'grpc.reflection.v1alpha.ServerReflection',
      'outbound.v1.DiagnosticsService',
      'outbound.v1.RuleService',
    ]);
  });
}

test('every listed service resolves to its real file, which links with the imports sent along', async () => {
  const [list] = await reflect('v1', [{ listServices: '' }]);
  const names = list?.listServicesResponse?.service.map((s) => s.name) ?? [];
  const replies = await reflect(
    'v1',
    names.map((name) => ({ fileContainingSymbol: name })),
  );
  const expected: Record<string, string[]> = {
    'grpc.health.v1.Health': ['grpc/health/v1/health.proto'],
    'grpc.reflection.v1.ServerReflection': ['grpc/reflection/v1/reflection.proto'],
    'grpc.reflection.v1alpha.ServerReflection': ['grpc/reflection/v1alpha/reflection.proto'],
    'outbound.v1.DiagnosticsService': ['outbound/v1/diagnostics.proto'],
    'outbound.v1.RuleService': [
      'outbound/v1/rules.proto',
      'google/protobuf/struct.proto',
      'google/protobuf/timestamp.proto',
    ],
  };
  names.forEach((name, i) => {
    const { registry, files } = link(replies[i]!);
    assert.deepEqual(files.map((f) => f.name).sort(), expected[name]!.slice().sort(), name);
    assert.equal(files[0]!.name, expected[name]![0], `${name}: the file asked about comes first`);
    assert.ok(registry.getService(name), `${name} declared in what was returned`);
  });
});

test('file_by_filename returns the file as compiled (byte for byte) with its imports', async () => {
  const [reply] = await reflect('v1', [{ fileByFilename: 'outbound/v1/rules.proto' }]);
  const returned = reply?.fileDescriptorResponse?.fileDescriptorProto ?? [];
  const pool = compiledPool();
  assert.deepEqual(
    returned.map((b) => Buffer.from(b).toString('base64')),
    pool.closure('outbound/v1/rules.proto').map((name) => Buffer.from(pool.bytes(name)).toString('base64')),
  );
  const rules = fromBinary(FileDescriptorProtoSchema, returned[0]!);
  assert.deepEqual(rules.dependency.slice().sort(), [
    'google/protobuf/struct.proto',
    'google/protobuf/timestamp.proto',
  ]);
  assert.deepEqual(
    rules.service.map((s) => s.name),
    ['RuleService'],
  );
});

test('methods, messages and fields are found; what is not served is not', async () => {
  const replies = await reflect('v1', [
    { fileContainingSymbol: 'outbound.v1.DiagnosticsService.Echo' },
    { fileContainingSymbol: 'outbound.v1.EchoRequest' },
    { fileContainingSymbol: 'outbound.v1.EchoRequest.message' },
    { fileContainingSymbol: 'outbound.v1.MediaService' },
    { fileByFilename: 'outbound/v1/media.proto' },
    { fileByFilename: 'outbound/v1/nothing.proto' },
    { allExtensionNumbersOfType: 'outbound.v1.EchoRequest' },
    { fileContainingExtension: { containingType: 'outbound.v1.EchoRequest', extensionNumber: 100 } },
  ]);
  for (const reply of replies.slice(0, 3))
    assert.equal(
      fromBinary(FileDescriptorProtoSchema, reply.fileDescriptorResponse!.fileDescriptorProto[0]!).name,
      'outbound/v1/diagnostics.proto',
    );
  for (const reply of [replies[3], replies[4], replies[5], replies[7]])
    assert.equal(reply?.errorResponse?.errorCode, Status.NOT_FOUND);
  assert.deepEqual(replies[6]?.allExtensionNumbersResponse, {
    baseTypeName: 'outbound.v1.EchoRequest',
    extensionNumber: [],
  });
  // Nested enums, and enum values in the scope enclosing their enum, as protoc scopes them.
  const health = await reflect('v1alpha', [
    { fileContainingSymbol: 'grpc.health.v1.HealthCheckResponse.ServingStatus' },
    { fileContainingSymbol: 'grpc.health.v1.HealthCheckResponse.SERVING' },
    { fileContainingSymbol: 'grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING' },
  ]);
  assert.deepEqual(
    health.map((r) => r.fileDescriptorResponse?.fileDescriptorProto.length ?? r.errorResponse?.errorCode),
    [1, 1, Status.NOT_FOUND],
  );
});

test('a client built only from what reflection returned calls health and a real method', async () => {
  const [health, diagnostics] = await reflect('v1', [
    { fileContainingSymbol: 'grpc.health.v1.Health' },
    { fileContainingSymbol: 'outbound.v1.DiagnosticsService' },
  ]);
  const check = link(health!)
    .registry.getService('grpc.health.v1.Health')!
    .methods.find((m) => m.name === 'Check')!;
  assert.deepEqual(await dynamicCall(check, { service: '' }), { status: 'SERVING' });
  assert.deepEqual(await dynamicCall(check, { service: 'outbound.v1.RuleService' }), { status: 'SERVING' });
  const echo = link(diagnostics!)
    .registry.getService('outbound.v1.DiagnosticsService')!
    .methods.find((m) => m.name === 'Echo')!;
  assert.deepEqual(await dynamicCall(echo, { message: 'hi', repeat: 2 }), { eventIds: ['e0', 'e1'] });
  // The served-but-unimplemented method answers UNIMPLEMENTED, proving the path was right.
  const list = link(
    (await reflect('v1', [{ fileContainingSymbol: 'outbound.v1.RuleService' }]))[0]!,
  ).registry.getService('outbound.v1.RuleService')!.methods[0]!;
  await assert.rejects(dynamicCall(list, {}), (error: ServiceError) => error.code === Status.UNIMPLEMENTED);
});

test('our health and reflection protos are wire-compatible with the standard ones', () => {
  const pool = compiledPool();
  const standard = [
    { path: require.resolve('grpc-health-check/proto/health/v1/health.proto'), file: 'grpc/health/v1/health.proto' },
    { path: reflectionProto('v1'), file: 'grpc/reflection/v1/reflection.proto' },
    { path: reflectionProto('v1alpha'), file: 'grpc/reflection/v1alpha/reflection.proto' },
  ];
  for (const { path, file } of standard) {
    const ours = fromBinary(FileDescriptorProtoSchema, pool.bytes(file));
    const definition = loadSync(path, { keepCase: true });
    const shape = (m: Pick<DescriptorProto, 'field'>) =>
      m.field.map((f) => `${f.name}=${f.number}:${f.type}:${f.label}:${entryless(f.typeName)}`).sort();
    for (const message of ours.messageType) {
      const name = `${ours.package}.${message.name}`;
      const theirs = (definition[name] as { type?: { field: LoadedField[] } } | undefined)?.type;
      assert.ok(theirs, `${name} in the standard ${file}`);
      const theirShape = theirs.field
        .map(
          (f) => `${f.name}=${f.number}:${TYPE_NUMBER[f.type]}:${LABEL_NUMBER[f.label]}:${entryless(f.typeName ?? '')}`,
        )
        .sort();
      assert.deepEqual(shape(message), theirShape, name);
    }
    for (const service of ours.service) {
      const theirs = definition[`${ours.package}.${service.name}`] as Record<
        string,
        { requestStream: boolean; responseStream: boolean }
      >;
      assert.deepEqual(
        service.method.map((m) => `${m.name}:${m.clientStreaming}:${m.serverStreaming}`).sort(),
        Object.entries(theirs)
          .map(([name, m]) => `${name}:${m.requestStream}:${m.responseStream}`)
          .sort(),
        service.name,
      );
    }
  }
});

// proto-loader reports descriptor enums by their names, type names relative to their scope and a
// map's entry type without the `Entry` protoc gives it (a name that never travels on the wire).
interface LoadedField {
  name: string;
  number: number;
  type: string;
  label: string;
  typeName?: string;
}
const entryless = (typeName: string) => (typeName.split('.').pop() ?? '').replace(/Entry$/, '');
const TYPE_NUMBER: Record<string, number> = {
  TYPE_STRING: 9,
  TYPE_MESSAGE: 11,
  TYPE_BYTES: 12,
  TYPE_INT32: 5,
  TYPE_ENUM: 14,
};
const LABEL_NUMBER: Record<string, number> = { LABEL_OPTIONAL: 1, LABEL_REPEATED: 3 };
