// What a process's event loop went through during a benchmark phase: how busy it was, how long
// timers were held up (event-loop delay), garbage-collection pauses and CPU time.
import { PerformanceObserver, monitorEventLoopDelay, performance, type EventLoopUtilization } from 'node:perf_hooks';

export interface LoopStats {
  /** Share of the phase the loop was running code rather than waiting (0–1). */
  readonly utilization: number;
  readonly delayP50Ms: number;
  readonly delayP99Ms: number;
  readonly delayMaxMs: number;
  readonly gcTotalMs: number;
  readonly gcMaxPauseMs: number;
  /** User + system CPU of the whole process (all threads), in ms. */
  readonly cpuMs: number;
}

/** Starts measuring now; `take()` returns what happened since the last take and starts over. */
export function loopStats(): { take(): LoopStats } {
  // 1 ms resolution: the targets are single milliseconds, the default (10 ms) would hide them.
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  let gcTotal = 0;
  let gcMax = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gcTotal += entry.duration;
      gcMax = Math.max(gcMax, entry.duration);
    }
  }).observe({ entryTypes: ['gc'] });
  let elu: EventLoopUtilization = performance.eventLoopUtilization();
  let cpu = process.cpuUsage();
  return {
    take() {
      const stats: LoopStats = {
        utilization: performance.eventLoopUtilization(elu).utilization,
        delayP50Ms: delay.percentile(50) / 1e6,
        delayP99Ms: delay.percentile(99) / 1e6,
        delayMaxMs: delay.max / 1e6,
        gcTotalMs: gcTotal,
        gcMaxPauseMs: gcMax,
        cpuMs: (({ user, system }) => (user + system) / 1000)(process.cpuUsage(cpu)),
      };
      delay.reset();
      gcTotal = 0;
      gcMax = 0;
      elu = performance.eventLoopUtilization();
      cpu = process.cpuUsage();
      return stats;
    },
  };
}
