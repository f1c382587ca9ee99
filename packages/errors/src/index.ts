/**
 * The platform's error vocabulary. Domain code throws these (or returns them as values); each
 * boundary (gRPC, NATS, CLI) maps them once. Messages are for operators and must never hold
 * personal data; callers see only what the boundary chooses to expose.
 */

export interface FieldViolation {
  /** Path of the offending field in the request, e.g. `leads[3].phone`. */
  field: string;
  description: string;
  /** Machine-readable code, e.g. `INVALID_PHONE`. */
  reason?: string;
}

export type ErrorKind =
  | 'invalid_argument'
  | 'not_found'
  | 'already_exists'
  | 'failed_precondition'
  | 'permission_denied'
  | 'resource_exhausted'
  | 'unavailable'
  | 'deadline_exceeded'
  | 'cancelled'
  | 'internal';

export abstract class DomainError extends Error {
  abstract readonly kind: ErrorKind;
  /** Machine-readable reason, stable across versions (e.g. `LEAD_NOT_FOUND`). */
  readonly reason: string;
  readonly details: Readonly<Record<string, string>>;

  constructor(message: string, options: { reason?: string; details?: Record<string, string>; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.reason =
      options.reason ??
      new.target.name
        .replace(/Error$/, '')
        .replace(/([a-z])([A-Z])/g, '$1_$2')
        .toUpperCase();
    this.details = Object.freeze({ ...options.details });
  }
}

export class InvalidArgumentError extends DomainError {
  readonly kind = 'invalid_argument' as const;
  readonly violations: readonly FieldViolation[];

  constructor(violations: FieldViolation[], options: { reason?: string; cause?: unknown } = {}) {
    super(`invalid argument: ${violations.map((v) => `${v.field}: ${v.description}`).join('; ')}`, options);
    this.violations = Object.freeze([...violations]);
  }

  static field(field: string, description: string, reason?: string): InvalidArgumentError {
    return new InvalidArgumentError([reason === undefined ? { field, description } : { field, description, reason }]);
  }
}

export class NotFoundError extends DomainError {
  readonly kind = 'not_found' as const;
  constructor(
    readonly resource: string,
    readonly id: string,
    options: { reason?: string; cause?: unknown } = {},
  ) {
    super(`${resource} ${id} not found`, { ...options, details: { resource, id } });
  }
}

export class AlreadyExistsError extends DomainError {
  readonly kind = 'already_exists' as const;
}

export class FailedPreconditionError extends DomainError {
  readonly kind = 'failed_precondition' as const;
}

export class PermissionDeniedError extends DomainError {
  readonly kind = 'permission_denied' as const;
}

export class ResourceExhaustedError extends DomainError {
  readonly kind = 'resource_exhausted' as const;
}

export class UnavailableError extends DomainError {
  readonly kind = 'unavailable' as const;
}

export class DeadlineExceededError extends DomainError {
  readonly kind = 'deadline_exceeded' as const;
}

export class CancelledError extends DomainError {
  readonly kind = 'cancelled' as const;
}

export class InternalError extends DomainError {
  readonly kind = 'internal' as const;
}

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}

/** Bounded exponential back-off with full jitter: the one retry policy every adapter uses. */
export interface RetryPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
  multiplier: number;
  /** Attempts in all, the first included; Infinity retries until stopped. */
  maxAttempts: number;
  /**
   * Share of each delay drawn at random (0…1, default 1 = full jitter), so many clients that
   * lost the same server do not come back in step.
   */
  jitter?: number;
}

export const defaultRetryPolicy: RetryPolicy = Object.freeze({
  initialDelayMs: 100,
  maxDelayMs: 10_000,
  multiplier: 2,
  maxAttempts: 10,
});

/**
 * Delay before retry number `attempt` (1 = first retry): capped exponential, less up to `jitter`
 * of it at random. `random` is injectable for tests.
 */
export function backoffDelayMs(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.multiplier ** Math.max(0, attempt - 1));
  return Math.round(ceiling * (1 - (policy.jitter ?? 1) * random()));
}

/**
 * Run `fn` until it succeeds, `isRetryable` says no, the attempts run out, or `signal` aborts.
 * The last error is rethrown with the attempt count in its cause chain.
 */
export async function retry<T>(
  fn: (attempt: number) => Promise<T>,
  options: { policy?: RetryPolicy; isRetryable?: (error: unknown) => boolean; signal?: AbortSignal } = {},
): Promise<T> {
  const policy = options.policy ?? defaultRetryPolicy;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      const retryable = options.isRetryable?.(error) ?? true;
      if (!retryable || attempt >= policy.maxAttempts || options.signal?.aborted) throw error;
      await sleep(backoffDelayMs(policy, attempt), options.signal);
    }
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
