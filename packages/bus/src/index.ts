export {
  Bus,
  DEAD_LETTER_PREFIX,
  EVENT_TYPE_HEADER,
  stopWithin,
  type BusOptions,
  type ConsumerHandle,
  type ConsumerOptions,
  type Delivery,
  type PublishOptions,
  type PublishResult,
} from './bus.js';
export { envelopeSchema, newEventId, type Envelope } from './envelope.js';
export { PoisonMessageError, PublishError } from './errors.js';
export {
  STREAMS,
  events,
  type AnyEventType,
  type EventType,
  type PayloadOf,
  type StreamName,
  type StreamSpec,
} from './events.js';
export { pruneIdleConsumers, type PruneOptions, type PruneResult } from './prune.js';
export { CallPlacements, type CallPlacementsOptions, type Placement } from './placements.js';
