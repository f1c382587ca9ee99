import { processOnce, withTransaction, type Pool } from '@outbound/store';
import type { Logger } from '@outbound/telemetry';
import * as leads from '../adapters/sql/leads-repo.js';

export interface BarNumberDeps {
  pool: Pool;
  /** The service's schema (where the inbox table is). */
  schema: string;
  /** The inbox's consumer name: one per subscription. */
  inbox: string;
  /** Send the stored lead events (upsert_events) that have not gone out yet. */
  publishPendingEvents: () => Promise<void>;
  logger: Logger;
}

/**
 * A number put on a do-not-call list after its leads were imported: every lead with it, in every
 * list, becomes DO_NOT_CALL, as if the import had found it barred. The number comes as its blind
 * index (the platform's, the same as `phone_index`), never in the clear. Exactly once per event:
 * the inbox row, the status change and the `leads.updated` events (stored with the leads, sent
 * after commit and again later if NATS fails then) commit together.
 */
export class BarNumber {
  constructor(private readonly deps: BarNumberDeps) {}

  /** Returns how many leads this event barred (0 for a repeat). */
  async bar(eventId: string, phoneIndex: Buffer): Promise<number> {
    const { pool, schema, inbox } = this.deps;
    const barred = await withTransaction(pool, async (client) => {
      if (!(await processOnce(client, schema, inbox, eventId))) return 0;
      const changed = await leads.markIndex(client, phoneIndex, leads.LeadStatusCode.doNotCall);
      const byList = new Map<string, string[]>();
      for (const lead of changed) byList.set(lead.listId, [...(byList.get(lead.listId) ?? []), lead.leadId]);
      // Named by the event: a repeat of this work (none: the inbox) could not store them twice.
      let n = 0;
      for (const [listId, leadIds] of [...byList].sort(([a], [b]) => (a < b ? -1 : 1)))
        await leads.storeUpsertEvents(client, {
          batchId: `dnc-${eventId}-${n++}`,
          listId,
          created: [],
          updated: leadIds,
        });
      return changed.length;
    });
    if (barred > 0) this.deps.logger.info({ eventId, leads: barred }, 'number added to do-not-call: its leads marked');
    // Also after a repeat: the events of an earlier delivery may not have gone out.
    await this.deps.publishPendingEvents();
    return barred;
  }
}
