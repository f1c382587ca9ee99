import { randomBytes } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';

/** Poll `condition` until it returns a truthy value or the deadline passes (no fixed sleeps in tests). */
export async function waitFor<T>(
  condition: () => T | Promise<T>,
  options: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  let last: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${options.what ?? 'condition'}${last instanceof Error ? `: ${last.message}` : ''}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 20));
  }
}

/**
 * A name no other test run uses: safe for durables, schemas, key prefixes and subjects. The random
 * part is letters only: hex could come out as a run of digits, which the services' personal-data
 * checks rightly take for a phone number (a flaky INVALID_ARGUMENT).
 */
export function uniqueName(prefix: string): string {
  const letters = Array.from(randomBytes(8), (byte) => String.fromCharCode(97 + (byte % 26))).join('');
  return `${prefix}_${Date.now().toString(36)}_${letters}`;
}

/** Spans written by @outbound/telemetry's FileSpanExporter, one JSON object per line. */
export function readSpans<T = Record<string, unknown>>(path: string): T[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line) as T);
}

const issuedPorts = new Set<number>();

/**
 * A port for a test's service that must keep it across restarts (so not port 0): drawn below
 * Linux's ephemeral range (32768 and up), where an outgoing connection could already hold it
 * (a bench once failed with EADDRINUSE on 43516), and never the same one twice in a process.
 */
export function servicePort(): number {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (issuedPorts.has(port)) continue;
    issuedPorts.add(port);
    return port;
  }
}

/**
 * A service port that nothing listens on now (servicePort alone may hit one a leftover process
 * still holds, and a service that must keep its address across restarts cannot move afterwards).
 */
export async function availablePort(): Promise<number> {
  for (;;) {
    const port = servicePort();
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

export const testUrls = {
  nats: process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222',
  redis: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
  database: process.env['DATABASE_URL'] ?? 'postgres://outbound:outbound@127.0.0.1:5432/outbound',
};

export { Processes } from './processes.js';
export { REGIONS, callingWindowProbe, openRegions, syntheticNumbers, type Region } from './synthetic-numbers.js';
export { seededRandom } from './seeded-random.js';
