import { status as Status, type Server, type ServerDuplexStream } from '@grpc/grpc-js';
import { fromBinary } from '@bufbuild/protobuf';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import {
  FileDescriptorProtoSchema,
  type DescriptorProto,
  type EnumDescriptorProto,
  type FileDescriptorProto,
} from '@bufbuild/protobuf/wkt';
import { descriptorSet } from '@outbound/proto';
import {
  ServerReflectionService as ReflectionV1,
  type ServerReflectionRequest,
  type ServerReflectionResponse,
} from '@outbound/proto/grpc/reflection/v1/reflection';
import { ServerReflectionService as ReflectionV1Alpha } from '@outbound/proto/grpc/reflection/v1alpha/reflection';

/** The services every server adds beside its own: reflection describes them too. */
export const HEALTH_SERVICE = 'grpc.health.v1.Health';
const REFLECTION_SERVICES = ['grpc.reflection.v1.ServerReflection', 'grpc.reflection.v1alpha.ServerReflection'];

interface CompiledFile {
  proto: FileDescriptorProto;
  /** The FileDescriptorProto exactly as the compiler wrote it into the set. */
  bytes: Uint8Array;
}

/**
 * The files of a compiled FileDescriptorSet (built with its imports), each kept as the bytes the
 * compiler wrote, with an index from every fully-qualified symbol to the file declaring it.
 */
export class DescriptorPool {
  private readonly files = new Map<string, CompiledFile>();
  private readonly symbols = new Map<string, string>();
  private readonly messages = new Set<string>();

  constructor(setBytes: Uint8Array) {
    // FileDescriptorSet is `repeated FileDescriptorProto file = 1`: split it without re-encoding.
    const reader = new BinaryReader(setBytes);
    while (reader.pos < reader.len) {
      const [fieldNo, wireType] = reader.tag();
      if (fieldNo !== 1 || wireType !== WireType.LengthDelimited) {
        reader.skip(wireType, fieldNo);
        continue;
      }
      const bytes = reader.bytes();
      const proto = fromBinary(FileDescriptorProtoSchema, bytes);
      this.files.set(proto.name, { proto, bytes });
      this.indexFile(proto);
    }
  }

  /** The file declaring a message, enum, enum value, field, oneof, service, method or extension. */
  fileOf(symbol: string): string | undefined {
    return this.symbols.get(symbol.replace(/^\./, ''));
  }

  has(fileName: string): boolean {
    return this.files.has(fileName);
  }

  /** Whether a full name is a message type's (the subject of extension-number questions). */
  isMessage(typeName: string): boolean {
    return this.messages.has(typeName.replace(/^\./, ''));
  }

  /** The file and everything it imports, transitively: the file first, then each import once. */
  closure(fileName: string): string[] {
    const seen: string[] = [];
    const visit = (name: string) => {
      if (seen.includes(name)) return;
      const file = this.files.get(name);
      if (!file) throw new Error(`descriptor set lacks ${name} (built without its imports?)`);
      seen.push(name);
      for (const dependency of file.proto.dependency) visit(dependency);
    };
    visit(fileName);
    return seen;
  }

  bytes(fileName: string): Uint8Array {
    const file = this.files.get(fileName);
    if (!file) throw new Error(`no file ${fileName}`);
    return file.bytes;
  }

  private indexFile(file: FileDescriptorProto): void {
    const scope = file.package ? `${file.package}.` : '';
    const add = (name: string) => this.symbols.set(name, file.name);
    const addEnum = (e: EnumDescriptorProto, parent: string) => {
      add(`${parent}${e.name}`);
      // Enum values live in the scope enclosing their enum, as in C++.
      for (const value of e.value) add(`${parent}${value.name}`);
    };
    const addMessage = (m: DescriptorProto, parent: string) => {
      const name = `${parent}${m.name}`;
      add(name);
      this.messages.add(name);
      for (const field of m.field) add(`${name}.${field.name}`);
      for (const oneof of m.oneofDecl) add(`${name}.${oneof.name}`);
      for (const extension of m.extension) add(`${name}.${extension.name}`);
      for (const nested of m.nestedType) addMessage(nested, `${name}.`);
      for (const nested of m.enumType) addEnum(nested, `${name}.`);
    };
    for (const message of file.messageType) addMessage(message, scope);
    for (const e of file.enumType) addEnum(e, scope);
    for (const extension of file.extension) add(`${scope}${extension.name}`);
    for (const service of file.service) {
      add(`${scope}${service.name}`);
      for (const method of service.method) add(`${scope}${service.name}.${method.name}`);
    }
  }
}

