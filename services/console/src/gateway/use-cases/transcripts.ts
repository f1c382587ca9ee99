// Transcripts as they are made, pushed to the pages that may see them: the agent who took the call
// (their desk) and the campaign's supervisors (the wallboard), with the sensitive words compliance
// found. The facts come from the bus (`transcripts.ready`, `compliance.violation`); the text from the
// recording service, fetched only when someone is watching.

import { events, type Bus, type ConsumerHandle } from '@outbound/bus';
import type { RecordingServiceClient } from '@outbound/proto/outbound/v1/recording';
import type { TranscriptDto } from '../../shared/dto.js';
import { call } from '../adapters/backends.js';
import { ms } from '../domain/convert.js';
import { maskDigits } from '../domain/transcript.js';

type Listener = (transcript: TranscriptDto) => void;

/** Kept per watched key for a page that opens after the fact: the last few, as a board shows them. */
const RECENT_PER_KEY = 10;
/** Sensitive words remembered per attempt until its transcript arrives (compliance speaks first). */
const SENSITIVE_ATTEMPTS = 1_000;
/** Keys (agents, campaigns) whose recent transcripts are kept at once; the oldest go first. */
const KEYS_KEPT = 2_000;

/** Listeners and recent items per key, bounded in keys (a key nobody watches any more goes in time). */
class Channel {
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly recent = new Map<string, TranscriptDto[]>();

  watched(key: string): boolean {
    return (this.listeners.get(key)?.size ?? 0) > 0;
  }

  /** Anyone watching any key. */
  get active(): boolean {
    return this.listeners.size > 0;
  }

  subscribe(key: string, listener: Listener): () => void {
    let set = this.listeners.get(key);
    if (!set) this.listeners.set(key, (set = new Set()));
    set.add(listener);
    for (const t of this.recent.get(key) ?? []) listener(t);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(key);
    };
  }

  send(key: string, transcript: TranscriptDto): void {
    const list = (this.recent.get(key) ?? []).filter((t) => t.recordingId !== transcript.recordingId);
    list.push(transcript);
    this.recent.delete(key);
    this.recent.set(key, list.slice(-RECENT_PER_KEY));
    if (this.recent.size > KEYS_KEPT) this.recent.delete(this.recent.keys().next().value!);
    for (const l of this.listeners.get(key) ?? []) l(transcript);
  }
}

export interface TranscriptFeedDeps {
  readonly bus: Bus;
  readonly recording: RecordingServiceClient;
  /** This gateway replica's own name: each replica follows the events itself. */
  readonly instance: string;
}

export function createTranscriptFeed(deps: TranscriptFeedDeps) {
  const agents = new Channel();
  const campaigns = new Channel();
  const sensitive = new Map<string, string[]>();
  const consumers: ConsumerHandle[] = [];

  async function onReady(data: { campaignId: string; attemptId: string; recordingId: string }): Promise<void> {
    // No page open on this replica, or none for this campaign and no desk at all: nothing to fetch.
    if (!campaigns.watched(data.campaignId) && !agents.active) return;
    // The agent's desk is known only after the lookup (the recording names who took the call).
    const { recording } = await call('recording', deps.recording, deps.recording.getRecording, {
      recordingId: data.recordingId,
    });
    const agentId = recording?.agentId ?? '';
    if (!campaigns.watched(data.campaignId) && !(agentId && agents.watched(agentId))) return;
    const { transcript } = await call('recording', deps.recording, deps.recording.getTranscript, {
      recordingId: data.recordingId,
    });
    if (!transcript) return;
    const dto: TranscriptDto = {
      recordingId: data.recordingId,
      campaignId: data.campaignId,
      attemptId: data.attemptId,
      agentId,
      at: ms(transcript.createdAt) || Date.now(),
      tags: transcript.tags,
      segments: transcript.segments.map((s) => ({
        speaker: s.speaker,
        startMs: Number(s.startMs),
        endMs: Number(s.endMs),
        text: maskDigits(s.text),
      })),
      sensitiveWords: sensitive.get(data.attemptId) ?? [],
    };
    sensitive.delete(data.attemptId);
    campaigns.send(data.campaignId, dto);
    if (agentId) agents.send(agentId, dto);
  }

  return {
    async start(): Promise<void> {
      const common = { deliverFrom: 'new' as const, inactiveAfterMs: 300_000, maxDeliver: 3 };
      consumers.push(
        await deps.bus.consume({
          ...common,
          event: events.complianceViolation,
          durable: `console_${deps.instance}_violations`,
          handler: async ({ event }) => {
            const words = [...(sensitive.get(event.data.attemptId) ?? []), ...event.data.words];
            sensitive.set(event.data.attemptId, [...new Set(words)]);
            if (sensitive.size > SENSITIVE_ATTEMPTS) sensitive.delete(sensitive.keys().next().value!);
          },
        }),
        await deps.bus.consume({
          ...common,
          event: events.transcriptsReady,
          durable: `console_${deps.instance}_transcripts`,
          concurrency: 4,
          handler: async ({ event }) => onReady(event.data),
        }),
      );
    },
    /** The transcripts of an agent's own calls. */
    watchAgent: (agentId: string, listener: Listener) => agents.subscribe(agentId, listener),
    /** Every transcript of a campaign (supervisors). */
    watchCampaign: (campaignId: string, listener: Listener) => campaigns.subscribe(campaignId, listener),
    async stop(): Promise<void> {
      await Promise.all(consumers.map((c) => c.stop()));
    },
  };
}

export type TranscriptFeed = ReturnType<typeof createTranscriptFeed>;
