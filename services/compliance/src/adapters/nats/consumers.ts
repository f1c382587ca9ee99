import { events, type Bus, type ConsumerHandle } from '@outbound/bus';
import type { Pool } from '@outbound/store';
import { processOnce, withTransaction } from '@outbound/store';
import type { AbandonCounts } from '../redis/abandon-counts.js';
import type { DialStateStore } from '../redis/dial-state.js';
import { insertDncEntry } from '../sql/lists.js';

export interface ConsumerDeps {
  readonly bus: Bus;
  readonly pool: Pool;
  readonly schema: string;
  readonly state: DialStateStore;
  readonly abandon: AbandonCounts;
  readonly durablePrefix: string;
}

/**
 * Facts from other services: opt-outs (block the lead and its number at once, record them), and
 * call outcomes for the abandon-rate guard and the abandoned-call lock-out. Redis effects are
 * idempotent (set a flag) or counted once through the PostgreSQL inbox.
 */
export async function startConsumers(deps: ConsumerDeps): Promise<ConsumerHandle[]> {
  const { bus, pool, schema, state, abandon, durablePrefix } = deps;
  // The inbox row is committed before counting: a crash in between loses one count rather than
  // double-counting on redelivery (the guard is a backstop to the dialer's own pacing).
  const countOnce = async (
    durable: string,
    event: { id: string; occurredAt: string },
    campaignId: string,
    counters: ReadonlyArray<'answered' | 'abandoned' | 'machine'>,
  ) => {
    const first = await withTransaction(pool, (client) => processOnce(client, schema, durable, event.id));
    if (!first) return;
    await abandon.increment(campaignId, counters, Date.parse(event.occurredAt));
  };
  return Promise.all([
    bus.consume({
      event: events.complianceOptOut,
      durable: `${durablePrefix}_optout`,
      ackWaitMs: 5_000,
      handler: async ({ event }) => {
        // Block first: the next dial must see it even if the record below is retried.
        const numberKey = await state.optOutLead(event.data.leadId);
        await withTransaction(pool, async (client) => {
          if (!(await processOnce(client, schema, `${durablePrefix}_optout`, event.id))) return;
          await insertDncEntry(client, schema, {
            kind: 'opt_out',
            leadId: event.data.leadId,
            campaignId: event.data.campaignId,
            source: `event:${event.data.channel}`,
            actor: 'system',
            ...(numberKey ? { phoneKey: numberKey } : {}),
          });
        });
      },
    }),
    bus.consume({
      event: events.callBridged,
      durable: `${durablePrefix}_bridged`,
      handler: ({ event }) => countOnce(`${durablePrefix}_bridged`, event, event.data.campaignId, ['answered']),
    }),
    bus.consume({
      event: events.callAbandoned,
      durable: `${durablePrefix}_abandoned`,
      handler: async ({ event }) => {
        await state.markAbandoned(event.data.leadId, Date.parse(event.occurredAt));
        // An abandoned call was a live answer too.
        await countOnce(`${durablePrefix}_abandoned`, event, event.data.campaignId, ['abandoned', 'answered']);
      },
    }),
    bus.consume({
      event: events.callAmd,
      durable: `${durablePrefix}_amd`,
      handler: async ({ event }) => {
        if (event.data.verdict === 'machine')
          await countOnce(`${durablePrefix}_amd`, event, event.data.campaignId, ['machine']);
      },
    }),
  ]);
}
