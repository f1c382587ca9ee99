import { runService } from '@outbound/telemetry';
import { createApp } from './app.js';
import { loadComplianceConfigOrExit } from './config.js';

const config = loadComplianceConfigOrExit();
await runService({
  name: 'compliance',
  logLevel: config.logLevel,
  otlpEndpoint: config.otlpEndpoint,
  metricsAddress: config.metricsAddress,
  build: (logger, meter) => createApp({ config, logger, meter }),
});
