import {
  Server,
  ServerCredentials,
  status as Status,
  type Metadata,
  type ServerReadableStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceDefinition,
  type UntypedServiceImplementation,
  type handleClientStreamingCall,
  type handleServerStreamingCall,
  type handleUnaryCall,
  type sendUnaryData,
} from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import {
  RpcServerMetrics,
  SpanKind,
  extractTraceContext,
  instrument,
  type Logger,
  type Meter,
} from '@outbound/telemetry';
import { addReflection } from './reflection.js';
import { toStatus } from './status.js';

const metadataGetter = {
  get: (carrier: Metadata, key: string) => {
    const value = carrier.get(key)[0];
    return typeof value === 'string' ? value : undefined;
  },
  keys: (carrier: Metadata) => Object.keys(carrier.getMap()),
};

export interface CallContext {
  metadata: Metadata;
  /** Aborted when the client cancels or its deadline passes. */
  signal: AbortSignal;
  logger: Logger;
}

// The generated Server interfaces extend an index signature; keep only the named methods.
type KnownKeys<T> = { [K in keyof T as string extends K ? never : K]: T[K] };

type Handlers<S> = {
  [K in keyof S]: S[K] extends handleUnaryCall<infer Req, infer Res>
    ? (request: Req, context: CallContext) => Promise<Res>
    : S[K] extends handleClientStreamingCall<infer Req, infer Res>
      ? (requests: AsyncIterable<Req>, context: CallContext) => Promise<Res>
      : S[K] extends handleServerStreamingCall<infer Req, infer Res>
        ? (request: Req, context: CallContext) => AsyncIterable<Res>
        : never;
};

export interface ServiceBinding {
  /** Full name, e.g. `outbound.v1.MediaService`, for health status. */
  name: string;
  definition: ServiceDefinition;
  implementation: UntypedServiceImplementation;
  /** Records rpc.server.duration of every call on `meter` from now on (startGrpcServer calls it). */
  measure?(meter: Meter): void;
}

/** The binding's metrics, set once the server knows its meter (bindings are made before). */
interface MetricsSlot {
  metrics?: RpcServerMetrics;
}

/**
 * Bind promise-style handlers to a generated service definition. Every call gets a server span
 * continuing the caller's trace, every thrown error goes through the one status mapper, and
 * (once measured) its duration is recorded by method and status code.
 */
export function bindService<S extends UntypedServiceImplementation>(
  name: string,
  definition: ServiceDefinition,
  handlers: Handlers<KnownKeys<S>>,
  logger: Logger,
): ServiceBinding {
  const implementation: UntypedServiceImplementation = {};
  const slot: MetricsSlot = {};
  for (const [method, spec] of Object.entries(definition)) {
    // The proto's own method name (`CheckDial`), as OpenTelemetry's rpc.method wants it.
    const rpcMethod = spec.path.slice(spec.path.lastIndexOf('/') + 1);
    const handler = (handlers as Record<string, (input: unknown, context: CallContext) => Promise<unknown>>)[method];
    if (!handler) throw new Error(`${name}: no handler for ${method}`);
    if (spec.responseStream && spec.requestStream)
      throw new Error(`${name}.${method}: bidirectional streaming is not supported yet`);
    // One child logger per method, not per call: its bindings never change and pino children cost.
    const methodLogger = logger.child({ rpc: spec.path });
    if (spec.responseStream) {
      implementation[method] = serverStream(
        spec.path,
        name,
        method,
        handler as unknown as (input: unknown, context: CallContext) => AsyncIterable<unknown>,
        methodLogger,
        (code, seconds) => slot.metrics?.record(rpcMethod, code, seconds),
      );
      continue;
    }
    const run = (
      call: ServerUnaryCall<unknown, unknown> | ServerReadableStream<unknown, unknown>,
      input: unknown,
      callback: sendUnaryData<unknown>,
    ) => {
      const startedAt = performance.now();
      const controller = new AbortController();
      let answered = false;
      // grpc-js also reports 'cancelled' as a finished call closes; only a call still being
      // handled is worth aborting (and building the abort reason is not free on a hot path).
      call.on('cancelled', () => {
        if (!answered) controller.abort();
      });
      const context: CallContext = { metadata: call.metadata, signal: controller.signal, logger: methodLogger };
      instrument(
        spec.path,
        {
          kind: SpanKind.SERVER,
          parent: extractTraceContext(call.metadata, metadataGetter),
          attributes: { 'rpc.system': 'grpc', 'rpc.service': name, 'rpc.method': method },
        },
        () => handler(input, context),
      )
        .then((response) => {
          answered = true;
          slot.metrics?.record(rpcMethod, Status.OK, (performance.now() - startedAt) / 1000);
          callback(null, response);
        })
        .catch((error: unknown) => {
          answered = true;
          const mapped = toStatus(error);
          slot.metrics?.record(rpcMethod, mapped.code, (performance.now() - startedAt) / 1000);
          if (mapped.unexpected) context.logger.error({ err: error }, 'unexpected error in handler');
          callback({ code: mapped.code, details: mapped.details, metadata: mapped.metadata });
        });
    };
    implementation[method] = spec.requestStream
      ? (call: ServerReadableStream<unknown, unknown>, callback: sendUnaryData<unknown>) => run(call, call, callback)
      : (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) =>
          run(call, call.request, callback);
  }
  return {
    name,
    definition,
    implementation,
    measure: (meter) => {
      slot.metrics = new RpcServerMetrics(meter, name);
    },
  };
}

