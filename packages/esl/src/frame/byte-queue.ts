/**
 * A growable byte buffer for a header block that arrives in pieces. Doubling
 * the capacity keeps byte-at-a-time input linear instead of quadratic.
 */
export class ByteQueue {
  private storage = Buffer.allocUnsafe(256);
  private used = 0;

  get length(): number {
    return this.used;
  }

  append(source: Buffer, start: number, end: number): void {
    const needed = this.used + (end - start);
    if (needed > this.storage.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, this.storage.length * 2));
      this.storage.copy(grown, 0, 0, this.used);
      this.storage = grown;
    }
    source.copy(this.storage, this.used, start, end);
    this.used = needed;
  }

  byteAt(index: number): number | undefined {
    return index >= 0 && index < this.used ? this.storage[index] : undefined;
  }

  /** A view valid only until the next append or clear. */
  view(): Buffer {
    return this.storage.subarray(0, this.used);
  }

  clear(): void {
    this.used = 0;
    if (this.storage.length > 64 * 1024) this.storage = Buffer.allocUnsafe(256);
  }
}
