// Feedback over results: the counters per segment/hour and per script, read back for rules
// (`stats.*`, cached per campaign for `ttlMs`) and for the API; a script past the complaint
// threshold is announced once a day with rules.script_flagged.

import { events } from '@outbound/bus';
import type { Pool } from '@outbound/store';
import type { Logger } from '@outbound/telemetry';
import {
  COMPLAINT_THRESHOLD,
  MIN_SCRIPT_CONNECTED,
  NO_STATS,
  bestHours,
  complaintRate,
  statsFor,
  type LeadStats,
  type SegmentHours,
} from '../domain/feedback.js';
import * as repo from '../adapters/sql/feedback-repo.js';
import type { EventPublisher } from './ports.js';

export interface FeedbackOptions {
  ttlMs: number;
  threshold?: number;
  minConnected?: number;
}

export class Feedback {
  private readonly cache = new Map<string, { segments: SegmentHours[]; atMs: number }>();
  readonly threshold: number;
  readonly minConnected: number;

  constructor(
    private readonly pool: Pool,
    private readonly bus: EventPublisher | undefined,
    private readonly logger: Logger,
    private readonly options: FeedbackOptions,
  ) {
    this.threshold = options.threshold ?? COMPLAINT_THRESHOLD;
    this.minConnected = options.minConnected ?? MIN_SCRIPT_CONNECTED;
  }

  async segments(campaignId: string): Promise<SegmentHours[]> {
    const now = Date.now();
    const hit = this.cache.get(campaignId);
    if (hit && now - hit.atMs <= this.options.ttlMs) return hit.segments;
    const segments = bestHours(await repo.hourCounts(this.pool, campaignId));
    this.cache.set(campaignId, { segments, atMs: now });
    return segments;
  }

  /** `stats.*` for a lead of this segment at this local hour (never fails an evaluation). */
  async statsFor(campaignId: string, segment: string, hour: number): Promise<LeadStats> {
    try {
      return statsFor(await this.segments(campaignId), segment, hour);
    } catch (err) {
      this.logger.warn({ err }, 'feedback stats unavailable');
      return NO_STATS;
    }
  }

  async scripts(campaignId: string) {
    const rows = await repo.scriptCounts(this.pool, campaignId);
    return rows.map((r) => ({ ...r, complaintRate: complaintRate(r) }));
  }

  /** Publish the flags a batch raised (after its commit; the id makes a repeat one event). */
  async announce(flags: repo.FlaggedScript[], day: string): Promise<void> {
    for (const f of flags) {
      this.logger.warn({ campaignId: f.campaignId, script: f.script, rate: complaintRate(f) }, 'script flagged');
      await this.bus?.publish(
        events.rulesScriptFlagged,
        {
          campaignId: f.campaignId,
          script: f.script,
          connected: f.connected,
          complaints: f.complaints,
          complaintRate: complaintRate(f),
          threshold: this.threshold,
        },
        { id: `flag-${f.campaignId}-${Buffer.from(f.script).toString('base64url')}-${day}` },
      );
    }
  }
}
