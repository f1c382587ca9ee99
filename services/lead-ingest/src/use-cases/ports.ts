// What the use cases need from the outside world, in domain words. Adapters implement these
// (adapters/grpc/compliance-dnc.ts, the bus); use cases never import a gRPC or NATS adapter.

import type { EventType, PublishOptions } from '@outbound/bus';
import { UnavailableError } from '@outbound/errors';

/** Publishes typed events (the bus); `options.id` names the event so a repeat is dropped. */
export interface EventPublisher {
  publish<Payload extends object>(
    type: EventType<string, Payload>,
    payload: Payload,
    options?: PublishOptions,
  ): Promise<unknown>;
}

/**
 * The seam to the do-not-call list. Compliance owns that list and checks it again at dial time;
 * at import a barred number is stored but kept out of callable leads.
 */
export interface DoNotCallList {
  /**
   * Positions (in `e164s`) of the numbers that must not be called. Throws
   * DoNotCallUnavailableError when the list cannot be asked: a caller must not treat that as
   * "nothing barred".
   */
  barred(e164s: readonly string[], campaignId: string, signal?: AbortSignal): Promise<ReadonlySet<number>>;
}

/** Used when no compliance service is configured: bars nothing (the service says so at start). */
export const noDoNotCallList: DoNotCallList = { barred: async () => new Set() };

/** The do-not-call list could not be asked (gRPC: UNAVAILABLE); the message is safe to show (no numbers). */
export class DoNotCallUnavailableError extends UnavailableError {}
