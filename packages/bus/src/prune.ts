// Durable consumers nobody pulls from any more. Every test and benchmark run creates durables
// under names of its own and leaves them behind; a long-lived development server collects
// thousands (4,649 on CALLS on one machine), and JetStream then does work for each of them on
// every message stored: bench-dialer at 100 campaigns collapsed into timeouts. A consumer with
// no client pulling and no delivery for `idleMs` is taken to be abandoned.

import type { ConsumerInfo, JetStreamManager } from 'nats';

export interface PruneOptions {
  /** A consumer idle at least this long (no pull waiting, nothing delivered) is deleted. */
  readonly idleMs: number;
  /** Only streams these names (all streams when absent). */
  readonly streams?: readonly string[];
  /** Only consumers whose names start so (all when absent). */
  readonly namePrefix?: string;
  /** Counted but not deleted. */
  readonly dryRun?: boolean;
  /**
   * A consumer that looks idle is looked at again this much later (default 2 s) and kept if it is
   * not idle then: a client between two pull requests has none waiting for a moment.
   */
  readonly confirmMs?: number;
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
      if (!inUse(consumer) && now - lastActive(consumer) >= options.idleMs) idle.push(consumer.name);
      else keeping++;
    }
    const confirmed = await stillIdle(jsm, stream, idle, options.confirmMs ?? 2_000);
    keeping += idle.length - confirmed.length;
    if (!options.dryRun) for (const name of confirmed) await jsm.consumers.delete(stream, name);
    if (confirmed.length > 0) deleted[stream] = confirmed.length;
    if (keeping > 0) kept[stream] = keeping;
  }
  return { deleted, kept };
}

/** A client that pulls keeps a request waiting; a push consumer with a client is bound. */
const inUse = (consumer: ConsumerInfo): boolean => consumer.num_waiting > 0 || consumer.push_bound === true;

/** The server sends last_active as a time stamp (the client's types say nanoseconds), and leaves it out until something is delivered. */
function lastActive(consumer: ConsumerInfo): number {
  const last: unknown = (consumer.delivered as { last_active?: unknown }).last_active;
  return Date.parse(typeof last === 'string' ? last : consumer.created);
}

/** The candidates still idle `afterMs` later (one gone meanwhile is not counted). */
async function stillIdle(jsm: JetStreamManager, stream: string, names: readonly string[], afterMs: number) {
  if (names.length === 0) return [];
  await new Promise((resolve) => setTimeout(resolve, afterMs));
  const idle: string[] = [];
  for (const name of names) {
    const consumer = await jsm.consumers.info(stream, name).catch(() => undefined);
    if (consumer !== undefined && !inUse(consumer)) idle.push(name);
  }
  return idle;
}
