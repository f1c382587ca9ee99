import { runService } from '@outbound/telemetry';
import { createApp } from './app.js';
import { loadDialerConfigOrExit } from './config.js';

const config = loadDialerConfigOrExit();
await runService({
  name: 'dialer',
  logLevel: config.logLevel,
  otlpEndpoint: config.otlpEndpoint,
  metricsAddress: config.metricsAddress,
  build: (logger, meter) => createApp({ config, logger, meter }),
});
