import { loadConfigOrExit } from '@outbound/config';
import { createLogger, startTelemetry } from '@outbound/telemetry';
import { createApp } from './app.js';
import { configShape } from './config.js';

const config = loadConfigOrExit(configShape);
const activeKeyId = config.piiActiveKeyId ?? config.piiKeys[config.piiKeys.length - 1]?.id;
if (!activeKeyId || !config.piiKeys.some((k) => k.id === activeKeyId)) {
  process.stderr.write(`invalid configuration:\n  PII_ACTIVE_KEY_ID: must name one of the key ids in PII_KEYS\n`);
  process.exit(78);
}
const telemetry = startTelemetry({
  serviceName: 'lead-ingest',
  ...(config.otlpEndpoint ? { otlpEndpoint: config.otlpEndpoint } : {}),
});
const logger = createLogger({ service: 'lead-ingest', level: config.logLevel });
const app = createApp({
  logger,
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
  ...(config.complianceAddress ? { complianceAddress: config.complianceAddress } : {}),
});

const { port, httpPort } = await app.start();
logger.info({ port, httpPort }, 'lead-ingest ready');

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'draining in-flight imports');
    void app
      .stop()
      .then(() => telemetry.shutdown())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, 'unclean shutdown');
          process.exit(1);
        },
      );
  });
}
