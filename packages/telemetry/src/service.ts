import type { Meter } from '@opentelemetry/api';
import { createLogger, type Logger } from './logger.js';
import { startMetrics } from './metrics.js';
import { startTelemetry } from './tracing.js';

/** What a service's composition root gives its main: start (what to log once ready) and a draining stop. */
export interface RunnableService {
  start(): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

/**
 * The whole life of a service process, so each `main.ts` only wires: telemetry and the root
 * logger, the metrics endpoint (METRICS_ADDRESS; its meter is given to `build`, a no-op one when
 * unset), the app built and started, `<name> ready` logged with what start returned and the
 * metrics port (tests and probes wait for it), and on SIGTERM or SIGINT a drain (`stop`),
 * telemetry flushed and metrics closed, exit 0 (1 when the drain fails). `draining` adds fields
 * to the draining log line (e.g. calls still up).
 */
export async function runService<A extends RunnableService>(options: {
  name: string;
  logLevel: string;
  otlpEndpoint?: string | undefined;
  /** host:port of the Prometheus endpoint; undefined: no endpoint. */
  metricsAddress?: string | undefined;
  build: (logger: Logger, meter: Meter) => A;
  readyMessage?: string;
  draining?: (app: A) => Record<string, unknown>;
}): Promise<A> {
  const telemetry = startTelemetry({
    serviceName: options.name,
    ...(options.otlpEndpoint ? { otlpEndpoint: options.otlpEndpoint } : {}),
  });
  const logger = createLogger({ service: options.name, level: options.logLevel });
  const metrics = await startMetrics({
    serviceName: options.name,
    ...(options.metricsAddress ? { address: options.metricsAddress } : {}),
  });
  const app = options.build(logger, metrics.meter);
  const started = await app.start();
  logger.info(
    metrics.port === undefined ? started : { ...started, metricsPort: metrics.port },
    options.readyMessage ?? `${options.name} ready`,
  );
  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, ...options.draining?.(app) }, 'draining');
    try {
      await app.stop();
      await telemetry.shutdown();
      await metrics.shutdown();
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  return app;
}
