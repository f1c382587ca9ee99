import { loadConfigOrExit } from '@outbound/config';
import { runService } from '@outbound/telemetry';
import { createApp } from './app.js';
import { configShape } from './config.js';

const config = loadConfigOrExit(configShape);
const activeKeyId = config.piiActiveKeyId ?? config.piiKeys[config.piiKeys.length - 1]?.id;
if (!activeKeyId || !config.piiKeys.some((k) => k.id === activeKeyId)) {
  process.stderr.write(`invalid configuration:\n  PII_ACTIVE_KEY_ID: must name one of the key ids in PII_KEYS\n`);
  process.exit(78);
}
await runService({
  name: 'lead-ingest',
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
      piiKeys: config.piiKeys,
      piiActiveKeyId: activeKeyId,
      blindIndexKey: config.blindIndexKey,
      defaultRegion: config.defaultRegion,
      tierRules: config.tierRules,
      importBatchRows: config.importBatchRows,
      maxRejectsStored: config.maxRejectsStored,
      shutdownGraceMs: config.shutdownGraceMs,
      revealGrants: config.piiRevealGrants,
      httpAddress: config.httpAddress,
      upsertGrants: config.upsertGrants,
      deadNumbersDurable: config.deadNumbersDurable,
      optOutsDurable: config.optOutsDurable,
      dncAddedDurable: config.dncAddedDurable,
      dncAddedFrom: config.dncAddedFrom,
      ...(config.complianceAddress ? { complianceAddress: config.complianceAddress } : {}),
    }),
});
