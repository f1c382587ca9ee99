// Process B of the plumbing proof: a durable JetStream consumer writing each event to PostgreSQL
// through the transactional inbox. Fault switches let tests crash it mid-message.
import { Bus, events } from '@outbound/bus';
import { commonVars, loadConfigOrExit, vars } from '@outbound/config';
import { createPool, migrate, processOnce, withTransaction } from '@outbound/store';
import { createLogger, startTelemetry } from '@outbound/telemetry';

const config = loadConfigOrExit({
  natsUrl: commonVars.natsUrl,
  databaseUrl: commonVars.databaseUrl,
  spansFile: ['SPANS_FILE', vars.string().optional()],
  schema: ['ECHO_SCHEMA', vars.string()],
  durable: ['ECHO_DURABLE', vars.string()],
  probe: ['ECHO_PROBE', vars.string()],
  ackWaitMs: ['ECHO_ACK_WAIT_MS', vars.durationMs().default(30_000)],
  /** Exit the process in the middle of the first delivery, before acking. */
  crashOnFirstDelivery: ['CRASH_ON_FIRST_DELIVERY', vars.bool().default(false)],
  /** Commit the effect, then fail before the ack: the redelivery must not repeat the effect. */
  failAfterCommit: ['FAIL_AFTER_COMMIT', vars.bool().default(false)],
});
const telemetry = startTelemetry({ serviceName: 'echo-consumer', spansFile: config.spansFile });
const logger = createLogger({ service: 'echo-consumer', level: 'warn' });
const pool = createPool({ url: config.databaseUrl, applicationName: 'echo-consumer' });
await migrate(pool, {
  schema: config.schema,
  migrations: [
    {
      version: 1,
      file: '0001_echo.sql',
      name: 'echo',
      checksum: 'v1',
      sql: `CREATE TABLE IF NOT EXISTS deliveries (event_id text NOT NULL, delivery_count int NOT NULL, pid int NOT NULL);
          CREATE TABLE IF NOT EXISTS echoes (event_id text PRIMARY KEY, probe text NOT NULL, delivery_count int NOT NULL);`,
    },
  ],
});
const bus = await Bus.connect({ url: config.natsUrl, name: 'echo-consumer', logger });
await bus.ensureStreams();

const handle = await bus.consume({
  event: events.diagnosticsEchoed,
  durable: config.durable,
  filterSubject: events.diagnosticsEchoed.subjectForKey(config.probe),
  ackWaitMs: config.ackWaitMs,
  nakDelayMs: () => 50,
  handler: async ({ event, deliveryCount }) => {
    await pool.query(`INSERT INTO "${config.schema}".deliveries VALUES ($1, $2, $3)`, [
      event.id,
      deliveryCount,
      process.pid,
    ]);
    if (config.crashOnFirstDelivery && deliveryCount === 1) process.exit(3);
    await withTransaction(pool, async (client) => {
      if (!(await processOnce(client, config.schema, config.durable, event.id))) return;
      await client.query(`INSERT INTO "${config.schema}".echoes VALUES ($1, $2, $3)`, [
        event.id,
        event.data.probe,
        deliveryCount,
      ]);
    });
    if (config.failAfterCommit && deliveryCount === 1) throw new Error('ack lost after commit');
  },
});
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);

process.once('SIGTERM', async () => {
  await handle.stop();
  await bus.close();
  await pool.end();
  await telemetry.shutdown();
  process.exit(0);
});
