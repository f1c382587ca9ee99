import { createLogger, startTelemetry } from '@outbound/telemetry';
import { createApp } from './app.js';
import { loadMediaConfigOrExit } from './config.js';

const config = loadMediaConfigOrExit();
const logger = createLogger({ service: 'media', level: config.logLevel });
const telemetry = startTelemetry({ serviceName: 'media', otlpEndpoint: config.otlpEndpoint });
const app = createApp({ config, logger });
const { port } = await app.start();
logger.info({ port, nodes: config.eslNodes.map((n) => n.name) }, 'media started');

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal, activeCalls: app.controller.activeCalls }, 'draining');
  try {
    await app.stop(config.shutdownGraceMs);
    await telemetry.shutdown();
    process.exit(0);
  } catch (error) {
    logger.error({ err: (error as Error).message }, 'shutdown failed');
    process.exit(1);
  }
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
