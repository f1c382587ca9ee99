import { events, type Bus, type ConsumerHandle } from '@outbound/bus';
import type { Pool } from '@outbound/store';
import type { Logger } from '@outbound/telemetry';
import { LEAD_ID } from '../../domain/ids.js';
import { LeadStatusCode, markNumberOf } from '../sql/leads-repo.js';

/** Hangup causes that prove the number itself is dead (空号/停机), not just unanswered. */
export const DEAD_NUMBER_CAUSES: ReadonlySet<string> = new Set([
  'UNALLOCATED_NUMBER',
  'NO_ROUTE_DESTINATION',
  'INVALID_NUMBER_FORMAT',
  'NUMBER_CHANGED',
]);

/**
 * Learn dead numbers from calls: every lead with that number (in any list) becomes invalid and a
 * leads.invalidated event goes out per lead. Idempotent without an inbox: the update is a no-op
 * the second time, and event ids derived from the lead de-duplicate in JetStream.
 */
export async function consumeDeadNumbers(
  bus: Bus,
  pool: Pool,
  logger: Logger,
  durable = 'lead-ingest-dead-numbers',
  campaignId?: string,
): Promise<ConsumerHandle> {
  return bus.consume({
    event: events.callHangup,
    durable,
    ...(campaignId === undefined ? {} : { filterSubject: events.callHangup.subjectForKey(campaignId) }),
    handler: async ({ event }) => {
      const { cause, leadId } = event.data;
      if (!DEAD_NUMBER_CAUSES.has(cause) || !LEAD_ID.test(leadId)) return;
      const invalid = await markNumberOf(pool, leadId, LeadStatusCode.invalidNumber);
      for (const lead of invalid) {
        await bus.publish(
          events.leadInvalidated,
          { listId: lead.listId, leadId: lead.leadId, reason: cause },
          { id: `${lead.leadId}-invalidated` },
        );
      }
      if (invalid.length > 0)
        logger.info({ leadId, cause, leads: invalid.length }, 'number proved dead; leads invalidated');
    },
  });
}
