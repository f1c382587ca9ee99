import { maskName, maskPhone, redactText } from '@outbound/telemetry';
import type { CleanLead, Rejection } from './domain/clean.js';
import { newLeadId } from './domain/ids.js';
import type { NumberType } from './domain/phone.js';
import type { PiiCipher } from './adapters/pii-cipher.js';
import { copyLine } from './adapters/sql/lead-staging.js';
import { LeadStatusCode, type StoredLead } from './adapters/sql/leads-repo.js';
import type { RejectRecord } from './adapters/sql/jobs-repo.js';

/** Number types as stored; they match outbound.v1.NumberType. */
export const NUMBER_TYPE_CODE: Readonly<Record<NumberType, number>> = { mobile: 1, fixed_line: 2, toll_free: 3, voip: 4, other: 5 };

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

/** Where the leads of one import chunk go, for sealChunk. */
export interface ChunkOptions {
  listId: string;
  importJobId: string;
  dedupByExternalId: boolean;
}

/**
 * Seal a chunk of an import straight into COPY text (lead-staging's format): the sealed buffers
 * die young instead of waiting, promoted, for the chunk's turn to be stored (that kept peak RSS
 * near 512 MB). `barred` holds the positions of do-not-call numbers.
 */
export function sealChunk(cipher: PiiCipher, leads: readonly CleanLead[], options: ChunkOptions, barred: ReadonlySet<number>): string {
  let text = '';
  for (let i = 0; i < leads.length; i++) {
    const lead = leads[i]!;
    text += copyLine(protect(cipher, lead, { ...options, doNotCall: barred.has(i) }), lead.line);
  }
  return text;
}

/** A rejection as it may be stored and shown: the offending value masked. */
export function maskRejection(rejection: Rejection, phoneColumn: string, nameColumn: string | undefined): RejectRecord {
  const value = rejection.value.slice(0, 64);
  const maskedValue = rejection.column === phoneColumn ? maskPhone(value) : rejection.column === nameColumn ? maskName(value) : redactText(value);
  return { line: rejection.line, column: rejection.column, maskedValue, reason: rejection.reason };
}
