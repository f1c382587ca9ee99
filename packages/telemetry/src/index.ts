export { maskName, redactText } from './mask.js';
export { createLogger, type Logger, type LoggerOptions } from './logger.js';
export {
  FileSpanExporter,
  SpanKind,
  context,
  currentTraceId,
  extractTraceContext,
  injectTraceContext,
  instrument,
  startTelemetry,
  trace,
  type Context,
  type Span,
  type SpanRecord,
  type Telemetry,
  type TelemetryOptions,
} from './tracing.js';
export { runService, type RunnableService } from './service.js';
export {
  AttributeCache,
  ConsumerMetrics,
  HttpServerMetrics,
  RpcClientMetrics,
  RpcServerMetrics,
  SECONDS_BUCKETS,
  startMetrics,
  subjectPrefix,
  type Metrics,
  type MetricsOptions,
} from './metrics.js';
export type {
  Attributes,
  Counter,
  Histogram,
  Meter,
  ObservableGauge,
  ObservableResult,
  UpDownCounter,
} from '@opentelemetry/api';
