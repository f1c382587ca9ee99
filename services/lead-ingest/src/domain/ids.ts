import { randomBytes } from 'node:crypto';

// One randomBytes call per id costs more than building the id; a pool of fresh random bytes is as good.
const POOL_IDS = 4096;
let pool = Buffer.alloc(0);
let offset = 0;

function nextRandom(): Buffer {
  if (offset + 10 > pool.length) {
    pool = randomBytes(10 * POOL_IDS);
    offset = 0;
  }
  offset += 10;
  return pool.subarray(offset - 10, offset);
}

/**
 * UUIDv7 (RFC 9562): a millisecond timestamp then random bits. Time-ordered ids keep index
 * inserts at the right edge of the b-tree during bulk imports and make cursor pages stable.
 */
export function newLeadId(now: number = Date.now(), random: Buffer = nextRandom()): string {
  const bytes = Buffer.alloc(16);
  bytes.writeUIntBE(now, 0, 6);
  random.copy(bytes, 6, 0, 10);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** newLeadId() as its 16 bytes, written into `out` at `at` (bulk imports: no string per id). */
export function writeLeadId(out: Buffer, at: number, now: number = Date.now()): void {
  if (offset + 10 > pool.length) {
    pool = randomBytes(10 * POOL_IDS);
    offset = 0;
  }
  out.writeUIntBE(now, at, 6);
  pool.copy(out, at + 6, offset, offset + 10);
  offset += 10;
  out[at + 6] = (out[at + 6]! & 0x0f) | 0x70;
  out[at + 8] = (out[at + 8]! & 0x3f) | 0x80;
}
