// Answers and AMD verdicts of one campaign's calls heard as media publishes them (a core NATS
// subscription on the stream's subjects), so the owner serves an answer without waiting for the
// durable consumer's delivery or another replica's hand-over. The durable copy still follows.

import { events, type Bus } from '@outbound/bus';
import type { CallFact, EarlyFacts } from '../../use-cases/engine-deps.js';
import { factBase } from './consumers.js';

export class NatsEarlyFacts implements EarlyFacts {
  constructor(private readonly bus: Bus) {}

  listen(campaignId: string, handle: (fact: CallFact) => void): () => void {
    const stops = [
      this.bus.listen(events.callAnswered, campaignId, (event) =>
        handle({ ...factBase(event.data, event.occurredAt), kind: 'answered' }),
      ),
      this.bus.listen(events.callAmd, campaignId, (event) =>
        handle({
          ...factBase(event.data, event.occurredAt),
          kind: 'amd',
          verdict: event.data.verdict,
          detectMs: event.data.detectMs,
        }),
      ),
    ];
    return () => {
      for (const stop of stops) stop();
    };
  }
}
