import { blindIndexFromHex } from '@outbound/blind-index';
import { events, type Bus, type ConsumerHandle } from '@outbound/bus';
import type { BarNumber } from '../../use-cases/bar-number.js';

/**
 * Numbers compliance put on a do-not-call list (`compliance.dnc_added`, by blind index): their
 * leads stop being callable in every list. An entry for one campaign only is left to compliance,
 * which bars it at that campaign's dial checks: lists here serve every campaign.
 */
export async function consumeDncAdded(
  bus: Bus,
  barNumber: BarNumber,
  durable = 'lead-ingest-dnc-added',
  deliverFrom: 'all' | 'new' = 'all',
): Promise<ConsumerHandle> {
  return bus.consume({
    event: events.complianceDncAdded,
    durable,
    deliverFrom,
    handler: async ({ event }) => {
      if (event.data.campaignId !== undefined) return;
      const index = blindIndexFromHex(event.data.blindIndex);
      if (index) await barNumber.bar(event.id, index);
    },
  });
}
