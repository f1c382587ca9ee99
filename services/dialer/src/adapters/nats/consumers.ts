// The dialer's JetStream consumers: media's calls.* facts for every campaign (one durable per
// kind, dialer-owned; the engine is idempotent: timeline facts keep their first values, counts are
// once per fact), and tasks.call.* (a lead scheduled in its campaign).

import { events, type Bus, type ConsumerHandle } from '@outbound/bus';
import type { CallFact, CallTask } from '../../use-cases/engine.js';

export interface DialerConsumersOptions {
  /** Durable name prefix, e.g. `dialer` (one set of durables shared by every dialer replica). */
  durablePrefix: string;
  onCallFact(fact: CallFact): Promise<void>;
  onTask(task: CallTask): Promise<void>;
  /**
   * Where durables created for the first time start (default `new`: a first start does not replay
   * the streams' retained history); an existing durable always resumes where it stopped, which is
   * what carries calls across a restart.
   */
  deliverFrom?: 'all' | 'new';
}

/** What every call fact carries, from an event's payload and moment. */
export const factBase = (
  data: { campaignId: string; leadId: string; attemptId: string; callId: string; node: string },
  occurredAt: string,
) => ({
  campaignId: data.campaignId,
  leadId: data.leadId,
  attemptId: data.attemptId,
  callId: data.callId,
  node: data.node,
  at: new Date(occurredAt),
});

/** Facts of one kind handled at once by a replica. */
const FACTS_AT_ONCE = 32;

export async function startDialerConsumers(bus: Bus, options: DialerConsumersOptions): Promise<ConsumerHandle[]> {
  const from = { deliverFrom: options.deliverFrom ?? 'new' } as const;
  // Facts of different calls are independent and each waits on the stores: many at once, so one
  // call's slow fact does not hold up the next call's answer. (Facts of one kind for one call
  // come once, redeliveries aside, which the engine takes as no-ops.)
  const facts = { ...from, concurrency: FACTS_AT_ONCE } as const;
  const p = options.durablePrefix;
  return Promise.all([
    bus.consume({
      event: events.callOriginated,
      durable: `${p}_calls_originated`,
      ...facts,
      handler: ({ event }) => options.onCallFact({ ...factBase(event.data, event.occurredAt), kind: 'originated' }),
    }),
    bus.consume({
      event: events.callRinging,
      durable: `${p}_calls_ringing`,
      ...facts,
      handler: ({ event }) => options.onCallFact({ ...factBase(event.data, event.occurredAt), kind: 'ringing' }),
    }),
    bus.consume({
      event: events.callAnswered,
      durable: `${p}_calls_answered`,
      ...facts,
      handler: ({ event }) => options.onCallFact({ ...factBase(event.data, event.occurredAt), kind: 'answered' }),
    }),
    bus.consume({
      event: events.callAmd,
      durable: `${p}_calls_amd`,
      ...facts,
      handler: ({ event }) =>
        options.onCallFact({
          ...factBase(event.data, event.occurredAt),
          kind: 'amd',
          verdict: event.data.verdict,
          detectMs: event.data.detectMs,
        }),
    }),
    bus.consume({
      event: events.callBridged,
      durable: `${p}_calls_bridged`,
      ...facts,
      handler: ({ event }) =>
        options.onCallFact({
          ...factBase(event.data, event.occurredAt),
          kind: 'bridged',
          agentCallId: event.data.agentCallId,
        }),
    }),
    bus.consume({
      event: events.callHangup,
      durable: `${p}_calls_hangup`,
      ...facts,
      handler: ({ event }) =>
        options.onCallFact({
          ...factBase(event.data, event.occurredAt),
          kind: 'hangup',
          cause: event.data.cause,
          sipStatus: event.data.sipStatus,
          billsec: event.data.billsec,
          answered: event.data.answered,
          answeredAt: event.data.answeredAt === undefined ? undefined : new Date(event.data.answeredAt),
          bridge:
            event.data.bridgedAt === undefined || event.data.agentCallId === undefined
              ? undefined
              : { at: new Date(event.data.bridgedAt), agentCallId: event.data.agentCallId },
        }),
    }),
    bus.consume({
      event: events.callTask,
      durable: `${p}_tasks_call`,
      ...from,
      handler: ({ event }) =>
        options.onTask({
          campaignId: event.data.campaignId,
          leadId: event.data.leadId,
          priority: event.data.priority,
          ...(event.data.notBefore ? { notBefore: new Date(event.data.notBefore) } : {}),
          ...(event.data.script ? { script: event.data.script } : {}),
          ...(event.data.lineClass ? { lineClass: event.data.lineClass } : {}),
        }),
    }),
  ]);
}
