// What the dialer publishes on JetStream: calls.abandoned (compliance counts it in every window)
// and attempts.completed (after the attempt row is final; the event id is derived from the
// attempt id, so a republish after a crash is dropped by JetStream's de-duplication window and
// consumers de-duplicate by id beyond it).

import { events, type Bus } from '@outbound/bus';
import type { LineHealth } from '../../domain/line-pool.js';
import type { Attempt } from '../../domain/model.js';
import type { AttemptStore } from '../../use-cases/ports.js';
import type { EnginePublisher } from '../../use-cases/engine-deps.js';

export class NatsEnginePublisher implements EnginePublisher {
  constructor(
    private readonly bus: Bus,
    private readonly attempts: Pick<AttemptStore, 'markPublished'>,
  ) {}

  async abandoned(call: Parameters<EnginePublisher['abandoned']>[0]): Promise<void> {
    await this.bus.publish(events.callAbandoned, call, { id: `abandoned-${call.attemptId}` });
  }

  async completed(attempt: Attempt, extra: { closedReason?: string }): Promise<void> {
    if (!attempt.outcome) throw new Error(`attempt ${attempt.attemptId} has not ended`);
    await this.bus.publish(
      events.attemptCompleted,
      {
        campaignId: attempt.campaignId,
        leadId: attempt.leadId,
        attemptId: attempt.attemptId,
        attemptNumber: attempt.attemptNumber,
        outcome: attempt.outcome,
        ...(attempt.hangupCause ? { hangupCause: attempt.hangupCause } : {}),
        ...(attempt.sipStatus === undefined ? {} : { sipStatus: attempt.sipStatus }),
        ...(attempt.billsec === undefined ? {} : { billsec: attempt.billsec }),
        answered: attempt.timeline.answeredAt !== undefined,
        bridged: attempt.timeline.bridgedAt !== undefined,
        ...(attempt.agentId ? { agentId: attempt.agentId } : {}),
        ...(attempt.nextAttemptAt ? { nextAttemptAt: attempt.nextAttemptAt.toISOString() } : {}),
        ...(extra.closedReason ? { closedReason: extra.closedReason } : {}),
      },
      {
        id: `attempt-completed-${attempt.attemptId}`,
        ...(attempt.timeline.endedAt ? { occurredAt: attempt.timeline.endedAt } : {}),
      },
    );
    await this.attempts.markPublished(attempt.attemptId);
  }

  async lineHealth(health: LineHealth): Promise<void> {
    await this.bus.publish(events.lineHealth, health);
  }
}
