import { events, type Bus, type ConsumerHandle } from '@outbound/bus';
import type { IngestRecording } from '../../use-cases/ingest-recording.js';
import type { StartRecording } from '../../use-cases/start-recording.js';
import type { Recordings } from '../../use-cases/ports.js';

/**
 * The call facts this service acts on. Each handler is idempotent by the state it finds (a call
 * already recording, a recording already stored), so redeliveries change nothing.
 */
export async function startCallConsumers(deps: {
  bus: Bus;
  durablePrefix: string;
  start: StartRecording;
  ingest: IngestRecording;
  recordings: Recordings;
  ingestMaxAttempts: number;
}): Promise<ConsumerHandle[]> {
  const { bus, durablePrefix: p } = deps;
  const at = (occurredAt: string) => new Date(occurredAt);
  return Promise.all([
    bus.consume({
      event: events.callAnswered,
      durable: `${p}_answered`,
      deliverFrom: 'new',
      concurrency: 8,
      handler: async ({ event }) =>
        void (await deps.start.onCall('answered', { ...event.data, at: at(event.occurredAt) })),
    }),
    bus.consume({
      event: events.callBridged,
      durable: `${p}_bridged`,
      deliverFrom: 'new',
      concurrency: 8,
      handler: async ({ event }) =>
        void (await deps.start.onCall('bridged', { ...event.data, at: at(event.occurredAt) })),
    }),
    bus.consume({
      event: events.callRecorded,
      durable: `${p}_recorded`,
      deliverFrom: 'new',
      concurrency: 4,
      maxDeliver: deps.ingestMaxAttempts,
      handler: async ({ event }) => {
        const d = event.data;
        await deps.ingest.ingest({
          recordingId: d.recordingId,
          callId: d.callId,
          campaignId: d.campaignId,
          leadId: d.leadId,
          attemptId: d.attemptId,
          path: d.path,
          at: at(event.occurredAt),
          ...(d.durationMs === undefined ? {} : { durationMs: d.durationMs }),
        });
      },
    }),
    bus.consume({
      event: events.callHangup,
      durable: `${p}_hangup`,
      deliverFrom: 'new',
      concurrency: 8,
      handler: async ({ event }) => void (await deps.ingest.onHangup({ ...event.data, at: at(event.occurredAt) })),
    }),
    bus.consume({
      event: events.attemptCompleted,
      durable: `${p}_attempts`,
      deliverFrom: 'new',
      concurrency: 8,
      handler: async ({ event }) => {
        if (event.data.agentId !== undefined) await deps.recordings.setAgent(event.data.attemptId, event.data.agentId);
      },
    }),
  ]);
}
