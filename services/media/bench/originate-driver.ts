import { performance } from 'node:perf_hooks';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { MediaServiceClient, type OriginateRequest, type OriginateResponse } from '@outbound/proto/outbound/v1/media';
import { Metadata, createClient, unary } from '@outbound/rpc';
import { LatencyHistogram } from './latency-histogram.js';

export interface DriveOptions {
  readonly address: string;
  readonly campaignId: string;
  readonly ratePerSec: number;
  readonly seconds: number;
}

export interface DriveResult {
  readonly sent: number;
  readonly accepted: number;
  readonly failed: number;
  readonly seconds: number;
  readonly rpcP50Ms: number;
  readonly rpcP99Ms: number;
  readonly firstError?: string;
}

/**
 * Runs the driver in its own process, as the dialer is in production: its gRPC client work must
 * not sit on media's event loop, and media's CPU time must be media's alone.
 */
export function driveOriginatesInChild(options: DriveOptions): Promise<DriveResult> {
  const child = fork(fileURLToPath(import.meta.url), { stdio: 'inherit' });
  child.send(options);
  return new Promise((resolve, reject) => {
    child.once('message', (result) => resolve(result as DriveResult));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the originate driver exited with ${String(code)}`)));
  });
}

const TICK_MS = 5;

/**
 * Sends Originate at a steady `ratePerSec` for `seconds`: on each tick, as many as are due since
 * the start (so a late tick catches up rather than lowering the rate). Each call gets its own
 * number (switch-sim draws a call's fate per number) and attempt id.
 */
async function driveOriginates(client: MediaServiceClient, options: DriveOptions): Promise<DriveResult> {
  const rpcLatency = new LatencyHistogram();
  const inFlight = new Set<Promise<void>>();
  let sent = 0;
  let accepted = 0;
  let failed = 0;
  let firstError: string | undefined;
  const total = Math.round(options.ratePerSec * options.seconds);
  const start = performance.now();

  const send = (n: number): void => {
    const request: OriginateRequest = {
      attempt: { campaignId: options.campaignId, leadId: `lead-${String(n)}`, attemptId: `att-${String(n)}` },
      destination: `+1555${String(1_000_000 + n)}`,
      callerId: '',
      gateway: '',
      amd: false,
      ringTimeoutMs: 0,
      complianceCheckId: '',
    };
    const sentAt = performance.now();
    const rpc = unary<OriginateRequest, OriginateResponse>(client.originate, client, request, new Metadata()).then(
      () => {
        accepted++;
        rpcLatency.record(performance.now() - sentAt);
      },
      (error: unknown) => {
        failed++;
        firstError ??= (error as Error).message;
      },
    );
    inFlight.add(rpc);
    void rpc.finally(() => inFlight.delete(rpc));
  };

  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * options.ratePerSec));
      while (sent < due) send(sent++);
      if (sent >= total) {
        clearInterval(timer);
        resolve();
      }
    }, TICK_MS);
  });
  await Promise.all(inFlight);
  const seconds = (performance.now() - start) / 1000;
  return {
    sent,
    accepted,
    failed,
    seconds,
    rpcP50Ms: rpcLatency.quantile(0.5),
    rpcP99Ms: rpcLatency.quantile(0.99),
    ...(firstError === undefined ? {} : { firstError }),
  };
}

// Child entry: this same module, forked by driveOriginatesInChild.
if (process.send !== undefined) {
  process.once('message', (options: DriveOptions) => {
    const client = createClient(MediaServiceClient, options.address);
    void driveOriginates(client, options).then((result) => {
      client.close();
      process.send?.(result, () => process.exit(0));
    });
  });
}
