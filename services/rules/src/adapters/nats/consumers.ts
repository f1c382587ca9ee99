// The events the rules service reacts to, turned into facts per campaign and lead: leads.* (by
// list, for every campaign whose active rule set lists it), leads.activity (the webhook),
// attempts.completed and calls.* (by campaign), compliance.optout (recorded, never a task); and
// tasks.sms for the SMS sender. Each fact's id is the event id + campaign + lead, so a
// redelivered event is claimed once.

import { events, type Bus, type ConsumerHandle, type Envelope, type PayloadOf } from '@outbound/bus';
import type { Logger } from '@outbound/telemetry';
import { recordAttempt, recordOptOut } from '../../domain/history.js';
import type { EventFacts, FieldValue } from '../../domain/variables.js';
import type { Fact, FactEvaluator } from '../../use-cases/evaluate-facts.js';
import type { SmsSender } from '../../use-cases/send-sms.js';

export interface ConsumerSettings {
  /** Durable names are `<prefix>-<purpose>`, shared by the replicas of one deployment. */
  durablePrefix: string;
  /** Where new durables start: `new` (default: a new deployment does not replay old leads) or `all`. */
  deliverFrom?: 'all' | 'new';
  /** Handle SMS tasks here (needs a provider). */
  sms?: SmsSender;
  /**
   * Pull loops per busy durable in this process (leads.*, attempts.completed): events of other
   * leads are evaluated while one waits on PostgreSQL or lead-ingest. Default 4.
   */
  concurrency?: number;
}

function facts(
  envelope: Envelope<unknown>,
  type: string,
  name: string,
  fields: Record<string, FieldValue>,
): EventFacts {
  const at = Date.parse(envelope.occurredAt);
  return { type, name, fields, occurredAtMs: Number.isFinite(at) ? at : Date.now() };
}

function defined(fields: Record<string, FieldValue | undefined>): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) out[k] = v;
  return out;
}

export async function startConsumers(
  bus: Bus,
  evaluator: FactEvaluator,
  settings: ConsumerSettings,
  logger: Logger,
): Promise<ConsumerHandle[]> {
  const p = settings.durablePrefix;
  // Lead-ingest or PostgreSQL down for a while must not send events to the dead letters: up to 20
  // deliveries, backing off to a minute (about a quarter of an hour in all).
  const from = {
    deliverFrom: settings.deliverFrom ?? 'new',
    maxDeliver: 20,
    nakDelayMs: (n: number) => Math.min(60_000, 500 * 2 ** (n - 1)),
  } as const;
  const one = (
    envelope: Envelope<unknown>,
    campaignId: string,
    leadId: string,
    event: EventFacts,
    extra: Partial<Fact> = {},
  ): Fact => ({
    sourceId: `${envelope.id}:${campaignId}:${leadId}`,
    campaignId,
    leadId,
    event,
    evaluate: true,
    ...extra,
  });

  const byList = async (envelope: Envelope<{ listId: string; leadIds: string[] }>, type: string) => {
    const campaigns = await evaluator.campaignsForList(envelope.data.listId);
    if (campaigns.length === 0) return;
    const event = facts(envelope, type, '', { listId: envelope.data.listId });
    const batch = campaigns.flatMap((c) => envelope.data.leadIds.map((leadId) => one(envelope, c, leadId, event)));
    await evaluator.process(batch);
  };

  const attemptCompleted = async (event: Envelope<PayloadOf<typeof events.attemptCompleted>>) => {
    const d = event.data;
    const ev = facts(
      event,
      'attempts.completed',
      '',
      defined({
        outcome: d.outcome,
        attemptNumber: d.attemptNumber,
        answered: d.answered,
        bridged: d.bridged,
        billsec: d.billsec,
        hangupCause: d.hangupCause,
        closedReason: d.closedReason,
      }),
    );
    await evaluator.process([
      one(event, d.campaignId, d.leadId, ev, {
        update: (h) =>
          recordAttempt(h, {
            attemptNumber: d.attemptNumber,
            outcome: d.outcome,
            answered: d.answered,
            ...(d.closedReason ? { closedReason: d.closedReason } : {}),
            atMs: ev.occurredAtMs,
          }),
      }),
    ]);
  };

  const handles: ConsumerHandle[] = [];
  const loops = Math.max(1, settings.concurrency ?? 4);
  for (let i = 0; i < loops; i++)
    handles.push(
      await bus.consume({
        event: events.leadIngested,
        durable: `${p}-leads-ingested`,
        ...from,
        handler: ({ event }) => byList(event, 'leads.ingested'),
      }),
      await bus.consume({
        event: events.leadUpdated,
        durable: `${p}-leads-updated`,
        ...from,
        handler: ({ event }) => byList(event, 'leads.updated'),
      }),
      await bus.consume({
        event: events.attemptCompleted,
        durable: `${p}-attempts-completed`,
        ...from,
        handler: ({ event }) => attemptCompleted(event),
      }),
    );
  handles.push(
    await bus.consume({
      event: events.leadActivity,
      durable: `${p}-leads-activity`,
      ...from,
      handler: async ({ event }) => {
        const d = event.data;
        await evaluator.process([
          one(event, d.campaignId, d.leadId, facts(event, `webhook.${d.name}`, d.name, d.fields)),
        ]);
      },
    }),
    await bus.consume({
      event: events.callHangup,
      durable: `${p}-calls-hangup`,
      ...from,
      handler: async ({ event }) => {
        const d = event.data;
        const ev = facts(
          event,
          'calls.hangup',
          '',
          defined({ cause: d.cause, billsec: d.billsec, answered: d.answered }),
        );
        await evaluator.process([one(event, d.campaignId, d.leadId, ev)]);
      },
    }),
    await bus.consume({
      event: events.callAnswered,
      durable: `${p}-calls-answered`,
      ...from,
      handler: async ({ event }) => {
        const d = event.data;
        await evaluator.process([one(event, d.campaignId, d.leadId, facts(event, 'calls.answered', '', {}))]);
      },
    }),
    await bus.consume({
      event: events.callAbandoned,
      durable: `${p}-calls-abandoned`,
      ...from,
      handler: async ({ event }) => {
        const d = event.data;
        const ev = facts(event, 'calls.abandoned', '', { waitedMs: d.waitedMs });
        await evaluator.process([one(event, d.campaignId, d.leadId, ev)]);
      },
    }),
    await bus.consume({
      event: events.complianceOptOut,
      durable: `${p}-optouts`,
      ...from,
      handler: async ({ event }) => {
        const d = event.data;
        const at = Date.parse(event.occurredAt);
        await evaluator.process([
          one(event, d.campaignId, d.leadId, facts(event, 'compliance.optout', '', { channel: d.channel }), {
            evaluate: false,
            update: (h) => recordOptOut(h, at),
          }),
        ]);
      },
    }),
  );
  const sender = settings.sms;
  if (sender) {
    handles.push(
      await bus.consume({
        event: events.smsTask,
        durable: `${p}-sms`,
        ...from,
        ackWaitMs: 60_000,
        handler: async ({ event }) => {
          await sender.send(event.data);
        },
      }),
    );
  } else logger.info('no SMS provider configured: tasks.sms are left to another sender');
  return handles;
}
