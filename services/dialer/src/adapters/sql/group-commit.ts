// Writes handed in while one is in flight go out together in the next: at a trickle each item is
// written at once; under load one statement (one round trip, one system call) carries many. Each
// caller's promise settles when the write that carried its item committed or failed.

interface Waiting<Item> {
  readonly item: Item;
  resolve(): void;
  reject(error: unknown): void;
}

export class GroupCommit<Item> {
  private queue: Array<Waiting<Item>> = [];
  private draining = false;

  constructor(
    private readonly write: (items: readonly Item[]) => Promise<void>,
    private readonly maxBatch = 500,
  ) {}

  add(item: Item): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.draining) return;
      this.draining = true;
      // Items added in the same turn of the event loop join the first write.
      queueMicrotask(() => void this.drain());
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      try {
        await this.write(batch.map((w) => w.item));
        for (const w of batch) w.resolve();
      } catch (error) {
        for (const w of batch) w.reject(error);
      }
    }
    this.draining = false;
  }
}
