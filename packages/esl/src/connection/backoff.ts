import type { RetryPolicy } from '@outbound/errors';

/** How to come back after the switch goes away: the shared retry policy, forever by default. */
export type ReconnectPolicy = RetryPolicy;

export const DEFAULT_RECONNECT_POLICY: ReconnectPolicy = Object.freeze({
  initialDelayMs: 100,
  maxDelayMs: 10_000,
  multiplier: 2,
  jitter: 0.5,
  maxAttempts: Number.POSITIVE_INFINITY,
});
