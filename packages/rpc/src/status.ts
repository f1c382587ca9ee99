import { Metadata, status as Status, type ServiceError } from '@grpc/grpc-js';
import { BadRequest, Status as RpcStatus, ErrorInfo } from '@outbound/proto/google/rpc/status';
import { InvalidArgumentError, isDomainError, type ErrorKind, type FieldViolation } from '@outbound/errors';

const CODES: Record<ErrorKind, Status> = {
  invalid_argument: Status.INVALID_ARGUMENT,
  not_found: Status.NOT_FOUND,
  already_exists: Status.ALREADY_EXISTS,
  failed_precondition: Status.FAILED_PRECONDITION,
  permission_denied: Status.PERMISSION_DENIED,
  resource_exhausted: Status.RESOURCE_EXHAUSTED,
  unavailable: Status.UNAVAILABLE,
  deadline_exceeded: Status.DEADLINE_EXCEEDED,
  cancelled: Status.CANCELLED,
  internal: Status.INTERNAL,
};

const DETAILS_KEY = 'grpc-status-details-bin';
const TYPE_PREFIX = 'type.googleapis.com/';
const DOMAIN = 'outbound.v1';

export interface MappedStatus {
  code: Status;
  details: string;
  metadata: Metadata;
  /** True when the error was not a domain error: the caller sees only "internal error". */
  unexpected: boolean;
}

/**
 * The one normaliser at the gRPC boundary: domain errors become their status code with the
 * standard rich details (google.rpc.BadRequest field violations, google.rpc.ErrorInfo reason);
 * anything else becomes INTERNAL with no internals leaked.
 */
export function toStatus(error: unknown): MappedStatus {
  const metadata = new Metadata();
  if (!isDomainError(error)) {
    // A service this one called did not answer: the caller may try again, which INTERNAL forbids.
    if (isDownstreamUnavailable(error))
      return {
        code: Status.UNAVAILABLE,
        details: 'a service this one depends on did not answer; try again',
        metadata,
        unexpected: true,
      };
    return { code: Status.INTERNAL, details: 'internal error', metadata, unexpected: true };
  }
  const code = CODES[error.kind];
  const details = [
    {
      typeUrl: `${TYPE_PREFIX}google.rpc.ErrorInfo`,
      value: Buffer.from(
        ErrorInfo.encode({ reason: error.reason, domain: DOMAIN, metadata: { ...error.details } }).finish(),
      ),
    },
  ];
  if (error instanceof InvalidArgumentError) {
    const fieldViolations = error.violations.map((v) => ({
      field: v.field,
      description: v.description,
      reason: v.reason ?? '',
    }));
    details.push({
      typeUrl: `${TYPE_PREFIX}google.rpc.BadRequest`,
      value: Buffer.from(BadRequest.encode({ fieldViolations }).finish()),
    });
  }
  metadata.set(DETAILS_KEY, Buffer.from(RpcStatus.encode({ code, message: error.message, details }).finish()));
  return { code, details: error.message, metadata, unexpected: false };
}

/** A client-side error of a call this service made that ended unanswered (unreachable, or out of time). */
function isDownstreamUnavailable(error: unknown): boolean {
  const e = error as Partial<ServiceError>;
  return (
    error instanceof Error &&
    e.metadata instanceof Metadata &&
    (e.code === Status.UNAVAILABLE || e.code === Status.DEADLINE_EXCEEDED)
  );
}

export interface StatusDetails {
  reason?: string;
  fieldViolations: FieldViolation[];
}

/** Read the rich details back from a client-side ServiceError (for callers and tests). */
export function statusDetails(error: ServiceError): StatusDetails {
  const raw = error.metadata?.get(DETAILS_KEY)[0];
  const result: StatusDetails = { fieldViolations: [] };
  if (!(raw instanceof Buffer)) return result;
  for (const any of RpcStatus.decode(raw).details) {
    if (any.typeUrl === `${TYPE_PREFIX}google.rpc.BadRequest`) {
      result.fieldViolations.push(
        ...BadRequest.decode(any.value).fieldViolations.map((v) => ({
          field: v.field,
          description: v.description,
          ...(v.reason ? { reason: v.reason } : {}),
        })),
      );
    } else if (any.typeUrl === `${TYPE_PREFIX}google.rpc.ErrorInfo`) {
      result.reason = ErrorInfo.decode(any.value).reason;
    }
  }
  return result;
}
