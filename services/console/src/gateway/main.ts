import { createLogger } from '@outbound/telemetry';
import { startConsole } from './app.js';
import { loadConfig } from './config.js';

const config = loadConfig();
const logger = createLogger({ service: 'console', level: config.logLevel });
const gateway = await startConsole(config, logger);
logger.info({ port: gateway.port, url: gateway.url }, 'console ready');

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'console stopping');
  await gateway.stop();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
