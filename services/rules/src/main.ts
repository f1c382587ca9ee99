import { loadConfigOrExit } from '@outbound/config';
import { runService } from '@outbound/telemetry';
import { createApp } from './app.js';
import { configShape } from './config.js';

const config = loadConfigOrExit(configShape);
await runService({
  name: 'rules',
  logLevel: config.logLevel,
  otlpEndpoint: config.otlpEndpoint,
  metricsAddress: config.metricsAddress,
  build: (logger, meter) =>
    createApp({
      logger,
      meter,
      databaseUrl: config.databaseUrl,
      natsUrl: config.natsUrl,
      schema: config.schema,
      grpcAddress: config.grpcAddress,
      httpAddress: config.httpAddress,
      leadIngestAddress: config.leadIngestAddress,
      leadDirectoryOptions: config.leadRevealToken ? { revealToken: config.leadRevealToken } : {},
      durablePrefix: config.durablePrefix,
      consumerConcurrency: config.consumerConcurrency,
      defaultTimeZone: config.defaultTimeZone,
      hardCapPerDay: config.hardCapPerDay,
      activeRulesTtlMs: config.activeRulesTtlMs,
      schedulerPollMs: config.schedulerPollMs,
      schedulerBatch: config.schedulerBatch,
      shutdownGraceMs: config.shutdownGraceMs,
      httpTokenHashes: config.httpTokenHashes,
      ...(config.smsWebhookUrl
        ? {
            sms: {
              url: config.smsWebhookUrl,
              ...(config.smsWebhookToken ? { token: config.smsWebhookToken } : {}),
              ...(config.smsStatusCallbackUrl ? { statusCallbackUrl: config.smsStatusCallbackUrl } : {}),
            },
          }
        : {}),
    }),
});
