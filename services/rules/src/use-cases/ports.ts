// What the use cases need from outside, in domain words. Adapters implement these (the bus,
// lead-ingest's gRPC API, the SMS provider); use cases never import a gRPC or NATS adapter.

import type { EventType, PublishOptions } from '@outbound/bus';
import type { LeadFacts } from '../domain/variables.js';

/** Publishes typed events (the bus); `options.id` names the event so a repeat is dropped. */
export interface EventPublisher {
  publish<Payload extends object>(
    type: EventType<string, Payload>,
    payload: Payload,
    options?: PublishOptions,
  ): Promise<unknown>;
}

/** Leads as lead-ingest knows them, without personal data unless asked for (SMS only). */
export interface LeadDirectory {
  /** Leads found by id (absent ids were not found). */
  getLeads(leadIds: readonly string[]): Promise<Map<string, LeadFacts>>;
  /** The first `count` leads of a list (dry runs on a sample). */
  sample(listId: string, count: number): Promise<LeadFacts[]>;
  /** Number and name in the clear, for sending an SMS: never logged, never stored. */
  contact(leadId: string): Promise<{ lead: LeadFacts; phone: string; name: string } | undefined>;
}

export interface SmsMessage {
  /** Our id (the task id): the provider de-duplicates by it and reports status with it. */
  messageId: string;
  to: string;
  body: string;
}

/** An SMS gateway. Throws SmsRejectedError for a message the provider refused (not retried). */
export interface SmsProvider {
  send(message: SmsMessage, signal?: AbortSignal): Promise<{ providerMessageId: string }>;
}
