import { createLogger, type Logger } from './logger.js';
import { startTelemetry } from './tracing.js';

/** What a service's composition root gives its main: start (what to log once ready) and a draining stop. */
export interface RunnableService {
  start(): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

/**
 * The whole life of a service process, so each `main.ts` only wires: telemetry and the root
 * logger, the app built and started, `<name> ready` logged with what start returned (tests and
 * probes wait for it), and on SIGTERM or SIGINT a drain (`stop`), telemetry flushed, exit 0 (1 when
 * the drain fails). `draining` adds fields to the draining log line (e.g. calls still up).
 */
export async function runService<A extends RunnableService>(options: {
  name: string;
  logLevel: string;
  otlpEndpoint?: string | undefined;
  build: (logger: Logger) => A;
  readyMessage?: string;
  draining?: (app: A) => Record<string, unknown>;
}): Promise<A> {
  const telemetry = startTelemetry({
    serviceName: options.name,
    ...(options.otlpEndpoint ? { otlpEndpoint: options.otlpEndpoint } : {}),
  });
  const logger = createLogger({ service: options.name, level: options.logLevel });
  const app = options.build(logger);
  const started = await app.start();
  logger.info(started, options.readyMessage ?? `${options.name} ready`);
  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, ...options.draining?.(app) }, 'draining');
    try {
      await app.stop();
      await telemetry.shutdown();
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
