import { EslEventOverflowError } from '../errors.js';

/**
 * Turns pushed values into an async iterator with a bounded backlog: a consumer
 * that falls `maxBacklog` behind gets EslEventOverflowError instead of letting
 * memory grow without limit.
 */
export class EventStream<T> implements AsyncIterableIterator<T> {
  private readonly backlog: T[] = [];
  private readonly waiting: Array<(result: IteratorResult<T>) => void> = [];
  private readonly failWaiting: Array<(error: Error) => void> = [];
  private ended = false;
  private failure: Error | undefined;

  constructor(
    private readonly maxBacklog: number,
    private readonly onFinish: () => void,
  ) {}

  push(value: T): void {
    if (this.ended) return;
    const resolve = this.waiting.shift();
    if (resolve !== undefined) {
      this.failWaiting.shift();
      resolve({ value, done: false });
      return;
    }
    if (this.backlog.length >= this.maxBacklog) {
      this.fail(new EslEventOverflowError(this.maxBacklog));
      return;
    }
    this.backlog.push(value);
  }

  /** Ends the stream after the backlog is read. */
  finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.onFinish();
    for (const resolve of this.waiting.splice(0)) resolve({ value: undefined, done: true });
    this.failWaiting.length = 0;
  }

  next(): Promise<IteratorResult<T>> {
    const value = this.backlog.shift();
    if (value !== undefined) return Promise.resolve({ value, done: false });
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiting.push(resolve);
      this.failWaiting.push(reject);
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.backlog.length = 0;
    this.finish();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  private fail(error: Error): void {
    this.backlog.length = 0;
    this.failure = error;
    for (const reject of this.failWaiting.splice(0)) reject(error);
    this.waiting.length = 0;
    this.finish();
  }
}
