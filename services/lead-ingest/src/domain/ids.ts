import { randomBytes } from 'node:crypto';

// One randomBytes call per id costs more than building the id; a pool of fresh random bytes is as good.
const POOL_IDS = 4096;

/** The form of a lead id (any UUID): what the API and the events must name a lead with. */
export const LEAD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const RANDOM_BYTES = 8;
let pool = Buffer.alloc(0);
let offset = 0;
let lastMs = 0;
let sequence = 0;

/**
 * UUIDv7 (RFC 9562) with a 12-bit counter after the millisecond timestamp (its "method 1"): ids
 * made by this process sort in the order they were made, also within one millisecond, so cursor
 * pages list leads in creation order; index inserts stay at the right edge of the b-tree during
 * bulk imports. A clock that steps back, or more than 4096 ids in a millisecond, borrow the next
 * millisecond instead of breaking the order.
 */
export function writeLeadId(out: Buffer, at: number, now: number = Date.now()): void {
  if (now > lastMs) {
    lastMs = now;
    sequence = 0;
  } else if (++sequence > 0xfff) {
    lastMs++;
    sequence = 0;
  }
  if (offset + RANDOM_BYTES > pool.length) {
    pool = randomBytes(RANDOM_BYTES * POOL_IDS);
    offset = 0;
  }
  out.writeUIntBE(lastMs, at, 6);
  out[at + 6] = 0x70 | (sequence >> 8);
  out[at + 7] = sequence & 0xff;
  pool.copy(out, at + 8, offset, offset + RANDOM_BYTES);
  offset += RANDOM_BYTES;
  out[at + 8] = (out[at + 8]! & 0x3f) | 0x80;
}

/** writeLeadId() as a UUID string. */
export function newLeadId(now: number = Date.now()): string {
  const bytes = Buffer.allocUnsafe(16);
  writeLeadId(bytes, 0, now);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
