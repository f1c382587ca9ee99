/** Cancels a scheduled callback; calling it twice is harmless. */
export type CancelTimer = () => void;

/** Time source injected so tests can drive timeouts and back-off without sleeping. */
export interface Clock {
  schedule(delayMs: number, callback: () => void): CancelTimer;
}

export const systemClock: Clock = {
  schedule(delayMs, callback) {
    const timer = setTimeout(callback, delayMs);
    return () => clearTimeout(timer);
  },
};
