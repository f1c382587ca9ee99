import { readFileSync } from 'node:fs';

/**
 * Generated code lives under `@outbound/proto/<proto path>`, e.g.
 * `@outbound/proto/outbound/v1/media`. This entry point only serves the compiled descriptor set,
 * which gRPC reflection needs at run time.
 */
export function descriptorSet(): Buffer {
  return readFileSync(new URL('../descriptor.binpb', import.meta.url));
}
