/**
 * The seam to the do-not-call list. Compliance owns that list and checks it again at dial time;
 * at import a barred number is stored but kept out of callable leads. Until compliance offers a
 * batch lookup, `noDoNotCallList` bars nothing.
 */
export interface DoNotCallList {
  /** The subset of these E.164 numbers that must not be called. */
  barred(e164s: readonly string[]): Promise<ReadonlySet<string>>;
}

export const noDoNotCallList: DoNotCallList = { barred: async () => new Set() };
