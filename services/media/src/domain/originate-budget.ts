/**
 * FreeSWITCH refuses sessions beyond its `sessions-per-second` (30 by default) with
 * DESTINATION_OUT_OF_ORDER while `bgapi originate` itself answered +OK (29 of 900 at 30/s on a
 * real node). Media stays under a per-node budget instead: at most `perSecond` originates in any
 * window of one second. Pure: the caller keeps the history and the clock.
 */
export function nextOriginateAtMs(recentMs: readonly number[], nowMs: number, perSecond: number): number {
  const inWindow = recentMs.filter((t) => t > nowMs - 1000);
  if (inWindow.length < perSecond) return nowMs;
  // The slot frees when the oldest of the last `perSecond` leaves the window.
  const sorted = [...inWindow].sort((a, b) => a - b);
  return (sorted[sorted.length - perSecond] ?? nowMs) + 1000;
}
