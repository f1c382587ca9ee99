import {
  InterceptingCall,
  credentials,
  type CallOptions,
  type ClientWritableStream,
  type ChannelOptions,
  type Client,
  type Interceptor,
  type InterceptorOptions,
  type Metadata,
  type NextCall,
  status as Status,
} from '@grpc/grpc-js';
import { SpanKind, SpanStatusCode, context, propagation, trace, type Meter } from '@opentelemetry/api';
import { RpcClientMetrics } from '@outbound/telemetry';

const metadataSetter = { set: (carrier: Metadata, key: string, value: string) => carrier.set(key, value) };

/**
 * Client interceptor: a default deadline on every call (no call waits forever), a CLIENT span,
 * the W3C trace context in the call's metadata, and (given metrics) rpc.client.duration.
 */
export function clientInterceptor(defaultDeadlineMs: number, metrics?: RpcClientMetrics): Interceptor {
  return (options: InterceptorOptions, nextCall: NextCall) => {
    const startedAt = metrics ? performance.now() : 0;
    const callOptions: InterceptorOptions = options.deadline
      ? options
      : { ...options, deadline: Date.now() + defaultDeadlineMs };
    const span = trace
      .getTracer('outbound')
      .startSpan(callOptions.method_definition.path, { kind: SpanKind.CLIENT, attributes: { 'rpc.system': 'grpc' } });
    const spanContext = trace.setSpan(context.active(), span);
    return new InterceptingCall(nextCall(callOptions), {
      start(metadata, _listener, next) {
        propagation.inject(spanContext, metadata, metadataSetter);
        // A partial listener: grpc-js passes the other callbacks through untouched.
        next(metadata, {
          onReceiveStatus(status, nextStatus) {
            span.setAttribute('rpc.grpc.status_code', status.code);
            metrics?.record(callOptions.method_definition.path, status.code, (performance.now() - startedAt) / 1000);
            if (status.code !== Status.OK) span.setStatus({ code: SpanStatusCode.ERROR, message: status.details });
            span.end();
            nextStatus(status);
          },
        });
      },
    });
  };
}

type ClientConstructor<C extends Client> = new (
  address: string,
  creds: ReturnType<typeof credentials.createInsecure>,
  options?: ChannelOptions & { interceptors?: Interceptor[] },
) => C;

/**
 * A generated client with our interceptor; `defaultDeadlineMs` applies where a call sets none,
 * and with a `meter` every call's duration is recorded as rpc.client.duration.
 */
export function createClient<C extends Client>(
  Ctor: ClientConstructor<C>,
  address: string,
  options: { defaultDeadlineMs?: number; meter?: Meter | undefined } = {},
): C {
  return new Ctor(address, credentials.createInsecure(), {
    interceptors: [
      clientInterceptor(
        options.defaultDeadlineMs ?? 5_000,
        options.meter ? new RpcClientMetrics(options.meter) : undefined,
      ),
    ],
  });
}

/** Promise wrapper for one unary call on a generated client. */
export function unary<Req, Res>(
  method: (
    request: Req,
    metadata: Metadata,
    options: Partial<CallOptions>,
    callback: (error: Error | null, response: Res) => void,
  ) => unknown,
  client: Client,
  request: Req,
  metadata: Metadata,
  options: Partial<CallOptions> = {},
): Promise<Res> {
  return new Promise((resolve, reject) => {
    method.call(client, request, metadata, options, (error, response) => (error ? reject(error) : resolve(response)));
  });
}

/**
 * Promise wrapper for one client-streaming call: writes every request in order, waiting for the
 * transport to drain when it asks, ends the stream, and resolves with the single response (or
 * rejects with the call's status). The client's interceptor gives it a deadline as any call.
 */
export async function clientStream<Req, Res>(
  method: (
    metadata: Metadata,
    options: Partial<CallOptions>,
    callback: (error: Error | null, response: Res) => void,
  ) => ClientWritableStream<Req>,
  client: Client,
  requests: Iterable<Req> | AsyncIterable<Req>,
  metadata: Metadata,
  options: Partial<CallOptions> = {},
): Promise<Res> {
  let call: ClientWritableStream<Req> | undefined;
  const response = new Promise<Res>((resolve, reject) => {
    call = method.call(client, metadata, options, (error, reply) => (error ? reject(error) : resolve(reply)));
  });
  const stream = call!;
  // A call that ends early (a refused header, a deadline) settles the response: stop writing then.
  let settled = false;
  const done = response.then(
    () => void (settled = true),
    () => void (settled = true),
  );
  try {
    for await (const request of requests) {
      if (settled) break;
      if (!stream.write(request))
        await Promise.race([new Promise<void>((resolve) => stream.once('drain', resolve)), done]);
    }
  } catch (error) {
    // The requests could not be produced (e.g. a file read failed): the call is cancelled, not half-sent.
    stream.cancel();
    await done;
    throw error;
  }
  stream.end();
  return response;
}
