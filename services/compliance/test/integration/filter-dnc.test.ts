import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ServiceError } from '@grpc/grpc-js';
import {
  DoNotCallKind,
  type DialCheck,
  type DoNotCallMatch,
  type FilterDoNotCallRequest,
} from '@outbound/proto/outbound/v1/compliance';
import { Keyspace, createRedis } from '@outbound/redis';
import { Metadata, Status, statusDetails, unary } from '@outbound/rpc';
import { testUrls, uniqueName, waitFor } from '@outbound/testkit';
import { DialStateStore } from '../../src/adapters/redis/dial-state.js';
import { BlindIndex } from '../../src/domain/blind.js';
import { blindIndexSecret, middayZone, startHarness, type Harness } from './harness.js';

const {
  DO_NOT_CALL_KIND_INTERNAL: INTERNAL,
  DO_NOT_CALL_KIND_OPT_OUT: OPT_OUT,
  DO_NOT_CALL_KIND_REFUSAL: REFUSAL,
  DO_NOT_CALL_KIND_REGISTRY: REGISTRY,
} = DoNotCallKind;
const DAY = 86_400_000;

let h: Harness;
const redis = createRedis({ url: testUrls.redis, name: 'filter-dnc-test' });
const blind = new BlindIndex(blindIndexSecret);
/** The app's own Redis state, to plant refusals made long ago. */
let state: DialStateStore;
let keys: Keyspace;
before(async () => {
  h = await startHarness();
  keys = new Keyspace('compliance', h.schema);
  state = new DialStateStore(redis, keys);
});
after(async () => {
  await h.close();
  redis.disconnect();
});

let serial = 0;
/** A fresh London number per call (tests never share list entries). */
function londonNumber(): string {
  serial++;
  return `+4420794${String(Math.floor(Math.random() * 90_000) + 10_000 + serial).slice(-5)}`;
}

function filter(phones: string[], campaignId = ''): Promise<DoNotCallMatch[]> {
  return unary(
    h.client.filterDoNotCall,
    h.client,
    { phones, campaignId } satisfies FilterDoNotCallRequest,
    new Metadata(),
  ).then((r) => r.matches);
}

async function add(phone: string, kind: DoNotCallKind, campaignId = ''): Promise<number | undefined> {
  const r = await unary(
    h.client.addDoNotCall,
    h.client,
    { phone, source: 'test', campaignId, kind, actor: 'agent-7' },
    new Metadata(),
  );
  return r.lockedUntil ? r.lockedUntil.seconds * 1000 + Math.floor(r.lockedUntil.nanos / 1e6) : undefined;
}

function bulkLoad(registry: string, phones: string[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const call = h.client.bulkLoadDoNotCall(new Metadata(), (error, response) =>
      error ? reject(error) : resolve(response),
    );
    call.write({ registry, phones, actor: 'ops' });
    call.end();
  });
}

function dialCheck(phone: string, overrides: Partial<DialCheck> = {}): DialCheck {
  return {
    campaignId: uniqueName('c'),
    leadId: uniqueName('l'),
    phone,
    callerId: londonNumber(),
    at: undefined,
    timeZoneOverride: middayZone(),
    ...overrides,
  };
}

test('filter: each list is reported by kind and index, clean numbers are left out', async () => {
  const [clean, registered, internal, optedOut, refused] = [
    londonNumber(),
    londonNumber(),
    londonNumber(),
    londonNumber(),
    londonNumber(),
  ];
  await bulkLoad(uniqueName('reg'), [registered]);
  await add(internal, INTERNAL);
  await add(optedOut, OPT_OUT);
  const lockEnd = await add(refused, REFUSAL);
  const matches = await filter([clean, registered, internal, optedOut, refused]);
  assert.deepEqual(
    matches.map((m) => [m.index, m.kinds]),
    [
      [1, [REGISTRY]],
      [2, [INTERNAL]],
      [3, [OPT_OUT]],
      [4, [REFUSAL]],
    ],
  );
  assert.equal(matches[0]!.lockedUntil, undefined);
  // A refusal alone: when its lock ends (BASE: 90 days), the same instant AddDoNotCall reported.
  const until = matches[3]!.lockedUntil!;
  assert.ok(
    lockEnd !== undefined && Math.abs(until.seconds * 1000 - lockEnd) < 5_000,
    'lock end as AddDoNotCall reported',
  );
});

