import type { AuditFields } from '../domain/audit-chain.js';
import type { AuditLog, AuditRecord } from '../adapters/sql/audit.js';

export interface AuditQuery {
  readonly actor?: string;
  readonly target?: string;
  readonly afterSeq: number;
  readonly limit: number;
}

/**
 * The platform's audit trail: other services record what they did with personal data and lists
 * here (never a number); entries are hash-chained, and a listing says whether the chain up to its
 * last entry still verifies.
 */
export class AuditTrail {
  constructor(private readonly audit: AuditLog) {}

  record(entry: Omit<AuditFields, 'seq' | 'at'>): Promise<AuditRecord> {
    return this.audit.append(entry);
  }

  list(query: AuditQuery): Promise<{ entries: AuditRecord[]; chainValid: boolean }> {
    return this.audit.list(query);
  }
}
