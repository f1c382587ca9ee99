import { maskPhone } from '@outbound/phone/mask';
import { maskName, redactText } from '@outbound/telemetry';
import type { CleanLead, Rejection, RowNote } from '../../domain/clean.js';
import { newLeadId, writeLeadId } from '../../domain/ids.js';
import type { NumberType } from '../../domain/phone.js';
import { BLIND_INDEX_BYTES, dialString, type PiiCipher } from '../pii-cipher.js';
import { STAGING_COLUMNS, TAG_SEPARATOR, type CopyChunk, type StagingColumn } from './lead-staging.js';
import { LeadStatusCode, type StoredLead } from './leads-repo.js';
import type { RejectRecord } from './jobs-repo.js';

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
  // One number with different extensions reaches different people: each extension is its own lead.
  const dialed = dialString(lead.e164, lead.extension);
  const byExternalId = options.dedupByExternalId && lead.externalId;
  return {
    leadId: newLeadId(),
    listId: options.listId,
    externalId: lead.externalId || null,
    dedupKey: byExternalId
      ? cipher.blindIndex(dialed, lead.externalId)
      : lead.extension
        ? cipher.blindIndex(dialed)
        : phoneIndex,
    phoneIndex,
    pii: cipher.seal({ e164: lead.e164, extension: lead.extension, name: lead.name }),
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

/** Writes one column of a lead's staging row into the sealer's chunk. */
type FieldWriter = (sealer: ChunkSealer, lead: CleanLead) => void;

/**
 * Seals an import's leads straight into binary COPY rows (lead-staging's STAGING_COLUMNS, in that
 * order) as they are cleaned: the sealed bytes, blind indexes and id go into the chunk's buffer,
 * so neither the clean leads nor per-field strings outlive their row. The status is written
 * callable and corrected with markBarred once the chunk's numbers have been looked up.
 */
export class ChunkSealer {
  /** The chunk's numbers, for the do-not-call lookup (positions match markBarred's). */
  numbers: string[] = [];
  private statusAt: number[] = [];
  private readonly plain = Buffer.allocUnsafe(PLAIN_BYTES);

  /**
   * What each staging column holds: a writer per column, by name (the layout orders them). A
   * writer reserves its field before it reads `chunk.buf`: reserving may grow (replace) the buffer.
   */
  private static readonly writeColumn: Readonly<Record<StagingColumn, FieldWriter>> = {
    line: ({ chunk }, lead) => chunk.int32(lead.line),
    lead_id: ({ chunk }) => {
      const at = chunk.field(16);
      writeLeadId(chunk.buf, at);
    },
    external_id: ({ chunk }, lead) => chunk.text(lead.externalId || null),
    dedup_key: ({ chunk, cipher, options }, lead) => {
      const byExternalId = options.dedupByExternalId && lead.externalId;
      if (byExternalId || lead.extension) {
        const at = chunk.field(BLIND_INDEX_BYTES);
        const dialed = dialString(lead.e164, lead.extension);
        cipher.blindIndexInto(dialed, byExternalId ? lead.externalId : undefined, chunk.buf, at);
      } else chunk.null(); // dedup key = phone index
    },
    phone_index: ({ chunk, cipher }, lead) => {
      const at = chunk.field(BLIND_INDEX_BYTES);
      cipher.blindIndexInto(lead.e164, undefined, chunk.buf, at);
    },
    pii: ({ chunk, cipher, plain }, lead) => {
      // Names are at most MAX_FIELD_CHARS characters, so the plaintext always fits.
      const plainBytes = plain.write(dialString(lead.e164, lead.extension), 0, 'latin1');
      plain[plainBytes] = 0x0a;
      const length = plainBytes + 1 + plain.write(lead.name, plainBytes + 1, 'utf8');
      const at = chunk.field(cipher.sealedLength(length));
      cipher.sealInto(plain.subarray(0, length), chunk.buf, at);
    },
    number_type: ({ chunk }, lead) => chunk.int16(NUMBER_TYPE_CODE[lead.numberType]),
    country: ({ chunk }, lead) => chunk.text(lead.country),
    region: ({ chunk }, lead) => chunk.text(lead.region),
    time_zone: ({ chunk }, lead) => chunk.text(lead.timeZone),
    intent: ({ chunk }, lead) => chunk.text(lead.intent ?? null),
    order_value: ({ chunk }, lead) => chunk.text(lead.orderValue === undefined ? null : String(lead.orderValue)),
    tier: ({ chunk }, lead) => chunk.text(lead.tier),
    tags: ({ chunk }, lead) => chunk.text(lead.tags.length === 0 ? '' : lead.tags.join(TAG_SEPARATOR)),
    custom: ({ chunk }, lead) => chunk.text(JSON.stringify(lead.custom)),
    status: (sealer) => void sealer.statusAt.push(sealer.chunk.int16(LeadStatusCode.callable)),
  };

  /** The writers in row order. */
  private static readonly writers: readonly FieldWriter[] = STAGING_COLUMNS.map(
    ([column]) => ChunkSealer.writeColumn[column],
  );

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
    this.chunk.beginRow();
    for (const write of ChunkSealer.writers) write(this, lead);
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

const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/g;
const ESCAPES: Readonly<Record<string, string>> = { '\r': '\\r', '\n': '\\n', '\t': '\\t', '\u0000': '\\0' };
function visible(char: string): string {
  return ESCAPES[char] ?? `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`;
}

/** A report entry (a rejection, or a kept row's note) as it may be stored and shown: the value masked. */
export function maskReportEntry(
  entry: Rejection | (RowNote & { line: number }),
  kept: boolean,
  phoneColumn: string,
  nameColumn: string | undefined,
): RejectRecord {
  // Control characters shown as escapes: a report cell must not break lines or hide bytes.
  const value = entry.value.slice(0, 64).replace(CONTROL_CHARACTERS, visible);
  const maskedValue =
    entry.column === phoneColumn ? maskPhone(value) : entry.column === nameColumn ? maskName(value) : redactText(value);
  return { line: entry.line, column: entry.column, maskedValue, reason: entry.reason, kept };
}
