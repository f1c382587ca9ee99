import { nextOriginateAtMs } from '../domain/originate-budget.js';

/**
 * One node's originates in turn, at most `perSecond` in any second (domain/originate-budget.ts).
 * Agent legs go first: each joins a customer who has answered and is waiting for a person (the
 * 2-second rule), while a new customer's call can wait. A FIFO put the agent legs behind every
 * queued customer originate, so the busier the dialer, the later its bridges.
 */
export class OriginateQueue {
  private readonly sentMs: number[] = [];
  private readonly agentLegs: Array<() => void> = [];
  private readonly customers: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Customer originates waiting for their turn. */
  get customersWaiting(): number {
    return this.customers.length;
  }

  /** Resolves when the originate may go out. */
  turn(kind: 'agent-leg' | 'customer'): Promise<void> {
    return new Promise((resolve) => {
      (kind === 'agent-leg' ? this.agentLegs : this.customers).push(resolve);
      this.pump();
    });
  }

  private pump(): void {
    if (this.timer !== undefined) return;
    while (this.agentLegs.length + this.customers.length > 0) {
      const now = this.now();
      const at = nextOriginateAtMs(this.sentMs, now, this.perSecond);
      if (at > now) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.pump();
        }, at - now);
        return;
      }
      this.sentMs.push(now);
      while (this.sentMs.length > this.perSecond) this.sentMs.shift();
      (this.agentLegs.shift() ?? this.customers.shift())!();
    }
  }
}
