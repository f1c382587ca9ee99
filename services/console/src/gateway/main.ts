import { createLogger, startMetrics } from '@outbound/telemetry';
import { startConsole } from './app.js';
import { loadConfig } from './config.js';

const config = loadConfig();
const logger = createLogger({ service: 'console', level: config.logLevel });
const metrics = await startMetrics({
  serviceName: 'console',
  ...(config.metricsAddress ? { address: config.metricsAddress } : {}),
});
const gateway = await startConsole(config, logger, metrics.meter);
logger.info({ port: gateway.port, url: gateway.url, metricsPort: metrics.port }, 'console ready');

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'console stopping');
  await gateway.stop();
  await metrics.shutdown();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
