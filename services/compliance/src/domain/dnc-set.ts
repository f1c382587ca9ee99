/**
 * A read-only set of 64-bit keys for registries of millions of numbers: one sorted
 * BigUint64Array (8 bytes a number, no per-entry objects) searched by bisection. Registries change
 * by whole loads, so the set is rebuilt rather than edited.
 */
export class DncSet {
  private constructor(private readonly sorted: BigUint64Array) {}

  static fromKeys(keys: BigUint64Array): DncSet {
    return new DncSet(keys.sort());
  }

  static empty(): DncSet {
    return new DncSet(new BigUint64Array(0));
  }

  has(key: bigint): boolean {
    const a = this.sorted;
    let lo = 0;
    let hi = a.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const value = a[mid]!;
      if (value === key) return true;
      if (value < key) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }
}
