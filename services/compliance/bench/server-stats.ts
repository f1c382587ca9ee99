// Preloaded (`node --import`) into the compliance server by the benchmark only: on SIGUSR2 it
// prints the event-loop statistics since the previous SIGUSR2 as one JSON line and starts over,
// so the runner can bracket each load phase without the service carrying benchmark code.
import { loopStats } from './loop-stats.js';

const stats = loopStats();
process.on('SIGUSR2', () => {
  process.stdout.write(`${JSON.stringify({ loopStats: stats.take() })}\n`);
});
