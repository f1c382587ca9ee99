import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { InvalidArgumentError, type FieldViolation } from '@outbound/errors';
import { protoFieldName, validateRequest } from '../src/index.js';

const token = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'must be 1-128 letters, digits, _ or -');
const schema = z.object({
  campaignId: z.union([z.literal(''), token]),
  listId: token,
  maxAttempts: z.number().int().min(1).max(100),
  leads: z
    .array(
      z.strictObject({
        phoneNumber: z.string().min(1),
        customFields: z.record(z.string().max(20), z.string().max(5)).default({}),
        tags: z.array(z.string().max(3)).max(2).default([]),
      }),
    )
    .min(1)
    .max(3),
  page: z.object({ pageToken: z.string().uuid() }).optional(),
  mode: z.enum(['preview', 'predictive']).optional(),
});

function violations(request: unknown): FieldViolation[] {
  try {
    validateRequest(schema, request);
  } catch (error) {
    assert.ok(error instanceof InvalidArgumentError);
    return error.violations.map(({ field, description }) => ({ field, description }));
  }
  return [];
}

const valid = { campaignId: '', listId: 'L1', maxAttempts: 3, leads: [{ phoneNumber: '+8613800138000' }] };

const cases: Array<{ name: string; change: Record<string, unknown>; expect: FieldViolation[] }> = [
  { name: 'a valid request', change: {}, expect: [] },
  {
    name: 'a union names the branch that says what is wrong',
    change: { campaignId: 'not an id!' },
    expect: [{ field: 'campaign_id', description: 'must be 1-128 letters, digits, _ or -' }],
  },
  {
    name: 'a missing field is required',
    change: { listId: undefined },
    expect: [{ field: 'list_id', description: 'is required' }],
  },
  {
    name: 'a wrong type says what it must be',
    change: { maxAttempts: 'three' },
    expect: [{ field: 'max_attempts', description: 'must be a number' }],
  },
  {
    name: 'integers and ranges',
    change: { maxAttempts: 1.5 },
    expect: [{ field: 'max_attempts', description: 'must be a whole number' }],
  },
  {
    name: 'a range',
    change: { maxAttempts: 101 },
    expect: [{ field: 'max_attempts', description: 'must be at most 100' }],
  },
  {
    name: 'list items by index, nested fields by proto name',
    change: { leads: [{ phoneNumber: '1' }, { phoneNumber: '' }] },
    expect: [{ field: 'leads[1].phone_number', description: 'must not be empty' }],
  },
  {
    name: 'map values by key',
    change: { leads: [{ phoneNumber: '1', customFields: { favouriteColour: 'turquoise' } }] },
    expect: [{ field: 'leads[0].custom_fields["favouriteColour"]', description: 'must hold at most 5 characters' }],
  },
  {
    name: 'list sizes',
    change: { leads: [] },
    expect: [{ field: 'leads', description: 'must hold at least one item' }],
  },
  {
    name: 'nested list sizes',
    change: { leads: [{ phoneNumber: '1', tags: ['a', 'b', 'c'] }] },
    expect: [{ field: 'leads[0].tags', description: 'must hold at most 2 items' }],
  },
  {
    name: 'unknown fields of a strict message, one violation each',
    change: { leads: [{ phoneNumber: '1', phoneType: 'mobile', extra: 1 }] },
    expect: [
      { field: 'leads[0].phone_type', description: 'is not a field of this message' },
      { field: 'leads[0].extra', description: 'is not a field of this message' },
    ],
  },
  {
    name: 'formats',
    change: { page: { pageToken: 'nope' } },
    expect: [{ field: 'page.page_token', description: 'must be a UUID' }],
  },
  {
    name: 'enumerations',
    change: { mode: 'manual' },
    expect: [{ field: 'mode', description: 'must be one of "preview", "predictive"' }],
  },
];

for (const c of cases)
  test(`validateRequest: ${c.name}`, () => {
    assert.deepEqual(violations({ ...valid, ...c.change }), c.expect);
  });

test('messages never echo the value given', () => {
  const secret = '+8613800138000-secret';
  const all = violations({ ...valid, campaignId: secret, listId: secret, leads: [{ phoneNumber: 7, x: secret }] });
  assert.ok(all.length >= 3);
  for (const v of all) assert.ok(!v.description.includes('secret'), v.description);
});

test('protoFieldName reverses ts-proto camelCase', () => {
  assert.deepEqual(['campaignId', 'leads', 'maxAttemptsPerLead', 'e164'].map(protoFieldName), [
    'campaign_id',
    'leads',
    'max_attempts_per_lead',
    'e164',
  ]);
});
