// Durable consumers nobody pulls from any more. Every test and benchmark run creates durables
// under names of its own and leaves them behind; a long-lived development server collects
// thousands (4,649 on CALLS on one machine), and JetStream then does work for each of them on
// every message stored: bench-dialer at 100 campaigns collapsed into timeouts. A consumer with
// no client pulling and no delivery for `idleMs` is taken to be abandoned.

import type { JetStreamManager } from 'nats';

export interface PruneOptions {
  /** A consumer idle at least this long (no pull waiting, nothing delivered) is deleted. */
  readonly idleMs: number;
  /** Only streams these names (all streams when absent). */
  readonly streams?: readonly string[];
  /** Only consumers whose names start so (all when absent). */
  readonly namePrefix?: string;
  /** Counted but not deleted. */
  readonly dryRun?: boolean;
}

export interface PruneResult {
  /** Stream → consumers deleted (or, dry, that would be). */
  readonly deleted: Record<string, number>;
  /** Stream → consumers kept. */
  readonly kept: Record<string, number>;
}

export async function pruneIdleConsumers(jsm: JetStreamManager, options: PruneOptions): Promise<PruneResult> {
  const now = Date.now();
  const deleted: Record<string, number> = {};
  const kept: Record<string, number> = {};
  const streams: string[] = [];
  if (options.streams) streams.push(...options.streams);
  else for await (const info of jsm.streams.list()) streams.push(info.config.name);
  for (const stream of streams) {
    const idle: string[] = [];
    let keeping = 0;
    for await (const consumer of jsm.consumers.list(stream)) {
      if (options.namePrefix !== undefined && !consumer.name.startsWith(options.namePrefix)) continue;
      // A client that pulls keeps a request waiting; a push consumer with a client is active.
      const inUse = consumer.num_waiting > 0 || consumer.push_bound === true;
      // The server sends last_active as a time stamp (the client's types say nanoseconds), and
      // leaves it out until something is delivered.
      const last: unknown = (consumer.delivered as { last_active?: unknown }).last_active;
      const lastActive = Date.parse(typeof last === 'string' ? last : consumer.created);
      if (!inUse && now - lastActive >= options.idleMs) idle.push(consumer.name);
      else keeping++;
    }
    if (!options.dryRun) for (const name of idle) await jsm.consumers.delete(stream, name);
    if (idle.length > 0) deleted[stream] = idle.length;
    if (keeping > 0) kept[stream] = keeping;
  }
  return { deleted, kept };
}
