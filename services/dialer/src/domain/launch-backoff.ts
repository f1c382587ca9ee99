// When a service a launch needs cannot serve it (media refusing calls because its switches are too
// slow or their originates queued, compliance or lead-ingest not answering in time), every
// campaign of the replica stops launching for a pause that doubles while the failures go on and
// starts over after a quiet spell. One pause for the replica, not one per campaign: the
// services are shared, each failed launch has cost a lead read, a compliance check and an attempt
// row, and more launches into an overloaded service only make it slower (at 100 campaigns on a
// saturated machine the retries kept compliance from answering anything, StartCampaign included).
// A launch that does not happen is always safe; a customer answered and left waiting is not.

export type BusyService = 'media' | 'compliance' | 'lead-ingest';

export interface LaunchBackoffOptions {
  readonly firstPauseMs: number;
  readonly longestPauseMs: number;
}

export const DEFAULT_LAUNCH_BACKOFF: LaunchBackoffOptions = { firstPauseMs: 500, longestPauseMs: 8_000 };

export class LaunchBackoff {
  private untilMs = Number.NEGATIVE_INFINITY;
  private pauseMs = 0;

  constructor(private readonly options: LaunchBackoffOptions = DEFAULT_LAUNCH_BACKOFF) {}

  /** A service could not serve a launch. The pause this starts, or undefined when one was already running. */
  failed(nowMs: number): number | undefined {
    // Failures of launches begun before the pause do not lengthen it.
    if (nowMs < this.untilMs) return undefined;
    // A failure soon after the last pause ended doubles it; one after a quiet spell as long as the
    // pause starts over. (Not "any call placed": between a slow switch's refusals some calls still
    // get through, and the pause never grew: 3,602 refused calls at 100 campaigns.)
    const quiet = nowMs - this.untilMs >= this.pauseMs;
    this.pauseMs = quiet
      ? this.options.firstPauseMs
      : Math.min(this.options.longestPauseMs, Math.max(this.options.firstPauseMs, this.pauseMs * 2));
    this.untilMs = nowMs + this.pauseMs;
    return this.pauseMs;
  }

  paused(nowMs: number): boolean {
    return nowMs < this.untilMs;
  }
}
