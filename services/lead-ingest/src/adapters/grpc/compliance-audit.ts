import { UnavailableError } from '@outbound/errors';
import {
  ComplianceServiceClient,
  type RecordAuditRequest,
  type RecordAuditResponse,
} from '@outbound/proto/outbound/v1/compliance';
import { Metadata, createClient, unary } from '@outbound/rpc';
import type { Logger, Meter } from '@outbound/telemetry';

/** Where lead-ingest records compliance-relevant actions (clear personal data shown). */
export interface AuditTrail {
  /** Resolves once recorded; a reveal is not answered unless it was. */
  revealed(principal: string, target: string, count: number): Promise<void>;
}

/** Compliance's append-only, hash-chained audit log (RecordAudit). */
export class ComplianceAuditTrail implements AuditTrail {
  private readonly client: ComplianceServiceClient;

  constructor(
    address: string,
    private readonly deadlineMs = 5_000,
    meter?: Meter,
  ) {
    this.client = createClient(ComplianceServiceClient, address, { defaultDeadlineMs: deadlineMs, meter });
  }

  async revealed(principal: string, target: string, count: number): Promise<void> {
    const request: RecordAuditRequest = {
      actor: principal,
      action: 'viewed',
      target,
      details: { fields: 'phone,name', leads: String(count) },
      service: 'lead-ingest',
    };
    try {
      await unary<RecordAuditRequest, RecordAuditResponse>(
        this.client.recordAudit,
        this.client,
        request,
        new Metadata(),
        { deadline: Date.now() + this.deadlineMs },
      );
    } catch (cause) {
      throw new UnavailableError(
        'clear personal data is shown only once the audit log has recorded it, and compliance could not record it',
        { reason: 'AUDIT_UNAVAILABLE', cause },
      );
    }
  }

  close(): void {
    this.client.close();
  }
}

/** Without compliance (a development set-up): the service's own log, the principal and target only. */
export class LogAuditTrail implements AuditTrail {
  constructor(private readonly logger: Logger) {}

  revealed(principal: string, target: string, count: number): Promise<void> {
    this.logger.info({ audit: 'viewed', principal, target, leads: count }, 'clear personal data shown');
    return Promise.resolve();
  }
}
