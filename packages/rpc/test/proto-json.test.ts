import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from '@outbound/errors';
import { readProtoJson } from '../src/index.js';

function refusal(typeName: string, json: unknown): Array<[string, string]> {
  try {
    readProtoJson(typeName, json);
  } catch (error) {
    assert.ok(error instanceof InvalidArgumentError);
    return error.violations.map((v) => [v.field, v.description]);
  }
  return assert.fail('expected INVALID_ARGUMENT');
}

test('both JSON names and proto names, at every level, land on the generated names', () => {
  assert.deepEqual(
    readProtoJson('outbound.v1.UpsertLeadsRequest', {
      list_id: 'L1',
      defaultRegion: 'CN',
      leads: [
        { external_id: 'a', phone: '1', custom_fields: { some_key: 'kept as given' }, order_value: '9' },
        { externalId: 'b', phone: '2', customFields: {}, orderValue: '8', tags: ['x'] },
      ],
    }),
    {
      listId: 'L1',
      defaultRegion: 'CN',
      leads: [
        { externalId: 'a', phone: '1', customFields: { some_key: 'kept as given' }, orderValue: '9' },
        { externalId: 'b', phone: '2', customFields: {}, orderValue: '8', tags: ['x'] },
      ],
    },
  );
});

test('null means unset; values are left for the schema to judge', () => {
  assert.deepEqual(readProtoJson('outbound.v1.UpsertLeadsRequest', { listId: 7, leads: null, default_region: null }), {
    listId: 7,
  });
  assert.equal(readProtoJson('outbound.v1.UpsertLeadsRequest', 'not an object'), 'not an object');
});

test('unknown fields are refused by path, in proto names where known', () => {
  assert.deepEqual(
    refusal('outbound.v1.UpsertLeadsRequest', {
      listId: 'L1',
      leads: [{ phone: '1' }, { phone: '2', phoneType: 'm' }],
      Leads: [],
    }),
    [
      ['leads[1].phoneType', 'is not a field of outbound.v1.LeadInput'],
      ['Leads', 'is not a field of outbound.v1.UpsertLeadsRequest'],
    ],
  );
});

test('map values that are messages are read too, named by key', () => {
  assert.deepEqual(
    refusal('grpc.health.v1.HealthListResponse', { statuses: { 'outbound.v1.LeadService': { status: 1, since: 0 } } }),
    [['statuses["outbound.v1.LeadService"].since', 'is not a field of grpc.health.v1.HealthCheckResponse']],
  );
});

test('one field under both names is refused', () => {
  assert.deepEqual(refusal('outbound.v1.UpsertLeadsRequest', { listId: 'a', list_id: 'a' }), [
    ['list_id', 'is given twice (as listId and list_id)'],
  ]);
});

test('well-known types keep their own JSON form', () => {
  assert.deepEqual(
    readProtoJson('outbound.v1.RecordConsentRequest', { given_at: { seconds: 1, nanos: 0 }, campaign_id: 'c' }),
    { givenAt: { seconds: 1, nanos: 0 }, campaignId: 'c' },
  );
});
