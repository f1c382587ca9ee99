import {
  metrics,
  type Attributes,
  type BatchObservableResult,
  type Counter,
  type Histogram,
  type Meter,
} from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/** Seconds-scale buckets: the SDK defaults are tuned for milliseconds. */
export const SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface MetricsOptions {
  serviceName: string;
  /** host:port for the Prometheus /metrics endpoint; undefined = metrics off. */
  address?: string;
}

export interface Metrics {
  meter: Meter;
  /** Port actually bound (useful with port 0 in tests); undefined when off. */
  port?: number;
  shutdown(): Promise<void>;
}

function parseAddress(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  // `[::]:9464`: node's listen takes the IPv6 host without its brackets.
  const host = i > 0 ? address.slice(0, i).replace(/^\[(.*)\]$/, '$1') : '0.0.0.0';
  const port = Number(i >= 0 ? address.slice(i + 1) : address);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`METRICS_ADDRESS: invalid port in "${address}" (expected host:port)`);
  }
  return { host, port };
}

/** Starts OpenTelemetry metrics with a Prometheus endpoint; a no-op meter when no address is set. */
export async function startMetrics(options: MetricsOptions): Promise<Metrics> {
  if (!options.address) {
    return { meter: metrics.getMeter(options.serviceName), shutdown: () => Promise.resolve() };
  }
  const { host, port } = parseAddress(options.address);
  const exporter = new PrometheusExporter({ host, port, preventServerStart: true });
  await exporter.startServer();
  const server: { address(): { port: number } | string | null } | undefined = (
    exporter as unknown as { _server?: { address(): { port: number } | string | null } }
  )._server;
  const bound = server?.address();
  const provider = new MeterProvider({ readers: [exporter] });
  const meter = provider.getMeter(options.serviceName);
  const stopRuntime = runtimeMetrics(meter);
  return {
    meter,
    port: typeof bound === 'object' && bound ? bound.port : port,
    shutdown: async () => {
      stopRuntime();
      await provider.shutdown();
    },
  };
}

/**
 * How late the event loop ran since the last scrape (nodejs.eventloop.delay.p50/p99/max, seconds,
 * as OpenTelemetry's Node.js runtime conventions name them): every timer, reply and event of the
 * process waits that long on top of its own work, so a service's tail latency starts here.
 */
function runtimeMetrics(meter: Meter): () => void {
  const resolutionMs = 10;
  const delay = monitorEventLoopDelay({ resolution: resolutionMs });
  delay.enable();
  const gauges = {
    p50: meter.createObservableGauge('nodejs.eventloop.delay.p50', {
      unit: 's',
      description: 'Median event loop delay since the last collection',
    }),
    p99: meter.createObservableGauge('nodejs.eventloop.delay.p99', {
      unit: 's',
      description: '99th percentile event loop delay since the last collection',
    }),
    max: meter.createObservableGauge('nodejs.eventloop.delay.max', {
      unit: 's',
      description: 'Longest event loop delay since the last collection',
    }),
  };
  const observe = (result: BatchObservableResult) => {
    // The histogram holds each sampling timer's whole interval in nanoseconds: the delay is what
    // exceeds the timer's own resolution. Nothing recorded yet reads as 0, not as a sentinel.
    const seconds = (ns: number) => (delay.count > 0 ? Math.max(0, ns / 1e6 - resolutionMs) / 1e3 : 0);
    result.observe(gauges.p50, seconds(delay.percentile(50)));
    result.observe(gauges.p99, seconds(delay.percentile(99)));
    result.observe(gauges.max, seconds(delay.max));
    delay.reset();
  };
  meter.addBatchObservableCallback(observe, Object.values(gauges));
  return () => {
    meter.removeBatchObservableCallback(observe, Object.values(gauges));
    delay.disable();
  };
}

/** rpc.server.duration per OTel semantic conventions; attribute objects cached per method+code. */
export class RpcServerMetrics {
  private readonly duration: Histogram;
  private readonly attrs = new Map<string, Attributes>();

  constructor(
    meter: Meter,
    private readonly service: string,
  ) {
    this.duration = meter.createHistogram('rpc.server.duration', {
      unit: 's',
      description: 'Duration of inbound gRPC calls',
      advice: { explicitBucketBoundaries: SECONDS_BUCKETS },
    });
  }

  record(method: string, grpcStatusCode: number, seconds: number): void {
    const key = `${method}\u0000${grpcStatusCode}`;
    let a = this.attrs.get(key);
    if (!a) {
      a = {
        'rpc.system': 'grpc',
        'rpc.service': this.service,
        'rpc.method': method,
        'rpc.grpc.status_code': grpcStatusCode,
      };
      this.attrs.set(key, a);
    }
    this.duration.record(seconds, a);
  }
}

