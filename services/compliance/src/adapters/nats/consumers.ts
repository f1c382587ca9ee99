import { events, type Bus, type ConsumerHandle } from '@outbound/bus';
import type { CountCallOutcomes } from '../../use-cases/count-call-outcomes.js';
import type { RecordOptOut } from '../../use-cases/record-opt-out.js';

export interface ConsumerDeps {
  readonly bus: Bus;
  readonly recordOptOut: RecordOptOut;
  readonly countOutcomes: CountCallOutcomes;
  readonly durablePrefix: string;
}

/**
 * Facts from other services, each handed to its use case: opt-outs (block the lead and its number
 * at once, record them), and call outcomes for the abandon-rate guard and the abandoned-call
 * lock-out. Each durable is also the inbox name its events are de-duplicated under.
 */
export async function startConsumers(deps: ConsumerDeps): Promise<ConsumerHandle[]> {
  const { bus, recordOptOut, countOutcomes, durablePrefix } = deps;
  const outcome = (event: { id: string; occurredAt: string }, campaignId: string) => ({
    eventId: event.id,
    occurredAt: Date.parse(event.occurredAt),
    campaignId,
  });
  return Promise.all([
    bus.consume({
      event: events.complianceOptOut,
      durable: `${durablePrefix}_optout`,
      ackWaitMs: 5_000,
      handler: ({ event }) => recordOptOut.record(`${durablePrefix}_optout`, event.id, event.data),
    }),
    bus.consume({
      event: events.callBridged,
      durable: `${durablePrefix}_bridged`,
      handler: ({ event }) =>
        countOutcomes.count(`${durablePrefix}_bridged`, outcome(event, event.data.campaignId), ['answered']),
    }),
    bus.consume({
      event: events.callAbandoned,
      durable: `${durablePrefix}_abandoned`,
      handler: ({ event }) =>
        countOutcomes.abandoned(`${durablePrefix}_abandoned`, {
          ...outcome(event, event.data.campaignId),
          leadId: event.data.leadId,
        }),
    }),
    bus.consume({
      event: events.callAmd,
      durable: `${durablePrefix}_amd`,
      handler: async ({ event }) => {
        if (event.data.verdict === 'machine')
          await countOutcomes.count(`${durablePrefix}_amd`, outcome(event, event.data.campaignId), ['machine']);
      },
    }),
  ]);
}
