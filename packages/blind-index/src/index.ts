import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';

/**
 * Bytes kept of the HMAC: collisions stay out of reach (2^-64 at four billion numbers) and the
 * unique indexes probed on every imported lead are half the size.
 */
export const BLIND_INDEX_BYTES = 16;
/** Bytes of the key (`BLIND_INDEX_KEY`, base64). */
export const BLIND_INDEX_KEY_BYTES = 32;

const BASE64_KEY = /^[A-Za-z0-9+/]{43}=$/;

/**
 * The key from its configured form (32 bytes in base64, `openssl rand -base64 32`), or undefined
 * when the text is not one. Never echoes the text: it is a secret.
 */
export function parseBlindIndexKey(text: string): Buffer | undefined {
  if (!BASE64_KEY.test(text)) return undefined;
  const key = Buffer.from(text, 'base64');
  return key.length === BLIND_INDEX_KEY_BYTES ? key : undefined;
}

/**
 * The platform's blind index of a phone number: HMAC-SHA256(BLIND_INDEX_KEY, E.164), first
 * BLIND_INDEX_BYTES bytes. Every service that names a number to another one (events, shared
 * tables) names it by this index under the same key, so equal numbers match across services while
 * the number itself never travels. lead-ingest stores it as `phone_index`; compliance publishes it
 * in `compliance.dnc_added`. The input must already be E.164 (one normalisation, the caller's).
 *
 * A `qualifier` hashes `E.164 \0 qualifier` instead: a different index for the same number (e.g.
 * lead-ingest's dedup key by number and external id), never equal to the number's own.
 */
export class BlindIndexer {
  // A KeyObject: createHmac takes it without copying the key on every number.
  private readonly key: KeyObject;

  constructor(key: Buffer) {
    if (key.length !== BLIND_INDEX_KEY_BYTES)
      throw new RangeError(`a blind-index key is ${BLIND_INDEX_KEY_BYTES} bytes`);
    this.key = createSecretKey(key);
  }

  /** The index written into `out` at `at` (BLIND_INDEX_BYTES bytes). */
  into(e164: string, out: Buffer, at: number, qualifier?: string): void {
    const mac = createHmac('sha256', this.key).update(e164);
    if (qualifier !== undefined) mac.update(`\u0000${qualifier}`);
    mac.digest().copy(out, at, 0, BLIND_INDEX_BYTES);
  }

  of(e164: string, qualifier?: string): Buffer {
    const index = Buffer.allocUnsafe(BLIND_INDEX_BYTES);
    this.into(e164, index, 0, qualifier);
    return index;
  }

  /** The index as lower-case hex (what events carry). */
  hex(e164: string): string {
    return this.of(e164).toString('hex');
  }
}

/** An index as events carry it: BLIND_INDEX_BYTES bytes in lower-case hex. */
export const BLIND_INDEX_HEX = /^[0-9a-f]{32}$/;

/** The index bytes of an event's hex, or undefined when it is not one. */
export function blindIndexFromHex(hex: string): Buffer | undefined {
  return BLIND_INDEX_HEX.test(hex) ? Buffer.from(hex, 'hex') : undefined;
}
