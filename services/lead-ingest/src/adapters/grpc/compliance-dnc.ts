import { retry, type RetryPolicy } from '@outbound/errors';
import {
  ComplianceServiceClient,
  type FilterDoNotCallRequest,
  type FilterDoNotCallResponse,
} from '@outbound/proto/outbound/v1/compliance';
import { Metadata, Status, createClient, unary } from '@outbound/rpc';
import type { Meter } from '@outbound/telemetry';
import { DoNotCallUnavailableError, type DoNotCallList } from '../../use-cases/ports.js';

/** FilterDoNotCall takes at most this many numbers per call. */
export const FILTER_MAX_PHONES = 10_000;

export interface ComplianceDoNotCallOptions {
  /** Deadline of one attempt (10,000 numbers). */
  deadlineMs?: number;
  retryPolicy?: RetryPolicy;
  /** Where rpc.client.duration of its calls goes. */
  meter?: Meter;
}

// A short outage (compliance restarting, a pod moving) is ridden out; a longer one fails the import.
const DEFAULT_POLICY: RetryPolicy = Object.freeze({
  initialDelayMs: 200,
  maxDelayMs: 3_000,
  multiplier: 2,
  maxAttempts: 5,
});
const RETRYABLE: ReadonlySet<number> = new Set([
  Status.UNAVAILABLE,
  Status.DEADLINE_EXCEEDED,
  Status.RESOURCE_EXHAUSTED,
  Status.ABORTED,
]);

/** The do-not-call list as compliance's FilterDoNotCall answers it, in chunks of 10,000 numbers. */
export class ComplianceDoNotCallList implements DoNotCallList {
  private readonly client: ComplianceServiceClient;
  private readonly deadlineMs: number;
  private readonly policy: RetryPolicy;

  constructor(address: string, options: ComplianceDoNotCallOptions = {}) {
    this.deadlineMs = options.deadlineMs ?? 10_000;
    this.policy = options.retryPolicy ?? DEFAULT_POLICY;
    this.client = createClient(ComplianceServiceClient, address, {
      defaultDeadlineMs: this.deadlineMs,
      meter: options.meter,
    });
  }

  async barred(e164s: readonly string[], campaignId: string, signal?: AbortSignal): Promise<ReadonlySet<number>> {
    const barred = new Set<number>();
    for (let start = 0; start < e164s.length; start += FILTER_MAX_PHONES) {
      const request: FilterDoNotCallRequest = { phones: e164s.slice(start, start + FILTER_MAX_PHONES), campaignId };
      const { matches } = await this.filter(request, signal);
      for (const match of matches) {
        if (match.index < 0 || match.index >= request.phones.length)
          throw new DoNotCallUnavailableError(
            `compliance answered FilterDoNotCall with index ${match.index} outside the request`,
            { reason: 'DNC_BAD_ANSWER' },
          );
        barred.add(start + match.index);
      }
    }
    return barred;
  }

  close(): void {
    this.client.close();
  }

  private async filter(
    request: FilterDoNotCallRequest,
    signal: AbortSignal | undefined,
  ): Promise<FilterDoNotCallResponse> {
    let attempts = 0;
    try {
      return await retry(
        () => {
          attempts++;
          return unary<FilterDoNotCallRequest, FilterDoNotCallResponse>(
            this.client.filterDoNotCall,
            this.client,
            request,
            new Metadata(),
            { deadline: Date.now() + this.deadlineMs },
          );
        },
        {
          policy: this.policy,
          isRetryable: (error) => RETRYABLE.has((error as { code?: number }).code ?? -1),
          ...(signal ? { signal } : {}),
        },
      );
    } catch (cause) {
      // grpc-js details name the address and the failure, never the numbers sent.
      const code = (cause as { code?: number }).code;
      const status = code === undefined ? 'no status' : (Status[code] ?? String(code));
      throw new DoNotCallUnavailableError(
        `compliance could not check the numbers against the do-not-call list (FilterDoNotCall: ${status} after ${attempts} attempt${attempts === 1 ? '' : 's'})`,
        { reason: 'DNC_UNAVAILABLE', cause },
      );
    }
  }
}
