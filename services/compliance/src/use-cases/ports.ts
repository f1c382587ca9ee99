// What the use cases need from the outside world that is not one of this service's own stores.
// Adapters (the bus) satisfy these; use cases never import a gRPC or NATS adapter.

import type { EventType } from '@outbound/bus';

/** Publishes typed events (the bus). Rejects when the event could not be stored by the bus. */
export interface EventPublisher {
  publish<Payload extends object>(type: EventType<string, Payload>, payload: Payload): Promise<unknown>;
}

/**
 * The platform's blind index of a number (`@outbound/blind-index`, the key every service shares):
 * how events name a number to other services. Not the index this service keys its own state by.
 */
export interface SharedNumberIndex {
  hex(e164: string): string;
}
