// media's own series, per FreeSWITCH node (the operator's short node name, never a host or a
// password): ESL event lag, ESL connection state and reconnects, calls up, call events published by
// kind and calls ended by hangup cause (FreeSWITCH's closed list of causes).

import type { EslEvent } from '@outbound/esl';
import {
  AttributeCache,
  SECONDS_BUCKETS,
  type Attributes,
  type Counter,
  type Histogram,
  type Meter,
} from '@outbound/telemetry';
import type { CallEvent } from '../domain/call-events.js';
import type { MediaObserver } from './call-publisher.js';

export class MediaMetrics implements MediaObserver {
  private readonly eventLag: Histogram;
  private readonly publishDuration: Histogram;
  private readonly reconnects: Counter;
  private readonly events: Counter;
  private readonly ended: Counter;
  private readonly nodes = new AttributeCache(1_000);
  private readonly kinds = new AttributeCache(1_000);
  private readonly causes = new AttributeCache(10_000);
  private readonly publishAttributes: Attributes = {};

  constructor(
    meter: Meter,
    /** The configured nodes, their connection state and calls up (read at each collection). */
    source: { names(): string[]; isHealthy(node: string): boolean; activeCallsOn(node: string): number },
  ) {
    this.eventLag = meter.createHistogram('esl.event.lag', {
      unit: 's',
      description: "From an ESL event's Event-Date-Timestamp on the node to its arrival in media",
      advice: { explicitBucketBoundaries: SECONDS_BUCKETS },
    });
    this.publishDuration = meter.createHistogram('media.event.publish.duration', {
      unit: 's',
      description: 'From an ESL event reaching media to its call event acknowledged by JetStream',
      advice: { explicitBucketBoundaries: SECONDS_BUCKETS },
    });
    this.reconnects = meter.createCounter('esl.reconnects', {
      unit: '{reconnect}',
      description: 'ESL connections re-established after a loss',
    });
    this.events = meter.createCounter('media.call.events', {
      unit: '{event}',
      description: 'Call events published on JetStream, by kind',
    });
    this.ended = meter.createCounter('media.calls.ended', {
      unit: '{call}',
      description: 'Calls ended, by hangup cause and whether they were answered',
    });
    meter
      .createObservableGauge('esl.connection.up', {
        unit: '1',
        description: '1 while the ESL connection to the node is up, else 0',
      })
      .addCallback((result) => {
        for (const node of source.names()) result.observe(source.isHealthy(node) ? 1 : 0, this.node(node));
      });
    meter
      .createObservableGauge('media.calls.active', {
        unit: '{call}',
        description: 'Calls up on the node (the preStop drain waits for 0)',
      })
      .addCallback((result) => {
        for (const node of source.names()) result.observe(source.activeCallsOn(node), this.node(node));
      });
    // Each node's reconnect count exists from the start at 0 (an increase() alert needs the series).
    for (const node of source.names()) this.reconnects.add(0, this.node(node));
  }

  /** An ESL event arrived (`nowMs`: the wall clock then; the lag includes any skew between the clocks). */
  eslEvent(node: string, event: EslEvent, nowMs: number): void {
    const stamp = event.headers.get('Event-Date-Timestamp');
    if (stamp === undefined) return;
    const lagSeconds = (nowMs - Number(stamp) / 1000) / 1000;
    if (Number.isFinite(lagSeconds)) this.eventLag.record(Math.max(0, lagSeconds), this.node(node));
  }

  reconnected(node: string): void {
    this.reconnects.add(1, this.node(node));
  }

  eslToNatsMs(ms: number): void {
    this.publishDuration.record(ms / 1000, this.publishAttributes);
  }

  published(event: CallEvent): void {
    const node = event.call.node;
    this.events.add(
      1,
      this.kinds.get(`${node}\u0000${event.kind}`, () => ({ 'esl.node': node, 'media.call.event': event.kind })),
    );
    if (event.kind === 'hangup') {
      // FreeSWITCH's causes are a closed list of upper-case names; anything else is one bucket.
      const cause = /^[A-Z0-9_]{1,48}$/.test(event.cause) ? event.cause : 'OTHER';
      const answered = event.answered;
      this.ended.add(
        1,
        this.causes.get(`${node}\u0000${cause}\u0000${String(answered)}`, () => ({
          'esl.node': node,
          'media.hangup.cause': cause,
          'media.call.answered': answered,
        })),
      );
    }
  }

  private node(node: string): Attributes {
    return this.nodes.get(node, () => ({ 'esl.node': node }));
  }
}
