import type { AbandonCounter, AbandonCounts } from '../adapters/redis/abandon-counts.js';
import type { DialStateStore } from '../adapters/redis/dial-state.js';
import type { Inbox } from '../adapters/sql/lists.js';

export interface CallOutcome {
  readonly eventId: string;
  readonly occurredAt: number;
  readonly campaignId: string;
}

/**
 * Call outcomes for the abandon-rate guard (answered, abandoned, machine), each counted once
 * through the inbox, and the abandoned-call lock-out of the lead. The inbox row is committed
 * before counting: a crash in between loses one count rather than double-counting on redelivery
 * (the guard is a backstop to the dialer's own pacing).
 */
export class CountCallOutcomes {
  constructor(
    private readonly deps: { readonly inbox: Inbox; readonly abandon: AbandonCounts; readonly state: DialStateStore },
  ) {}

  async count(inbox: string, outcome: CallOutcome, counters: readonly AbandonCounter[]): Promise<void> {
    if (!(await this.deps.inbox.firstTime(inbox, outcome.eventId))) return;
    await this.deps.abandon.increment(outcome.campaignId, counters, outcome.occurredAt);
  }

  /** An abandoned call: the lead is locked out (idempotent), and it counts as abandoned and answered. */
  async abandoned(inbox: string, outcome: CallOutcome & { readonly leadId: string }): Promise<void> {
    await this.deps.state.markAbandoned(outcome.leadId, outcome.occurredAt);
    await this.count(inbox, outcome, ['abandoned', 'answered']);
  }
}