let compiled: DescriptorPool | undefined;

/** The pool of the descriptor set compiled with our protos (built once, on first use). */
export function compiledPool(): DescriptorPool {
  compiled ??= new DescriptorPool(descriptorSet());
  return compiled;
}

/**
 * What one server's reflection answers: the services it serves plus health and reflection, and
 * only the files those services are declared in, with their imports. Requests about anything
 * else are NOT_FOUND, as they would be from a server built from those files alone.
 */
export class ReflectionIndex {
  readonly services: readonly string[];
  private readonly visible: ReadonlySet<string>;

  constructor(
    private readonly pool: DescriptorPool,
    served: readonly string[],
  ) {
    this.services = [...new Set([...served, HEALTH_SERVICE, ...REFLECTION_SERVICES])].sort();
    const visible = new Set<string>();
    for (const service of this.services) {
      const file = pool.fileOf(service);
      if (file) for (const name of pool.closure(file)) visible.add(name);
    }
    this.visible = visible;
  }

  answer(request: ServerReflectionRequest): ServerReflectionResponse {
    const base = { validHost: request.host, originalRequest: request };
    const empty = {
      fileDescriptorResponse: undefined,
      allExtensionNumbersResponse: undefined,
      listServicesResponse: undefined,
      errorResponse: undefined,
    };
    const error = (code: Status, message: string): ServerReflectionResponse => ({
      ...base,
      ...empty,
      errorResponse: { errorCode: code, errorMessage: message },
    });
    const files = (fileName: string): ServerReflectionResponse => ({
      ...base,
      ...empty,
      fileDescriptorResponse: {
        fileDescriptorProto: this.pool.closure(fileName).map((name) => Buffer.from(this.pool.bytes(name))),
      },
    });

    if (request.listServices !== undefined)
      return { ...base, ...empty, listServicesResponse: { service: this.services.map((name) => ({ name })) } };
    if (request.fileByFilename !== undefined) {
      const name = request.fileByFilename;
      return this.visible.has(name) ? files(name) : error(Status.NOT_FOUND, `file ${name} not found`);
    }
    if (request.fileContainingSymbol !== undefined) {
      const symbol = request.fileContainingSymbol;
      const file = this.pool.fileOf(symbol);
      return file && this.visible.has(file) ? files(file) : error(Status.NOT_FOUND, `symbol ${symbol} not found`);
    }
    if (request.fileContainingExtension !== undefined) {
      const { containingType, extensionNumber } = request.fileContainingExtension;
      return error(Status.NOT_FOUND, `extension ${extensionNumber} of ${containingType} not found`);
    }
    if (request.allExtensionNumbersOfType !== undefined) {
      const type = request.allExtensionNumbersOfType;
      const file = this.pool.fileOf(type);
      return file && this.visible.has(file) && this.pool.isMessage(type)
        ? { ...base, ...empty, allExtensionNumbersResponse: { baseTypeName: type, extensionNumber: [] } }
        : error(Status.NOT_FOUND, `type ${type} not found`);
    }
    return error(Status.INVALID_ARGUMENT, 'the request names no question');
  }
}

/**
 * Add grpc.reflection.v1 and v1alpha (the same answers; older clients only know v1alpha) for a
 * server serving `served` (full service names).
 */
export function addReflection(server: Server, served: readonly string[], pool = compiledPool()): void {
  const index = new ReflectionIndex(pool, served);
  const handle = (call: ServerDuplexStream<ServerReflectionRequest, ServerReflectionResponse>) => {
    call.on('data', (request: ServerReflectionRequest) => call.write(index.answer(request)));
    call.on('end', () => call.end());
    // A client gone mid-stream needs nothing more from us.
    call.on('error', () => undefined);
  };
  server.addService(ReflectionV1, { serverReflectionInfo: handle });
  server.addService(ReflectionV1Alpha, { serverReflectionInfo: handle });
}