/**
 * A server stream: the handler yields messages until it is done, the client cancels (its signal
 * aborts; the handler's loop should end) or the server shuts down. Writes wait for the transport
 * to drain; an error ends the stream with the mapped status.
 */
function serverStream(
  path: string,
  service: string,
  method: string,
  handler: (input: unknown, context: CallContext) => AsyncIterable<unknown>,
  logger: Logger,
  record: (code: Status, seconds: number) => void,
): (call: ServerWritableStream<unknown, unknown>) => void {
  return (call) => {
    const startedAt = performance.now();
    const controller = new AbortController();
    let finished = false;
    call.on('cancelled', () => {
      if (!finished) controller.abort();
    });
    const context: CallContext = { metadata: call.metadata, signal: controller.signal, logger };
    instrument(
      path,
      {
        kind: SpanKind.SERVER,
        parent: extractTraceContext(call.metadata, metadataGetter),
        attributes: { 'rpc.system': 'grpc', 'rpc.service': service, 'rpc.method': method },
      },
      async () => {
        for await (const message of handler(call.request, context)) {
          if (controller.signal.aborted) break;
          if (!call.write(message))
            await new Promise<void>((resolve) => {
              call.once('drain', resolve);
              controller.signal.addEventListener('abort', () => resolve(), { once: true });
            });
        }
      },
    ).then(
      () => {
        finished = true;
        // A stream the client left ends CANCELLED: a watcher closing its page is no server fault.
        record(controller.signal.aborted ? Status.CANCELLED : Status.OK, (performance.now() - startedAt) / 1000);
        if (!controller.signal.aborted) call.end();
      },
      (error: unknown) => {
        finished = true;
        if (controller.signal.aborted) {
          record(Status.CANCELLED, (performance.now() - startedAt) / 1000);
          return;
        }
        const mapped = toStatus(error);
        record(mapped.code, (performance.now() - startedAt) / 1000);
        if (mapped.unexpected) logger.error({ err: error }, 'unexpected error in stream handler');
        call.emit('error', { code: mapped.code, details: mapped.details, metadata: mapped.metadata });
      },
    );
  };
}

export interface GrpcServer {
  /** The bound port (useful with port 0). */
  port: number;
  /** Mark a service (or '' for the whole server) serving or not in the health service. */
  setServing(service: string, serving: boolean): void;
  /** Report NOT_SERVING, let in-flight calls finish within `graceMs`, then force. */
  shutdown(graceMs: number): Promise<void>;
}

/**
 * Start a gRPC server with the given services, plus grpc.health.v1 and server reflection (v1 and
 * v1alpha) listing exactly those and serving their files as compiled, with their imports.
 */
export async function startGrpcServer(options: {
  address: string;
  services: ServiceBinding[];
  logger: Logger;
  maxReceiveBytes?: number;
  /** Where rpc.server.duration goes (by service, method and status code); none: not recorded. */
  meter?: Meter;
}): Promise<GrpcServer> {
  const server = new Server({ 'grpc.max_receive_message_length': options.maxReceiveBytes ?? 16 * 1024 * 1024 });
  const health = new HealthImplementation({
    '': 'SERVING',
    ...Object.fromEntries(options.services.map((s) => [s.name, 'SERVING' as const])),
  });
  health.addToServer(server);
  addReflection(
    server,
    options.services.map((s) => s.name),
  );
  for (const service of options.services) {
    if (options.meter) service.measure?.(options.meter);
    server.addService(service.definition, service.implementation);
  }
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(options.address, ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  options.logger.info({ port }, 'gRPC server listening');
  return {
    port,
    setServing: (service, serving) => health.setStatus(service, serving ? 'SERVING' : 'NOT_SERVING'),
    shutdown: async (graceMs) => {
      health.setStatus('', 'NOT_SERVING');
      for (const service of options.services) health.setStatus(service.name, 'NOT_SERVING');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}

export { Status };
