/** How to come back after the switch goes away. */
export interface ReconnectPolicy {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly multiplier: number;
  /** Fraction of each delay that is randomised (0…1), so many clients do not reconnect in step. */
  readonly jitter: number;
  /** Attempts after one disconnect before giving up; Infinity retries forever. */
  readonly maxAttempts: number;
}

export const DEFAULT_RECONNECT_POLICY: ReconnectPolicy = {
  initialDelayMs: 100,
  maxDelayMs: 10_000,
  multiplier: 2,
  jitter: 0.5,
  maxAttempts: Number.POSITIVE_INFINITY,
};

/** Delay before attempt `attempt` (1-based): capped exponential, minus up to `jitter` of it at random. */
export function reconnectDelayMs(policy: ReconnectPolicy, attempt: number, random: () => number): number {
  const exponential = policy.initialDelayMs * policy.multiplier ** Math.max(0, attempt - 1);
  const capped = Math.min(policy.maxDelayMs, exponential);
  return Math.round(capped * (1 - policy.jitter * random()));
}
