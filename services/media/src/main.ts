import { runService } from '@outbound/telemetry';
import { createApp } from './app.js';
import { loadMediaConfigOrExit } from './config.js';

const config = loadMediaConfigOrExit();
await runService({
  name: 'media',
  logLevel: config.logLevel,
  otlpEndpoint: config.otlpEndpoint,
  metricsAddress: config.metricsAddress,
  readyMessage: 'media started',
  build: (logger, meter) => {
    const app = createApp({ config, logger, meter });
    return {
      // The controller exists once started; draining only happens after that.
      activeCalls: () => app.controller.activeCalls,
      start: async () => ({ ...(await app.start()), nodes: config.eslNodes.map((n) => n.name) }),
      stop: () => app.stop(config.shutdownGraceMs),
    };
  },
  draining: (service) => ({ activeCalls: service.activeCalls() }),
});