test('filter: a number on several lists names them all; a refusal beside a list gives no lock end', async () => {
  const phone = londonNumber();
  await bulkLoad(uniqueName('reg'), [phone]);
  await add(phone, INTERNAL);
  await add(phone, REFUSAL);
  const [match] = await filter([phone]);
  assert.deepEqual([...match!.kinds].sort(), [INTERNAL, REFUSAL, REGISTRY].sort());
  assert.equal(match!.lockedUntil, undefined);
});

test('filter: an expired refusal no longer bars; a final one (CN) bars with no end', async () => {
  const expired = londonNumber();
  const chinese = `+86138${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
  const longAgo = String(Date.now() - 100 * DAY);
  await state.markNumber(blind.hex(expired), 'refusedAt', longAgo);
  await state.markNumber(blind.hex(chinese), 'refusedAt', longAgo);
  const matches = await filter([expired, chinese]);
  assert.deepEqual(
    matches.map((m) => [m.index, m.kinds, m.lockedUntil]),
    [[1, [REFUSAL], undefined]],
  );
});

test('filter: campaign entries apply only to their campaign, as they do for CheckDial', async () => {
  const campaignId = uniqueName('c');
  const phone = londonNumber();
  await add(phone, INTERNAL, campaignId);
  assert.deepEqual(
    (await filter([phone], campaignId)).map((m) => m.kinds),
    [[INTERNAL]],
  );
  assert.deepEqual(await filter([phone]), [], 'not an entry for every campaign');
  assert.deepEqual(await filter([phone], uniqueName('c')), [], 'not another campaign’s entry');
  const own = await unary(h.client.checkDial, h.client, { check: dialCheck(phone, { campaignId }) }, new Metadata());
  assert.deepEqual(
    own.decision!.denials.map((d) => d.code),
    ['DNC_INTERNAL'],
  );
  const other = await unary(h.client.checkDial, h.client, { check: dialCheck(phone) }, new Metadata());
  assert.equal(other.decision!.allowed, true, JSON.stringify(other.decision!.denials));
  // Global entries apply under any campaign.
  const global = londonNumber();
  await add(global, OPT_OUT);
  assert.deepEqual(
    (await filter([global], campaignId)).map((m) => m.kinds),
    [[OPT_OUT]],
  );
});

test('filter: bad requests are INVALID_ARGUMENT naming the field, without the number', async () => {
  const expectInvalid = (call: Promise<unknown>, field: string) =>
    assert.rejects(call, (error: ServiceError) => {
      assert.equal(error.code, Status.INVALID_ARGUMENT);
      assert.ok(
        statusDetails(error).fieldViolations.some((v) => v.field === field),
        `${field} named`,
      );
      assert.doesNotMatch(error.details, /\+44|0044/, 'no number echoed');
      return true;
    });
  await expectInvalid(filter([londonNumber(), londonNumber(), londonNumber(), '0044 20 7946 0123']), 'phones[3]');
  await expectInvalid(filter(Array.from({ length: 10_001 }, londonNumber)), 'phones');
  await expectInvalid(filter([londonNumber()], 'has space'), 'campaign_id');
  await expectInvalid(add(londonNumber(), REGISTRY), 'kind');
});

test('filter: 10,000 numbers in one call keep their indexes', async () => {
  const phones = Array.from({ length: 10_000 }, (_, i) => `+4420795${String(i).padStart(5, '0')}`);
  const listed = [0, 4_321, 9_999];
  for (const i of listed) await add(phones[i]!, INTERNAL, 'bulkcheck');
  const matches = await filter(phones, 'bulkcheck');
  assert.deepEqual(
    matches.map((m) => m.index),
    listed,
  );
});

test('filter: reserves nothing and stores no evidence; a check afterwards is still allowed', async () => {
  const phone = londonNumber();
  for (let i = 0; i < 3; i++) assert.deepEqual(await filter([phone]), []);
  assert.equal(await redis.exists(keys.key('attempts', blind.hex(phone))), 0, 'no attempt reserved');
  // BASE allows 2 a day 6 h apart: a reservation by the filter would deny this check by the gap.
  const first = await unary(h.client.checkDial, h.client, { check: dialCheck(phone) }, new Metadata());
  assert.equal(first.decision!.allowed, true, JSON.stringify(first.decision!.denials));
  const stored = await waitFor(
    async () => {
      const r = await unary(h.client.listDecisions, h.client, { phone, limit: 10 }, new Metadata());
      return r.decisions.length > 0 ? r.decisions : undefined;
    },
    { what: 'the check stored', timeoutMs: 5_000 },
  );
  assert.deepEqual(
    stored.map((d) => d.checkId),
    [first.decision!.checkId],
    'only the check left evidence',
  );
});
