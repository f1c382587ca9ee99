/** The lists a number can be on. Registries are bulk-loaded; the rest are added one by one. */
export type DncListKind = 'registry' | 'internal' | 'opt_out' | 'refusal';

/** What the lists say about one number (for one campaign: its own entries plus global ones). */
export interface NumberListing {
  readonly onRegistry: boolean;
  readonly internalDnc: boolean;
  readonly optedOut: boolean;
  /** The latest refusal, if any. */
  readonly refusedAt?: number;
}

/**
 * When a refusal made at `refusedAt` stops locking the number: `null` never (a final refusal),
 * `undefined` when no applicable pack locks after a refusal. `lockMs` is a plan's `refusalLockMs`.
 */
export function refusalLockEnd(refusedAt: number, lockMs: number | null | undefined): number | null | undefined {
  if (lockMs === undefined) return undefined;
  return lockMs === null ? null : refusedAt + lockMs;
}

export interface DncMatch {
  readonly kinds: readonly DncListKind[];
  /** Set only when an open refusal lock with an end is all that bars the number. */
  readonly lockedUntil?: number;
}

/**
 * Whether a number is barred at `at`, and by which lists: any list at all, but a refusal only
 * while its lock is open. Undefined when nothing bars it.
 */
export function dncMatch(
  listing: NumberListing,
  refusalLockMs: number | null | undefined,
  at: number,
): DncMatch | undefined {
  const kinds: DncListKind[] = [];
  if (listing.onRegistry) kinds.push('registry');
  if (listing.internalDnc) kinds.push('internal');
  if (listing.optedOut) kinds.push('opt_out');
  const end = listing.refusedAt === undefined ? undefined : refusalLockEnd(listing.refusedAt, refusalLockMs);
  const refusalOpen = end === null || (end !== undefined && at < end);
  if (refusalOpen) kinds.push('refusal');
  if (kinds.length === 0) return undefined;
  return kinds.length === 1 && typeof end === 'number' ? { kinds, lockedUntil: end } : { kinds };
}
