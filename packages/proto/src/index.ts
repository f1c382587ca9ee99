import { readFileSync } from 'node:fs';

/**
 * Generated code lives under `@outbound/proto/<proto path>`, e.g.
 * `@outbound/proto/outbound/v1/media`. This entry point only serves the compiled descriptor set,
 * which gRPC reflection needs at run time.
 */
export function descriptorSet(): Buffer {
  return readFileSync(new URL('../descriptor.binpb', import.meta.url));
}

/** google.protobuf.Timestamp from epoch milliseconds, and back (shared by every service's API edge). */
export function toTimestamp(ms: number): { seconds: number; nanos: number } {
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 };
}

export function fromTimestamp(ts: { seconds: number; nanos: number }): number {
  return ts.seconds * 1000 + Math.floor(ts.nanos / 1_000_000);
}
