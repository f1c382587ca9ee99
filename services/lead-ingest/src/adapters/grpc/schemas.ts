import { z } from 'zod';
import { ENCODINGS } from '../readers/index.js';
import { isCountryCode } from '../../domain/phone.js';
import { LEAD_ID } from '../../domain/ids.js';
import { parseTarget } from '../../domain/fields.js';

// Ids travel in NATS subjects, so they follow the subject-token rule.
const token = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'must be 1-128 letters, digits, _ or -');
const region = z.string().refine((v) => v === '' || isCountryCode(v), 'must be an ISO 3166 country code such as CN');
const uuid = z.string().regex(LEAD_ID, 'must be a lead id (UUID)');

export const importHeaderSchema = z.object({
  listId: token,
  campaignId: z.union([z.literal(''), token]),
  defaultRegion: region,
  format: z.enum(['', 'csv', 'xlsx', 'jsonl'], { error: 'must be csv, xlsx or jsonl' }),
  fileName: z.string().max(255),
  columnMapping: z.record(
    z.string().max(200),
    z
      .string()
      .max(200)
      .refine((target) => parseTarget(target) !== undefined, 'must be a lead field, custom.<name> or ignore'),
  ),
  encoding: z.union([z.literal(''), z.enum(ENCODINGS, { error: `must be one of ${ENCODINGS.join(', ')}` })]),
  sheetName: z.string().max(100),
  jobId: z.union([z.literal(''), token]),
  delimiter: z.string().max(1, 'must be one character'),
  dedupByExternalId: z.boolean(),
});

export const jobIdSchema = z.object({ jobId: token });

// Optional fields default to empty: gRPC always sends them, JSON over HTTP may leave them out.
const leadInput = z.object({
  externalId: z.string().min(1, 'is required for upserts').max(200),
  phone: z.string().min(1, 'is required').max(64),
  name: z.string().max(200).default(''),
  region: z.string().max(100).default(''),
  tags: z.array(z.string().max(100)).max(100).default([]),
  customFields: z.record(z.string().max(100), z.string().max(1000)).default({}),
  intent: z.string().max(20).default(''),
  orderValue: z.string().max(40).default(''),
});

export const upsertSchema = z.object({
  listId: token,
  defaultRegion: region.default(''),
  leads: z.array(leadInput).min(1, 'must hold at least one lead').max(1000, 'must hold at most 1000 leads'),
});

export const getLeadSchema = z.object({ leadId: uuid });

export const listLeadsSchema = z.object({
  listId: token,
  tier: z.string().max(32),
  tags: z.array(z.string().max(100)).max(20),
  region: z.string().max(100),
  status: z.number().int().min(0).max(4),
  intent: z.union([z.literal(''), z.enum(['high', 'medium', 'low'])]),
  customFields: z
    .record(z.string().min(1).max(100), z.string().max(1000))
    .refine((fields) => Object.keys(fields).length <= 10, 'must hold at most 10 fields')
    .default({}),
  page: z
    .object({
      pageSize: z.number().int().min(0).max(1000, 'must be at most 1000'),
      pageToken: z.union([z.literal(''), uuid.transform((v) => v)]),
    })
    .optional(),
});
