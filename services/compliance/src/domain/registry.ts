import { DncSet } from './dnc-set.js';

/** The loaded do-not-call registries; swapped whole when a reload finishes. */
export class Registry {
  private set = DncSet.empty();

  has(key: bigint): boolean {
    return this.set.has(key);
  }

  replace(keys: BigUint64Array): void {
    this.set = DncSet.fromKeys(keys);
  }
}
