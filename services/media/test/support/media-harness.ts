import { Bus, events, type ConsumerHandle, type EventType } from '@outbound/bus';
import { EslConnection, type EslEvent } from '@outbound/esl';
import { MediaServiceClient, type OriginateRequest, type OriginateResponse } from '@outbound/proto/outbound/v1/media';
import { Metadata, createClient, unary } from '@outbound/rpc';
import { createLogger, type Logger } from '@outbound/telemetry';
import { testUrls, uniqueName } from '@outbound/testkit';
import { createApp, type App, type MediaConfig } from '../../src/app.js';

/**
 * Media on random ports against one ESL endpoint, its gRPC client, and a bus to watch `calls.*`
 * per campaign: what every integration test needs (real NATS, switch-sim or a proxy in front of it).
 */
export interface MediaHarness {
  readonly media: App;
  readonly client: MediaServiceClient;
  readonly bus: Bus;
  readonly logger: Logger;
  watch(campaignId: string): Promise<CallEventLog>;
  originate(request: Partial<OriginateRequest> & { attempt: OriginateRequest['attempt'] }): Promise<OriginateResponse>;
  stop(): Promise<void>;
}

/** `calls.*` events of one campaign as they arrive, by type (`calls.hangup` …). */
export type CallEventLog = Map<string, Array<{ id: string; data: Record<string, unknown> }>>;

const WATCHED: EventType<string, object>[] = [
  events.callOriginated,
  events.callRinging,
  events.callAnswered,
  events.callAmd,
  events.callBridged,
  events.callHangup,
  events.callRecorded,
];

export async function startMedia(options: {
  eslPort: number;
  config?: Partial<MediaConfig>;
  waitForNodes?: boolean;
}): Promise<MediaHarness> {
  const logger = createLogger({ service: 'media-test', level: 'silent' });
  const media = createApp({
    logger,
    config: {
      eslNodes: [{ name: 'fs1', host: '127.0.0.1', port: options.eslPort, password: 'ClueCon' }],
      grpcAddress: '127.0.0.1:0',
      natsUrl: testUrls.nats,
      // Its own bucket: the tests' attempt ids repeat from run to run.
      placementsBucket: uniqueName('placements').replace(/[^A-Za-z0-9_-]/g, '_'),
      defaultGateway: 'carrier1',
      amdDefault: false,
      ringTimeoutMs: 30_000,
      recordingsDir: '/tmp/media-recordings',
      nodeDownAfterMs: 1_000,
      eslCommandTimeoutMs: 2_000,
      ...options.config,
    },
  });
  const { port } = await media.start();
  if (options.waitForNodes ?? true) await media.nodesReady();
  const client = createClient(MediaServiceClient, `127.0.0.1:${String(port)}`);
  const bus = await Bus.connect({ url: testUrls.nats, name: 'media-test', logger });
  const consumers: ConsumerHandle[] = [];
  return {
    media,
    client,
    bus,
    logger,
    async watch(campaignId) {
      const seen: CallEventLog = new Map();
      for (const type of WATCHED) {
        consumers.push(
          await bus.consume({
            event: type,
            durable: uniqueName('media_test'),
            filterSubject: type.subjectForKey(campaignId),
            handler: async (delivery) => {
              const list = seen.get(type.type) ?? [];
              list.push({ id: delivery.event.id, data: delivery.event.data as Record<string, unknown> });
              seen.set(type.type, list);
            },
          }),
        );
      }
      return seen;
    },
    originate(request) {
      const full: OriginateRequest = {
        destination: '+15550001234',
        callerId: '',
        gateway: '',
        amd: false,
        ringTimeoutMs: 0,
        complianceCheckId: '',
        ...request,
      };
      return unary<OriginateRequest, OriginateResponse>(client.originate, client, full, new Metadata());
    },
    async stop() {
      for (const consumer of consumers) await consumer.stop();
      client.close();
      await media.stop(1_000);
      await bus.close();
    },
  };
}

/**
 * A second ESL client on the switch, subscribed to everything: shows what the switch actually
 * did (PLAYBACK_START, RECORD_START …) without media having to report it.
 */
export async function tapSwitch(
  port: number,
): Promise<{ eventsFor(uuid: string): EslEvent[]; api(command: string): Promise<string>; close(): Promise<void> }> {
  const connection = new EslConnection({ host: '127.0.0.1', port, password: 'ClueCon', reconnect: false });
  const byUuid = new Map<string, EslEvent[]>();
  connection.on('event', (event) => {
    if (event.uuid === undefined) return;
    const list = byUuid.get(event.uuid) ?? [];
    list.push(event);
    byUuid.set(event.uuid, list);
  });
  await connection.connect();
  await connection.subscribe('plain', ['ALL']);
  return {
    eventsFor: (uuid) => byUuid.get(uuid) ?? [],
    api: async (command) => (await connection.api(command)).body,
    close: () => connection.close(),
  };
}
