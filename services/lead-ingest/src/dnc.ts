import { UnavailableError } from '@outbound/errors';

/**
 * The seam to the do-not-call list. Compliance owns that list and checks it again at dial time;
 * at import a barred number is stored but kept out of callable leads.
 */
export interface DoNotCallList {
  /**
   * Positions (in `e164s`) of the numbers that must not be called. Throws
   * DoNotCallUnavailableError when the list cannot be asked: a caller must not treat that as
   * "nothing barred".
   */
  barred(e164s: readonly string[], campaignId: string, signal?: AbortSignal): Promise<ReadonlySet<number>>;
}

/** Used when no compliance service is configured: bars nothing (the service says so at start). */
export const noDoNotCallList: DoNotCallList = { barred: async () => new Set() };

/** The do-not-call list could not be asked (gRPC: UNAVAILABLE); the message is safe to show (no numbers). */
export class DoNotCallUnavailableError extends UnavailableError {}
