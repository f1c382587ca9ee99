import { maskName, maskPhone, redactText } from '@outbound/telemetry';
import type { CleanLead, Rejection } from './domain/clean.js';
import { newLeadId, writeLeadId } from './domain/ids.js';
import type { NumberType } from './domain/phone.js';
import { BLIND_INDEX_BYTES, type PiiCipher } from './adapters/pii-cipher.js';
import { TAG_SEPARATOR, type CopyChunk } from './adapters/sql/lead-staging.js';
import { LeadStatusCode, type StoredLead } from './adapters/sql/leads-repo.js';
import type { RejectRecord } from './adapters/sql/jobs-repo.js';

/** Number types as stored; they match outbound.v1.NumberType. */
export const NUMBER_TYPE_CODE: Readonly<Record<NumberType, number>> = {
  mobile: 1,
  fixed_line: 2,
  toll_free: 3,
  voip: 4,
  other: 5,
};

export interface ProtectOptions {
  listId: string;
  importJobId: string | null;
  dedupByExternalId: boolean;
  doNotCall: boolean;
}

/** Seal a clean lead for storage: the number and name leave this function only encrypted or hashed. */
export function protect(cipher: PiiCipher, lead: CleanLead, options: ProtectOptions): StoredLead {
  const phoneIndex = cipher.blindIndex(lead.e164);
  return {
    leadId: newLeadId(),
    listId: options.listId,
    externalId: lead.externalId || null,
    dedupKey: options.dedupByExternalId && lead.externalId ? cipher.blindIndex(lead.e164, lead.externalId) : phoneIndex,
    phoneIndex,
    pii: cipher.seal({ e164: lead.e164, name: lead.name }),
    numberType: NUMBER_TYPE_CODE[lead.numberType],
    country: lead.country,
    region: lead.region,
    timeZone: lead.timeZone,
    intent: lead.intent ?? null,
    orderValue: lead.orderValue ?? null,
    tier: lead.tier,
    tags: lead.tags,
    custom: lead.custom,
    status: options.doNotCall ? LeadStatusCode.doNotCall : LeadStatusCode.callable,
    importJobId: options.importJobId,
  };
}

/** Where the leads of one import go, for ChunkSealer. */
export interface ChunkOptions {
  dedupByExternalId: boolean;
}

const PLAIN_BYTES = 64 * 1024;

/**
 * Seals an import's leads straight into binary COPY rows (lead-staging's layout) as they are
 * cleaned: the sealed bytes, blind indexes and id go into the chunk's buffer, so neither the clean
 * leads nor per-field strings outlive their row. The status is written callable and corrected
 * with markBarred once the chunk's numbers have been looked up.
 */
export class ChunkSealer {
  /** The chunk's numbers, for the do-not-call lookup (positions match markBarred's). */
  numbers: string[] = [];
  private statusAt: number[] = [];
  private readonly plain = Buffer.allocUnsafe(PLAIN_BYTES);

  constructor(
    private readonly cipher: PiiCipher,
    private readonly options: ChunkOptions,
    public chunk: CopyChunk,
  ) {}

  /** Start a new chunk in `chunk` (the previous one must be stored by now). */
  reset(chunk: CopyChunk): void {
    this.chunk = chunk;
    chunk.reset();
    this.numbers = [];
    this.statusAt = [];
  }

  get rows(): number {
    return this.chunk.rows;
  }

  add(lead: CleanLead): void {
    const { cipher, chunk } = this;
    chunk.beginRow();
    chunk.int32(lead.line);
    writeLeadId(chunk.buf, chunk.field(16));
    chunk.text(lead.externalId || null);
    if (this.options.dedupByExternalId && lead.externalId)
      cipher.blindIndexInto(lead.e164, lead.externalId, chunk.buf, chunk.field(BLIND_INDEX_BYTES));
    else chunk.null(); // dedup key = phone index
    cipher.blindIndexInto(lead.e164, undefined, chunk.buf, chunk.field(BLIND_INDEX_BYTES));
    // Names are at most MAX_FIELD_CHARS characters, so the plaintext always fits.
    const plainBytes = this.plain.write(lead.e164, 0, 'latin1');
    this.plain[plainBytes] = 0x0a;
    const length = plainBytes + 1 + this.plain.write(lead.name, plainBytes + 1, 'utf8');
    const sealedLength = cipher.sealedLength(length);
    cipher.sealInto(this.plain.subarray(0, length), chunk.buf, chunk.field(sealedLength));
    chunk.int16(NUMBER_TYPE_CODE[lead.numberType]);
    chunk.text(lead.country);
    chunk.text(lead.region);
    chunk.text(lead.timeZone);
    chunk.text(lead.intent ?? null);
    chunk.text(lead.orderValue === undefined ? null : String(lead.orderValue));
    chunk.text(lead.tier);
    chunk.text(lead.tags.length === 0 ? '' : lead.tags.join(TAG_SEPARATOR));
    chunk.text(JSON.stringify(lead.custom));
    this.statusAt.push(chunk.int16(LeadStatusCode.callable));
    this.numbers.push(lead.e164);
  }

  /** Mark the leads at these positions do-not-call. */
  markBarred(barred: ReadonlySet<number>): void {
    for (const i of barred) {
      const at = this.statusAt[i];
      if (at === undefined) throw new RangeError(`no lead ${i} in this chunk`);
      this.chunk.buf.writeInt16BE(LeadStatusCode.doNotCall, at);
    }
  }
}

/** A rejection as it may be stored and shown: the offending value masked. */
export function maskRejection(rejection: Rejection, phoneColumn: string, nameColumn: string | undefined): RejectRecord {
  const value = rejection.value.slice(0, 64);
  const maskedValue =
    rejection.column === phoneColumn
      ? maskPhone(value)
      : rejection.column === nameColumn
        ? maskName(value)
        : redactText(value);
  return { line: rejection.line, column: rejection.column, maskedValue, reason: rejection.reason };
}
