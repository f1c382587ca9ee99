// Deletes the durable consumers nobody has pulled from for a while (see ../prune.ts): run by
// scripts/dev-up on the development server. NATS_URL, PRUNE_IDLE_MINUTES (60), PRUNE_DRY_RUN.

import { connect } from 'nats';
import { pruneIdleConsumers } from '../prune.js';

const idleMinutes = Number(process.env['PRUNE_IDLE_MINUTES'] ?? 60);
if (!Number.isFinite(idleMinutes) || idleMinutes < 0) {
  process.stderr.write(
    `PRUNE_IDLE_MINUTES must be a number of minutes, not ${String(process.env['PRUNE_IDLE_MINUTES'])}\n`,
  );
  process.exit(2);
}
const connection = await connect({ servers: process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222', name: 'prune' });
try {
  const { deleted, kept } = await pruneIdleConsumers(await connection.jetstreamManager(), {
    idleMs: idleMinutes * 60_000,
    dryRun: process.env['PRUNE_DRY_RUN'] === 'true',
  });
  const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
  process.stdout.write(
    `${process.env['PRUNE_DRY_RUN'] === 'true' ? 'would delete' : 'deleted'} ${String(total(deleted))} consumers idle for ${String(idleMinutes)} min (${JSON.stringify(deleted)}); kept ${String(total(kept))}\n`,
  );
} finally {
  await connection.close();
}
