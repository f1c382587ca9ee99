// When media refuses calls (its switches too slow for new ones, their originates queued, media
// draining), every campaign of the replica stops launching for a pause that doubles while the
// refusals go on and is forgotten at the first call placed. One pause for the replica, not one per
// campaign: media is shared, and each refused call has cost a lead read, a compliance check and an
// attempt row before media said no.

export interface MediaBackoffOptions {
  readonly firstPauseMs: number;
  readonly longestPauseMs: number;
}

export const DEFAULT_MEDIA_BACKOFF: MediaBackoffOptions = { firstPauseMs: 500, longestPauseMs: 8_000 };

export class MediaBackoff {
  private untilMs = Number.NEGATIVE_INFINITY;
  private pauseMs = 0;

  constructor(private readonly options: MediaBackoffOptions = DEFAULT_MEDIA_BACKOFF) {}

  /** Media refused a call. The pause it starts, or undefined when one was already running. */
  refused(nowMs: number): number | undefined {
    // Refusals of calls launched before the pause began do not lengthen it.
    if (nowMs < this.untilMs) return undefined;
    this.pauseMs = Math.min(this.options.longestPauseMs, Math.max(this.options.firstPauseMs, this.pauseMs * 2));
    this.untilMs = nowMs + this.pauseMs;
    return this.pauseMs;
  }

  /** A call was placed: media takes calls again. */
  placed(): void {
    this.pauseMs = 0;
  }

  paused(nowMs: number): boolean {
    return nowMs < this.untilMs;
  }
}
