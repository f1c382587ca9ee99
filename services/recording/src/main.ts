import { runService } from '@outbound/telemetry';
import { createApp } from './app.js';
import { loadRecordingConfigOrExit } from './config.js';

const config = loadRecordingConfigOrExit();
await runService({
  name: 'recording',
  logLevel: config.logLevel,
  otlpEndpoint: config.otlpEndpoint,
  metricsAddress: config.metricsAddress,
  build: (logger, meter) => createApp({ config, logger, meter }),
});
