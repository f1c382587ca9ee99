// One upstream server stream shared by every browser watching the same thing. It opens with the
// first subscriber, closes with the last, and when the backend goes away it says so ("lost") and
// opens the stream again with bounded back-off, so the pages resume by themselves.

export interface Upstream<T> {
  on(event: 'data', listener: (message: T) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  cancel(): void;
}

export interface FeedListener<T> {
  data(message: T): void;
  status(state: 'live' | 'lost', message?: string): void;
}

export interface FeedOptions {
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Called when the stream broke (for logs). */
  readonly onBreak?: (error: Error | undefined) => void;
}

export class LiveFeed<T> {
  private readonly listeners = new Set<FeedListener<T>>();
  private upstream: Upstream<T> | undefined;
  private retry: NodeJS.Timeout | undefined;
  private last: T | undefined;
  private lost = false;
  private failures = 0;

  constructor(
    private readonly open: () => Upstream<T>,
    private readonly options: FeedOptions = {},
  ) {}

  get size(): number {
    return this.listeners.size;
  }

  subscribe(listener: FeedListener<T>): () => void {
    this.listeners.add(listener);
    if (this.last !== undefined) listener.data(this.last);
    if (this.lost) listener.status('lost');
    if (!this.upstream && !this.retry) this.connect();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.close();
    };
  }

  close(): void {
    clearTimeout(this.retry);
    this.retry = undefined;
    const upstream = this.upstream;
    this.upstream = undefined;
    upstream?.cancel();
  }

  private connect(): void {
    this.retry = undefined;
    const upstream = this.open();
    this.upstream = upstream;
    let ended = false;
    const broke = (error: Error | undefined) => {
      if (ended || this.upstream !== upstream) return;
      ended = true;
      this.upstream = undefined;
      upstream.cancel();
      this.options.onBreak?.(error);
      if (!this.lost) {
        this.lost = true;
        for (const l of this.listeners) l.status('lost', error?.message);
      }
      if (this.listeners.size === 0) return;
      const min = this.options.minBackoffMs ?? 200;
      const delay = Math.min(this.options.maxBackoffMs ?? 5_000, min * 2 ** this.failures++);
      this.retry = setTimeout(() => this.connect(), delay);
    };
    upstream.on('data', (message: T) => {
      if (this.upstream !== upstream) return;
      this.failures = 0;
      this.last = message;
      if (this.lost) {
        this.lost = false;
        for (const l of this.listeners) l.status('live');
      }
      for (const l of this.listeners) l.data(message);
    });
    upstream.on('error', (error: Error) => broke(error));
    upstream.on('end', () => broke(undefined));
  }
}
