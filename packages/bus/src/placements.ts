// Where each attempt's call was placed, in a NATS KV bucket shared by media and the dialer: one
// entry per attempt, created once. Media claims the attempt (its call id and node) before it sends
// the originate; a dialer that adopts an attempt with no call id (its owner died between the
// compliance check and media's reply) voids it. KV `create` succeeds for one of the two only, so
// either the call was placed and the dialer learns where, or it never will be and the attempt can
// end at once: no waiting out the facts a dead owner may have left unacknowledged, and no late
// originate of an attempt already given up (its lead dialed twice).

import type { KV } from 'nats';
import type { Bus } from './bus.js';

/** Where media placed an attempt's call. */
export interface Placement {
  readonly callId: string;
  readonly node: string;
}

export interface CallPlacementsOptions {
  /** Bucket name; media and the dialer must use the same (CALL_PLACEMENTS_BUCKET). */
  bucket: string;
  /** Entries expire after this (default a day: longer than any call). */
  ttlMs?: number;
}

const DAY_MS = 24 * 3_600_000;
const VOID = 'void';

/** JetStream's "wrong last sequence": the entry exists already. */
function exists(error: unknown): boolean {
  const apiError = (error as { api_error?: { err_code?: number } }).api_error;
  return apiError?.err_code === 10071 || /wrong last sequence/i.test((error as Error).message ?? '');
}

export class CallPlacements {
  private constructor(private readonly kv: KV) {}

  static async open(bus: Bus, options: CallPlacementsOptions): Promise<CallPlacements> {
    const kv = await bus.connection.jetstream().views.kv(options.bucket, { ttl: options.ttlMs ?? DAY_MS, history: 1 });
    return new CallPlacements(kv);
  }

  /**
   * Media, before it places the call: `claimed`, or what the attempt already has (voided by its
   * dialer, or placed before: either way the call must not be placed).
   */
  async claim(attemptId: string, placement: Placement): Promise<'claimed' | 'voided' | Placement> {
    try {
      await this.kv.create(attemptId, encode(placement));
      return 'claimed';
    } catch (error) {
      if (!exists(error)) throw error;
      return this.existing(attemptId, error);
    }
  }

  /** The dialer, for an attempt it holds with no call: `voided` (never placed, and now never will be), or where it was placed. */
  async void(attemptId: string): Promise<'voided' | Placement> {
    try {
      await this.kv.create(attemptId, new TextEncoder().encode(VOID));
      return 'voided';
    } catch (error) {
      if (!exists(error)) throw error;
      return this.existing(attemptId, error);
    }
  }

  /**
   * Media, for a call it claimed and then did not place after all (its node refused it): the entry
   * becomes a void, so the dialer learns the attempt never went out. Another's entry is left as it is.
   */
  async release(attemptId: string, callId: string): Promise<void> {
    const entry = await this.kv.get(attemptId);
    if (!entry) return;
    const text = new TextDecoder().decode(entry.value);
    if (text === VOID || (JSON.parse(text) as Placement).callId !== callId) return;
    await this.kv.update(attemptId, new TextEncoder().encode(VOID), entry.revision);
  }

  private async existing(attemptId: string, cause: unknown): Promise<'voided' | Placement> {
    const entry = await this.kv.get(attemptId);
    if (!entry) throw new Error('call placement: the entry exists but cannot be read', { cause });
    const text = new TextDecoder().decode(entry.value);
    if (text === VOID) return 'voided';
    const placement = JSON.parse(text) as Placement;
    return { callId: placement.callId, node: placement.node };
  }
}

function encode(placement: Placement): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ callId: placement.callId, node: placement.node }));
}
