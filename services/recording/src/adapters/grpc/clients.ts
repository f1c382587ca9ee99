import { FailedPreconditionError, NotFoundError, UnavailableError } from '@outbound/errors';
import {
  ComplianceServiceClient,
  type RecordAuditRequest,
  type RecordAuditResponse,
  type ScanTranscriptRequest,
  type ScanTranscriptResponse,
} from '@outbound/proto/outbound/v1/compliance';
import {
  MediaServiceClient,
  type StartRecordingRequest,
  type StartRecordingResponse,
} from '@outbound/proto/outbound/v1/media';
import { Metadata, Status, createClient, unary } from '@outbound/rpc';
import type { Meter } from '@outbound/telemetry';
import type { AttemptIds, AuditEntry, AuditLog, MediaControl, SensitiveWordScanner } from '../../use-cases/ports.js';

function codeOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

/** media's StartRecording; a call already gone is NotFound / FailedPrecondition, as media says. */
export class GrpcMedia implements MediaControl {
  private readonly client: MediaServiceClient;

  constructor(
    address: string,
    private readonly deadlineMs: number,
    meter?: Meter,
  ) {
    this.client = createClient(MediaServiceClient, address, { defaultDeadlineMs: deadlineMs, meter });
  }

  async startRecording(callId: string): Promise<{ recordingId: string }> {
    try {
      const response = await unary<StartRecordingRequest, StartRecordingResponse>(
        this.client.startRecording,
        this.client,
        { callId },
        new Metadata(),
        { deadline: Date.now() + this.deadlineMs },
      );
      return { recordingId: response.recordingId };
    } catch (cause) {
      const code = codeOf(cause);
      if (code === Status.NOT_FOUND) throw new NotFoundError('call', callId, { cause });
      if (code === Status.FAILED_PRECONDITION)
        throw new FailedPreconditionError('media cannot record the call', { reason: 'RECORD_REFUSED', cause });
      throw new UnavailableError('media could not start the recording', { reason: 'MEDIA_UNAVAILABLE', cause });
    }
  }

  close(): void {
    this.client.close();
  }
}

/** compliance: the audit log (RecordAudit) and sensitive words (ScanTranscript). */
export class GrpcCompliance implements AuditLog, SensitiveWordScanner {
  private readonly client: ComplianceServiceClient;

  constructor(
    address: string,
    private readonly deadlineMs: number,
    meter?: Meter,
  ) {
    this.client = createClient(ComplianceServiceClient, address, { defaultDeadlineMs: deadlineMs, meter });
  }

  async record(entry: AuditEntry): Promise<void> {
    try {
      await unary<RecordAuditRequest, RecordAuditResponse>(
        this.client.recordAudit,
        this.client,
        { ...entry, service: 'recording' },
        new Metadata(),
        { deadline: Date.now() + this.deadlineMs },
      );
    } catch (cause) {
      throw new UnavailableError('compliance could not record the audit entry', { reason: 'AUDIT_UNAVAILABLE', cause });
    }
  }

  async scan(industry: string, text: string, attempt: AttemptIds): Promise<number> {
    try {
      const response = await unary<ScanTranscriptRequest, ScanTranscriptResponse>(
        this.client.scanTranscript,
        this.client,
        {
          industry,
          text,
          attempt: { campaignId: attempt.campaignId, leadId: attempt.leadId, attemptId: attempt.attemptId },
        },
        new Metadata(),
        { deadline: Date.now() + this.deadlineMs },
      );
      return response.hits.length;
    } catch (cause) {
      throw new UnavailableError('compliance could not scan the transcript', { reason: 'SCAN_UNAVAILABLE', cause });
    }
  }

  close(): void {
    this.client.close();
  }
}
