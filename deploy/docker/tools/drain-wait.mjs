#!/usr/bin/env node
// preStop hook for call-carrying services (dialer, media). Kubernetes runs it before SIGTERM:
//  1. wait DRAIN_SETTLE_SECONDS (default 5) so the endpoint removal reaches clients and balancers;
//  2. when DRAIN_METRIC names a gauge (e.g. the active-calls gauge on the metrics port), poll
//     http://127.0.0.1:$METRICS_PORT/metrics until every sample of it reads 0, at most
//     DRAIN_TIMEOUT_SECONDS (default 300).
// Then SIGTERM starts the service's own drain (NOT_SERVING, in-flight calls finish within
// SHUTDOWN_GRACE_MS). It always exits 0: a failed hook must not keep a pod from stopping.
const settle = Number(process.env.DRAIN_SETTLE_SECONDS ?? 5);
const timeout = Number(process.env.DRAIN_TIMEOUT_SECONDS ?? 300);
const metric = process.env.DRAIN_METRIC ?? '';
const port = Number(process.env.METRICS_PORT ?? 9464);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const say = (message) => process.stdout.write(`${JSON.stringify({ msg: `preStop: ${message}` })}\n`);

await sleep(settle * 1000);
if (/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(metric)) {
  const deadline = Date.now() + timeout * 1000;
  for (;;) {
    let total;
    try {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      total = text
        .split('\n')
        .filter((line) => line.startsWith(`${metric} `) || line.startsWith(`${metric}{`))
        .reduce((sum, line) => sum + Number(line.trim().split(/\s+/).at(-1)), 0);
    } catch (error) {
      say(`metrics not readable (${error.message}); leaving the drain to SIGTERM`);
      break;
    }
    if (total === 0) {
      say(`${metric} is 0`);
      break;
    }
    if (Date.now() > deadline) {
      say(`${metric} still ${total} after ${timeout}s`);
      break;
    }
    await sleep(1000);
  }
}
process.exit(0);
