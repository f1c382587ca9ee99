import { Bus } from '@outbound/bus';
import { ComplianceServiceClient } from '@outbound/proto/outbound/v1/compliance';
import { createClient } from '@outbound/rpc';
import { createLogger } from '@outbound/telemetry';
import { testUrls, uniqueName } from '@outbound/testkit';
import { createApp, type App } from '../../src/app.js';
import { loadComplianceConfig } from '../../src/config.js';

export interface Harness {
  app: App;
  client: ComplianceServiceClient;
  bus: Bus;
  schema: string;
  close(): Promise<void>;
}

/** The harness app's blind-index secret, for tests that look at its Redis state directly. */
export const blindIndexSecret = 'test-secret-0123456789';
/** The harness app's platform blind-index key (BLIND_INDEX_KEY), for tests of its events. */
export const sharedIndexKey = Buffer.alloc(32, 0x5a);

/**
 * A real compliance app on a random port with its own schema, key prefix and durables; `shared`
 * starts another replica of an existing harness (same schema, Redis prefix and durables).
 */
export async function startHarness(options: { shared?: string; env?: Record<string, string> } = {}): Promise<Harness> {
  const name = options.shared ?? uniqueName('cmp').toLowerCase();
  const config = loadComplianceConfig({
    GRPC_ADDRESS: '127.0.0.1:0',
    NATS_URL: testUrls.nats,
    REDIS_URL: testUrls.redis,
    DATABASE_URL: testUrls.database,
    LOG_LEVEL: 'silent',
    COMPLIANCE_DB_SCHEMA: name,
    COMPLIANCE_REDIS_PREFIX: name,
    COMPLIANCE_DURABLE_PREFIX: name,
    COMPLIANCE_BLIND_INDEX_SECRET: blindIndexSecret,
    BLIND_INDEX_KEY: sharedIndexKey.toString('base64'),
    SHUTDOWN_GRACE_MS: '5s',
    ...options.env,
  });
  const logger = createLogger({ service: 'compliance-test', level: 'silent' });
  const app = createApp({ config, logger });
  const { port } = await app.start();
  const client = createClient(ComplianceServiceClient, `127.0.0.1:${port}`);
  const bus = await Bus.connect({ url: testUrls.nats, name: 'compliance-test', logger });
  return {
    app,
    client,
    bus,
    schema: name,
    async close() {
      client.close();
      await bus.close();
      await app.stop();
    },
  };
}

/** An `Etc/GMT±N` zone where it is now between 11:00 and 13:00, so window checks pass at any hour. */
export function middayZone(now = Date.now()): string {
  const offset = 12 - new Date(now).getUTCHours();
  return offset === 0 ? 'Etc/GMT' : offset > 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`;
}
