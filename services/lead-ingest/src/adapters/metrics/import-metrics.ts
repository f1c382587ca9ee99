// lead-ingest's own series: import rows by result and import jobs by final state. Rows are
// counted when their job ends, because an import is one transaction: before the commit no row
// is kept, and a failed or cancelled job keeps none.

import type { Attributes, Counter, Meter } from '@outbound/telemetry';
import type { ImportMetrics as ImportMetricsPort } from '../../use-cases/import-leads.js';

const RESULT = (result: string): Attributes => ({ 'leads.import.result': result });
const ROWS = {
  accepted: RESULT('accepted'),
  rejected: RESULT('rejected'),
  duplicate: RESULT('duplicate'),
  cancelled: RESULT('cancelled'),
  failed: RESULT('failed'),
};
const JOBS = {
  succeeded: { 'leads.import.state': 'succeeded' },
  cancelled: { 'leads.import.state': 'cancelled' },
  failed: { 'leads.import.state': 'failed' },
};

export class ImportMetrics implements ImportMetricsPort {
  private readonly rows: Counter;
  private readonly jobs: Counter;

  constructor(meter: Meter) {
    this.rows = meter.createCounter('leads.import.rows', {
      unit: '{row}',
      description: 'Rows of finished imports by result (accepted, rejected, duplicate; cancelled or failed: not kept)',
    });
    this.jobs = meter.createCounter('leads.import.jobs', {
      unit: '{job}',
      description: 'Import jobs finished, by final state',
    });
  }

  finished(
    state: 'succeeded' | 'cancelled' | 'failed',
    counts: { read: number; accepted: number; rejected: number; duplicate: number },
  ): void {
    this.jobs.add(1, JOBS[state]);
    if (state === 'succeeded') {
      this.rows.add(counts.accepted, ROWS.accepted);
      this.rows.add(counts.rejected, ROWS.rejected);
      this.rows.add(counts.duplicate, ROWS.duplicate);
    } else {
      this.rows.add(counts.read, ROWS[state]);
    }
  }
}
