import { appendFileSync } from 'node:fs';
import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type TextMapGetter,
  type TextMapSetter,
} from '@opentelemetry/api';
import { NodeSDK, tracing, resources } from '@opentelemetry/sdk-node';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { redactText } from './mask.js';

export { SpanKind, context, trace, type Context, type Span };

export interface TelemetryOptions {
  serviceName: string;
  serviceVersion?: string;
  /** OTLP/HTTP endpoint (e.g. http://otel-collector:4318). Unset: nothing is exported. */
  otlpEndpoint?: string | undefined;
  /** Append finished spans as JSON lines to this file (tests, local debugging). */
  spansFile?: string | undefined;
  /** Extra processors, e.g. an in-memory exporter in tests. */
  spanProcessors?: tracing.SpanProcessor[];
}

export interface Telemetry {
  shutdown(): Promise<void>;
}

/**
 * Start the OpenTelemetry SDK. Spans are always created (so logs carry trace ids and W3C context
 * propagates); they are exported only where an endpoint or file is configured.
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  const processors: tracing.SpanProcessor[] = [...(options.spanProcessors ?? [])];
  if (options.otlpEndpoint) {
    const url = `${options.otlpEndpoint.replace(/\/$/, '')}/v1/traces`;
    processors.push(new tracing.BatchSpanProcessor(new OTLPTraceExporter({ url })));
  }
  if (options.spansFile) processors.push(new tracing.SimpleSpanProcessor(new FileSpanExporter(options.spansFile)));
  if (processors.length === 0) processors.push(new tracing.NoopSpanProcessor());
  const sdk = new NodeSDK({
    resource: resources.resourceFromAttributes({
      'service.name': options.serviceName,
      'service.version': options.serviceVersion ?? '0.0.0',
    }),
    autoDetectResources: false,
    spanProcessors: processors,
    textMapPropagator: new W3CTraceContextPropagator(),
    instrumentations: [],
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}

/** One JSON line per finished span: what the cross-process tests read back. */
export class FileSpanExporter implements tracing.SpanExporter {
  constructor(private readonly path: string) {}

  export(spans: tracing.ReadableSpan[], done: (result: { code: number; error?: Error }) => void): void {
    try {
      const lines = spans.map((span) => JSON.stringify(toSpanRecord(span))).join('\n');
      if (lines) appendFileSync(this.path, `${lines}\n`);
      done({ code: 0 });
    } catch (error) {
      done({ code: 1, error: error as Error });
    }
  }

  async shutdown(): Promise<void> {}
}

export interface SpanRecord {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  kind: number;
  service: string;
  status: number;
  attributes: Attributes;
}

function toSpanRecord(span: tracing.ReadableSpan): SpanRecord {
  return {
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    name: span.name,
    kind: span.kind,
    service: String(span.resource.attributes['service.name'] ?? ''),
    status: span.status.code,
    attributes: span.attributes,
  };
}

const tracer = () => trace.getTracer('outbound');

/**
 * The one helper that owns a span's life: start it (as a child of `parent` or the active context),
 * run `fn` inside it, record failure, end it. Attributes must never hold personal data.
 */
export async function instrument<T>(
  name: string,
  options: { attributes?: Attributes; kind?: SpanKind; parent?: Context },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = options.parent ?? context.active();
  const spanOptions = {
    kind: options.kind ?? SpanKind.INTERNAL,
    ...(options.attributes ? { attributes: options.attributes } : {}),
  };
  return tracer().startActiveSpan(name, spanOptions, parent, async (span) => {
    try {
      const result = await fn(span);
      span.setStatus({ code: SpanStatusCode.OK });
      return result;
    } catch (error) {
      const message = redactText(error instanceof Error ? error.message : String(error));
      span.recordException({ name: error instanceof Error ? error.name : 'Error', message });
      span.setStatus({ code: SpanStatusCode.ERROR, message });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Write the active (or given) context's W3C headers (`traceparent`, `tracestate`) into a carrier. */
export function injectTraceContext<C>(carrier: C, setter?: TextMapSetter<C>, ctx: Context = context.active()): C {
  propagation.inject(ctx, carrier, setter);
  return carrier;
}

/** Read W3C headers from a carrier into a context to parent the next span on. */
export function extractTraceContext<C>(carrier: C, getter?: TextMapGetter<C>): Context {
  return propagation.extract(context.active(), carrier, getter);
}

/** The current trace id, or undefined outside a span. */
export function currentTraceId(): string | undefined {
  const span = trace.getActiveSpan();
  return span?.spanContext().traceId;
}