/** rpc.client.duration: outbound gRPC calls by service, method and status code (attributes cached). */
export class RpcClientMetrics {
  private readonly duration: Histogram;
  private readonly attrs = new Map<string, Attributes>();

  constructor(meter: Meter) {
    this.duration = meter.createHistogram('rpc.client.duration', {
      unit: 's',
      description: 'Duration of outbound gRPC calls, as the caller saw them',
      advice: { explicitBucketBoundaries: SECONDS_BUCKETS },
    });
  }

  /** `path`: the gRPC path, `/outbound.v1.ComplianceService/CheckDial`. */
  record(path: string, grpcStatusCode: number, seconds: number): void {
    const key = `${path}\u0000${grpcStatusCode}`;
    let a = this.attrs.get(key);
    if (!a) {
      const slash = path.lastIndexOf('/');
      a = {
        'rpc.system': 'grpc',
        'rpc.service': path.slice(1, slash),
        'rpc.method': path.slice(slash + 1),
        'rpc.grpc.status_code': grpcStatusCode,
      };
      this.attrs.set(key, a);
    }
    this.duration.record(seconds, a);
  }
}

/**
 * http.server.request.duration by method, route template (`/api/campaigns/:id`, never the path
 * with its ids) and status code; attributes cached.
 */
export class HttpServerMetrics {
  private readonly duration: Histogram;
  private readonly attrs = new Map<string, Attributes>();

  constructor(meter: Meter) {
    this.duration = meter.createHistogram('http.server.request.duration', {
      unit: 's',
      description: 'Duration of HTTP requests served (event streams: until they close)',
      advice: { explicitBucketBoundaries: SECONDS_BUCKETS },
    });
  }

  record(method: string, route: string, status: number, seconds: number): void {
    const key = `${method}\u0000${route}\u0000${status}`;
    let a = this.attrs.get(key);
    if (!a) {
      a = { 'http.request.method': method, 'http.route': route, 'http.response.status_code': status };
      this.attrs.set(key, a);
    }
    this.duration.record(seconds, a);
  }
}

/** Keeps only the leading, id-free tokens of a subject (never ids or phone numbers). */
export function subjectPrefix(subject: string, depth = 2): string {
  return subject.split('.').slice(0, depth).join('.');
}

/** messaging.process.duration and error counts per subject prefix. */
export class ConsumerMetrics {
  private readonly duration: Histogram;
  private readonly errors: Counter;
  private readonly attrs = new Map<string, Attributes>();

  constructor(meter: Meter) {
    this.duration = meter.createHistogram('messaging.process.duration', {
      unit: 's',
      description: 'Duration of handling one consumed message',
      advice: { explicitBucketBoundaries: SECONDS_BUCKETS },
    });
    this.errors = meter.createCounter('messaging.process.errors', {
      unit: '{message}',
      description: 'Consumed messages whose handling failed',
    });
  }

  record(subject: string, seconds: number, failed: boolean): void {
    const prefix = subjectPrefix(subject);
    let a = this.attrs.get(prefix);
    if (!a) {
      a = { 'messaging.system': 'nats', 'messaging.destination.name': prefix };
      this.attrs.set(prefix, a);
    }
    this.duration.record(seconds, a);
    if (failed) this.errors.add(1, a);
  }

  /**
   * A recorder for one consumer, its attributes built once: `destination` is the event type (the
   * subject's id-free prefix), `group` the durable consumer's name.
   */
  recorder(destination: string, group: string): (seconds: number, failed: boolean) => void {
    const a: Attributes = {
      'messaging.system': 'nats',
      'messaging.destination.name': destination,
      'messaging.consumer.group.name': group,
    };
    // The error series exists from the start at 0, so rates and alerts see a consumer that never failed.
    this.errors.add(0, a);
    return (seconds, failed) => {
      this.duration.record(seconds, a);
      if (failed) this.errors.add(1, a);
    };
  }
}

/**
 * Attribute objects by a key, built once: the SDK hashes the object it is given on every record,
 * and a fresh object per call would be garbage on the hot path. Keys come from bounded sets
 * (campaign ids, outcomes, node names), never from numbers or names.
 */
export class AttributeCache {
  private readonly cache = new Map<string, Attributes>();

  constructor(private readonly limit = 10_000) {}

  get(key: string, build: () => Attributes): Attributes {
    let a = this.cache.get(key);
    if (a === undefined) {
      // A bound, so a long-lived process that sees many campaigns does not grow for ever.
      if (this.cache.size >= this.limit) this.cache.delete(this.cache.keys().next().value!);
      a = build();
      this.cache.set(key, a);
    }
    return a;
  }
}
