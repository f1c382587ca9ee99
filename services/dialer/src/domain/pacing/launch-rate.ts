// The pacer's own launches in the last second, so it never asks for more than the CPS cap allows.
export class LaunchRate {
  private readonly times: number[] = [];
  private head = 0;

  record(nowMs: number, count: number): void {
    for (let i = 0; i < count; i++) this.times.push(nowMs);
  }

  /** Launches in (now - 1 s, now], the window the switch enforces. */
  inLastSecond(nowMs: number): number {
    while (this.head < this.times.length && (this.times[this.head] ?? 0) <= nowMs - 1000) this.head++;
    if (this.head > 1024) {
      this.times.splice(0, this.head);
      this.head = 0;
    }
    return this.times.length - this.head;
  }
}
