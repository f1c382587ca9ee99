import { IANAZone } from 'luxon';
import { z } from 'zod';

// Request schemas at the gRPC edge. Messages describe the rule and never echo the value.

const E164 = /^\+[1-9]\d{6,14}$/;
const E164_RULE = 'must be an E.164 number such as +8613800138000';
export const e164 = z.string().regex(E164, E164_RULE);
/** Ids end up in Redis keys and NATS subjects, so they are limited to subject-safe characters. */
export const id = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'must be 1–128 characters of A–Z, a–z, 0–9, _ or -');
const text = (max: number) => z.string().min(1, 'is required').max(max, `must be at most ${max} characters`);
export const timestamp = z.object({
  seconds: z.number().int().min(0).max(253402300799),
  nanos: z.number().int().min(0).max(999_999_999),
});
// Zone validation builds an Intl formatter; leads reuse a few hundred zones, so remember them.
const knownZones = new Map<string, boolean>();
function isZone(value: string): boolean {
  let valid = knownZones.get(value);
  if (valid === undefined) {
    valid = IANAZone.isValidZone(value);
    if (knownZones.size < 10_000) knownZones.set(value, valid);
  }
  return valid;
}
const zone = z
  .string()
  .refine((value) => value === '' || isZone(value), 'must be an IANA time zone such as Asia/Shanghai');

export const dialCheck = z.object({
  campaignId: id,
  leadId: id,
  phone: e164,
  callerId: e164,
  at: timestamp.optional(),
  timeZoneOverride: zone,
});

export const checkDialRequest = z.object({ check: dialCheck });
export const checkDialBatchRequest = z.object({
  checks: z.array(dialCheck).min(1, 'must hold at least one check').max(1000, 'must hold at most 1000 checks'),
});

export const addDoNotCallRequest = z.object({
  phone: e164,
  source: text(200),
  campaignId: z.union([z.literal(''), id]),
  kind: z
    .number()
    .int()
    .refine((kind) => kind !== 4, 'registries are loaded with BulkLoadDoNotCall')
    .refine((kind) => kind === 4 || (kind >= 1 && kind <= 3), 'must be INTERNAL, REFUSAL or OPT_OUT'),
  actor: text(200),
});

/** Bad numbers named in one answer: enough to find the fault, small enough for the status trailer. */
const MAX_REPORTED_PHONES = 20;

export const filterDoNotCallRequest = z.object({
  phones: z
    .array(z.string())
    .max(10_000, 'must hold at most 10000 numbers')
    .superRefine((phones, ctx) => {
      let reported = 0;
      for (let i = 0; i < phones.length && reported < MAX_REPORTED_PHONES; i++) {
        if (E164.test(phones[i]!)) continue;
        ctx.addIssue({ code: 'custom', path: [i], message: E164_RULE });
        reported++;
      }
    }),
  campaignId: z.union([z.literal(''), id]),
});

export const bulkLoadChunk = z.object({
  registry: id,
  phones: z
    .array(z.string().max(32, 'must be at most 32 characters'))
    .max(100_000, 'must hold at most 100000 numbers per chunk'),
  actor: text(200),
});

export const recordConsentRequest = z.object({ phone: e164, campaignId: id, source: text(200), givenAt: timestamp });
export const listConsentsRequest = z.object({ phone: e164, campaignId: z.union([z.literal(''), id]) });

export const setCampaignPolicyRequest = (packNames: readonly string[]) =>
  z.object({
    campaignId: id,
    rulePacks: z
      .array(z.string().refine((name) => packNames.includes(name), `must be one of ${packNames.join(', ')}`))
      .max(20),
    requireConsent: z.boolean(),
    marketing: z.boolean(),
    industry: z
      .string()
      .max(64)
      .regex(/^[a-z_]*$/, 'must be lower-case letters or _'),
    agentGuaranteed: z.boolean(),
    officialCallerIds: z.array(e164).max(1000),
    actor: text(200),
  });

export const campaignRequest = z.object({ campaignId: id });
export const listDecisionsRequest = z.object({
  phone: e164,
  limit: z.number().int().min(0).max(200, 'must be at most 200'),
});

export const scanTranscriptRequest = z.object({
  industry: z
    .string()
    .min(1, 'is required')
    .max(64)
    .regex(/^[a-z_]+$/, 'must be lower-case letters or _'),
  text: z.string().max(200_000, 'must be at most 200000 characters'),
  attempt: z.object({ campaignId: id, leadId: id, attemptId: id }).optional(),
});

/** UUIDs (lead, attempt, job ids) may hold long runs of digits and hyphens; they are ids, not numbers. */
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
/** ISO 8601 dates and times (a retention date, a purge time) are dates, not numbers. */
const ISO_DATE = /\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b/g;
/** A phone-like digit run: audit rows name targets by id, never by number. */
const noPhone = (value: string) => !/\+?\d[\d\s-]{6,}\d/.test(value.replace(UUID, ' ').replace(ISO_DATE, ' '));

export const recordAuditRequest = z.object({
  actor: text(200).refine(noPhone, 'must not contain a phone number'),
  action: z.string().regex(/^[a-z_]{1,64}$/, 'must be a lower-case verb such as exported'),
  target: text(200).refine(noPhone, 'must not contain a phone number'),
  details: z.record(z.string().max(64), z.string().max(1000).refine(noPhone, 'must not contain a phone number')),
  service: z.string().regex(/^[a-z-]{1,64}$/, 'must be a service name'),
});

export const listAuditRequest = z.object({
  actor: z.string().max(200),
  target: z.string().max(200),
  afterSeq: z.number().int().min(0),
  limit: z.number().int().min(0).max(1000, 'must be at most 1000'),
});
