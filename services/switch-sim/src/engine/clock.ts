/**
 * Simulated time. Far-end delays are expressed in simulated milliseconds; a speed-up factor
 * shortens the real waits while event timestamps advance at simulated speed.
 */
export interface SimClock {
  /** Simulated epoch microseconds. */
  nowUs(): number;
  /** Resolves after `ms` simulated milliseconds, or early (with false) when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<boolean>;
}

export function realClock(speedUp = 1): SimClock {
  const startReal = Date.now();
  const startSimUs = startReal * 1000;
  return {
    nowUs: () => Math.round(startSimUs + (Date.now() - startReal) * 1000 * speedUp),
    sleep: (ms, signal) =>
      new Promise<boolean>((resolve) => {
        if (signal?.aborted === true) {
          resolve(false);
          return;
        }
        const onAbort = (): void => {
          clearTimeout(timer);
          resolve(false);
        };
        const timer = setTimeout(
          () => {
            signal?.removeEventListener('abort', onAbort);
            resolve(true);
          },
          Math.max(0, ms / speedUp),
        );
        signal?.addEventListener('abort', onAbort, { once: true });
      }),
  };
}
