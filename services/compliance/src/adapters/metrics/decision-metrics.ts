// Compliance's own series: every CheckDial decision by verdict, and every denial by its reason.
// Labels are the closed sets of verdicts and deny reasons: never a number, lead or campaign name.

import { AttributeCache, type Attributes, type Counter, type Meter } from '@outbound/telemetry';
import type { Decision } from '../../domain/types.js';

const ALLOWED: Attributes = { 'compliance.decision': 'allowed' };
const DENIED: Attributes = { 'compliance.decision': 'denied' };

export class DecisionMetrics {
  private readonly decisions: Counter;
  private readonly denials: Counter;
  private readonly reasons = new AttributeCache(256);

  constructor(meter: Meter) {
    this.decisions = meter.createCounter('compliance.decisions', {
      unit: '{decision}',
      description: 'Dial checks decided, by verdict',
    });
    this.denials = meter.createCounter('compliance.denials', {
      unit: '{denial}',
      description: 'Reasons dials were refused (a refused dial may have several)',
    });
  }

  decided(decision: Decision): void {
    this.decisions.add(1, decision.allowed ? ALLOWED : DENIED);
    for (const denial of decision.denials)
      this.denials.add(
        1,
        this.reasons.get(denial.reason, () => ({ 'compliance.reason': denial.reason })),
      );
  }
}
