// Writes handed in while one is in flight go out together in the next: at a trickle each item is
// written at once; under load one transaction (a few round trips, a few system calls) carries
// many. Each caller's promise settles when the write that carried its item committed or failed,
// with the write's result for that item (the write returns one per item, in order, or nothing).

interface Waiting<Item, Result> {
  readonly item: Item;
  resolve(result: Result): void;
  reject(error: unknown): void;
}

export class GroupCommit<Item, Result = void> {
  private queue: Array<Waiting<Item, Result>> = [];
  private draining = false;

  constructor(
    private readonly write: (items: readonly Item[]) => Promise<readonly Result[] | void>,
    private readonly maxBatch = 500,
  ) {}

  add(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
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
        const results = await this.write(batch.map((w) => w.item));
        batch.forEach((w, i) => w.resolve(results?.[i] as Result));
      } catch (error) {
        for (const w of batch) w.reject(error);
      }
    }
    this.draining = false;
  }
}
