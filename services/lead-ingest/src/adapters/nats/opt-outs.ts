import { events, type Bus, type ConsumerHandle } from '@outbound/bus';
import type { Pool } from '@outbound/store';
import type { Logger } from '@outbound/telemetry';
import { LeadStatusCode, markNumberOf } from '../sql/leads-repo.js';
import { LEAD_ID } from '../../domain/ids.js';

/**
 * Keep lists in step with opt-outs (a spoken 退订, a DTMF key, an SMS reply, …): compliance already
 * refuses every dial to the number; here every lead with it, in any list, becomes DO_NOT_CALL, so
 * callable lists and counts stop offering it, and a leads.updated event goes out per lead.
 * Idempotent like the dead-number consumer (no-op update, event ids derived from the lead).
 */
export async function consumeOptOuts(
  bus: Bus,
  pool: Pool,
  logger: Logger,
  durable = 'lead-ingest-opt-outs',
  campaignId?: string,
): Promise<ConsumerHandle> {
  return bus.consume({
    event: events.complianceOptOut,
    durable,
    ...(campaignId === undefined ? {} : { filterSubject: events.complianceOptOut.subjectForKey(campaignId) }),
    handler: async ({ event }) => {
      const { leadId, channel } = event.data;
      if (!LEAD_ID.test(leadId)) return;
      const barred = await markNumberOf(pool, leadId, LeadStatusCode.doNotCall);
      for (const lead of barred) {
        await bus.publish(
          events.leadUpdated,
          { listId: lead.listId, leadIds: [lead.leadId] },
          { id: `${lead.leadId}-opted-out` },
        );
      }
      if (barred.length > 0)
        logger.info({ leadId, channel, leads: barred.length }, 'opt-out: leads of the number marked do-not-call');
    },
  });
}
