import { createLogger, startTelemetry } from '@outbound/telemetry';
import { createApp } from './app.js';
import { loadDialerConfigOrExit } from './config.js';

const config = loadDialerConfigOrExit();
const telemetry = startTelemetry({
  serviceName: 'dialer',
  ...(config.otlpEndpoint ? { otlpEndpoint: config.otlpEndpoint } : {}),
});
const logger = createLogger({ service: 'dialer', level: config.logLevel });
const app = createApp({ config, logger });

const { port } = await app.start();
logger.info({ port }, 'dialer ready');

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'draining');
  try {
    await app.stop();
    await telemetry.shutdown();
    process.exit(0);
  } catch (error) {
    logger.error({ err: error }, 'shutdown failed');
    process.exit(1);
  }
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
