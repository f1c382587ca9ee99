import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ServiceError } from '@grpc/grpc-js';
import { events } from '@outbound/bus';
import {
  AbandonAction,
  DoNotCallKind,
  type DialCheck,
  type DialDecision,
  type SetCampaignPolicyRequest,
  type SetCampaignPolicyResponse,
} from '@outbound/proto/outbound/v1/compliance';
import { Metadata, Status, clientStream, statusDetails, unary } from '@outbound/rpc';
import { createPool } from '@outbound/store';
import { testUrls, uniqueName, waitFor } from '@outbound/testkit';
import { BlindIndexer } from '@outbound/blind-index';
import { middayZone, sharedIndexKey, startHarness, type Harness } from './harness.js';

let h: Harness;
const pool = createPool({ url: testUrls.database, applicationName: 'compliance-grpc-test' });
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h.close();
  await pool.end();
});

let serial = 0;
/** A fresh London number per call, so tests never share caps. */
function londonNumber(): string {
  serial++;
  return `+4420794${String(Math.floor(Math.random() * 90_000) + 10_000 + serial).slice(-5)}`;
}

function check(overrides: Partial<DialCheck> = {}): DialCheck {
  return {
    campaignId: uniqueName('c'),
    leadId: uniqueName('l'),
    phone: londonNumber(),
    callerId: londonNumber(),
    at: undefined,
    timeZoneOverride: middayZone(),
    ...overrides,
  };
}

async function checkDial(c: DialCheck): Promise<DialDecision> {
  const response = await unary(h.client.checkDial, h.client, { check: c }, new Metadata());
  return response.decision!;
}

async function expectInvalid(call: Promise<unknown>, fields: string[]): Promise<void> {
  await assert.rejects(call, (error: ServiceError) => {
    assert.equal(error.code, Status.INVALID_ARGUMENT);
    const named = statusDetails(error).fieldViolations.map((v) => v.field);
    for (const field of fields) assert.ok(named.includes(field), `${field} named in ${named.join(', ')}`);
    assert.doesNotMatch(error.details, /\+44/, 'no number echoed');
    return true;
  });
}

test('grpc: bad requests are INVALID_ARGUMENT naming each field', async () => {
  await expectInvalid(unary(h.client.checkDial, h.client, { check: undefined }, new Metadata()), ['check']);
  await expectInvalid(
    checkDial(check({ phone: '0044 20 7946', campaignId: 'has space', timeZoneOverride: 'Mars/Base' })),
    ['check.phone', 'check.campaign_id', 'check.time_zone_override'],
  );
  await expectInvalid(checkDial(check({ at: { seconds: Math.floor(Date.now() / 1000) - 3600, nanos: 0 } })), [
    'check.at',
  ]);
  await expectInvalid(
    unary(h.client.checkDialBatch, h.client, { checks: [check(), check({ callerId: 'abc' })] }, new Metadata()),
    ['checks[1].caller_id'],
  );
  await expectInvalid(unary(h.client.checkDialBatch, h.client, { checks: [] }, new Metadata()), ['checks']);
  await expectInvalid(
    unary(
      h.client.addDoNotCall,
      h.client,
      {
        phone: '+442079460123',
        source: 'x',
        campaignId: '',
        kind: DoNotCallKind.DO_NOT_CALL_KIND_UNSPECIFIED,
        actor: 'a',
      },
      new Metadata(),
    ),
    ['kind'],
  );
  await expectInvalid(
    unary(
      h.client.setCampaignPolicy,
      h.client,
      {
        campaignId: 'c',
        rulePacks: ['XX'],
        requireConsent: false,
        marketing: true,
        industry: '',
        agentGuaranteed: false,
        officialCallerIds: [],
        actor: 'a',
      },
      new Metadata(),
    ),
    ['rule_packs[0]'],
  );
  await expectInvalid(
    unary(
      h.client.recordAudit,
      h.client,
      { actor: 'a', action: 'viewed', target: 'lead +44 20 7946 0123', details: {}, service: 'console' },
      new Metadata(),
    ),
    ['target'],
  );
});

test('grpc: an allowed dial reserves the attempt; the next one for that number is denied by the gap, with evidence', async () => {
  const c = check();
  const first = await checkDial(c);
  assert.equal(first.allowed, true, JSON.stringify(first.denials));
  assert.deepEqual(first.rulePacks, ['BASE@2026-01', 'UK-OFCOM@2026-01']);
  assert.equal(first.maxCallSeconds, 180);
  const second = await checkDial({ ...c, leadId: uniqueName('l'), callerId: '+442079460998' });
  assert.equal(second.allowed, false);
  assert.deepEqual(
    second.denials.map((d) => d.code),
    ['LEAD_MIN_GAP'],
  );
  assert.equal(second.denials[0]!.rulePack, 'BASE@2026-01');

  // Stored before they were answered: no waiting.
  const listed = (await unary(h.client.listDecisions, h.client, { phone: c.phone, limit: 10 }, new Metadata()))
    .decisions;
  assert.deepEqual(
    listed.map((d) => d.checkId),
    [second.checkId, first.checkId],
  );
  assert.equal(listed[0]!.maskedPhone, `+4420****${c.phone.slice(-4)}`);
  const { rows } = await pool.query(`SELECT * FROM "${h.schema}".decisions WHERE check_id = $1`, [first.checkId]);
  assert.doesNotMatch(JSON.stringify(rows), new RegExp(c.phone.replace('+', '\\+')), 'no number in stored evidence');
});

test('grpc: when the evidence cannot be stored no decision is given (UNAVAILABLE) and nothing stays reserved', async () => {
  const c = check();
  // A real failure of the real database: the decisions table is gone for a moment.
  await pool.query(`ALTER TABLE "${h.schema}".decisions RENAME TO decisions_away`);
  try {
    await assert.rejects(
      unary(h.client.checkDialBatch, h.client, { checks: [c, check()] }, new Metadata()),
      (error: ServiceError) => {
        assert.equal(error.code, Status.UNAVAILABLE);
        assert.match(error.details, /could not be stored as evidence/);
        return true;
      },
    );
  } finally {
    await pool.query(`ALTER TABLE "${h.schema}".decisions_away RENAME TO decisions`);
  }
  // The failed check reserved nothing that lasts: the same number is allowed at once, not held by the gap.
  const again = await checkDial({ ...c, leadId: uniqueName('l') });
  assert.equal(again.allowed, true, JSON.stringify(again.denials));
});

test('grpc: a policy change made on one replica binds the next check on every replica, whatever their caches', async () => {
  // This replica caches policies for a minute: only the announced version can make it notice.
  const replica = await startHarness({ shared: h.schema, env: { COMPLIANCE_POLICY_CACHE_MS: '60s' } });
  try {
    const campaignId = uniqueName('c');
    const setPolicy = (client: Harness['client'], requireConsent: boolean) =>
      unary(
        client.setCampaignPolicy,
        client,
        {
          campaignId,
          rulePacks: ['UK-OFCOM'],
          requireConsent,
          marketing: true,
          industry: '',
          agentGuaranteed: false,
          officialCallerIds: [],
          actor: 'supervisor-1',
        },
        new Metadata(),
      );
    await setPolicy(h.client, false);
    const first = await unary(
      replica.client.checkDial,
      replica.client,
      { check: check({ campaignId }) },
      new Metadata(),
    );
    assert.equal(first.decision!.allowed, true, 'the replica cached the policy without consent');
    await setPolicy(h.client, true);
    const next = await unary(
      replica.client.checkDial,
      replica.client,
      { check: check({ campaignId }) },
      new Metadata(),
    );
    assert.deepEqual(
      next.decision!.denials.map((d) => d.code),
      ['CONSENT_REQUIRED'],
    );
    const [stored] = (
      await pool.query<{ inputs: { policyVersion: number } }>(
        `SELECT inputs FROM "${h.schema}".decisions WHERE check_id = $1`,
        [next.decision!.checkId],
      )
    ).rows;
    assert.equal(stored!.inputs.policyVersion, 2, 'the evidence names the policy version that decided');
  } finally {
    await replica.close();
  }
});

test('grpc: a batch is decided in order, later checks seeing earlier reservations', async () => {
  const phone = londonNumber();
  const r = await unary(
    h.client.checkDialBatch,
    h.client,
    { checks: [check({ phone }), check({ phone }), check()] },
    new Metadata(),
  );
  assert.deepEqual(
    r.decisions.map((d) => d.allowed),
    [true, false, true],
  );
});

test('grpc: an opt-out event (spoken 退订) denies the next dial within a second, for the lead and its number', async () => {
  const c = check();
  assert.equal((await checkDial(c)).allowed, true);
  const published = Date.now();
  await h.bus.publish(events.complianceOptOut, { campaignId: c.campaignId, leadId: c.leadId, channel: 'speech' });
  await waitFor(
    async () => (await checkDial({ ...c, callerId: '+442079460997' })).denials.some((d) => d.code === 'OPT_OUT'),
    { timeoutMs: 1_000, intervalMs: 25, what: 'opt-out to apply' },
  );
  assert.ok(Date.now() - published < 1_000);
  const otherLead = await checkDial({ ...c, leadId: uniqueName('l'), campaignId: uniqueName('c') });
  assert.ok(
    otherLead.denials.some((d) => d.code === 'OPT_OUT'),
    'the number is blocked for every campaign',
  );
});

test('grpc: consent required by the campaign; a recorded consent lets the dial through and is queryable', async () => {
  const campaignId = uniqueName('c');
  const policy = await unary<SetCampaignPolicyRequest, SetCampaignPolicyResponse>(
    h.client.setCampaignPolicy,
    h.client,
    {
      campaignId,
      rulePacks: ['UK-OFCOM'],
      requireConsent: true,
      marketing: true,
      industry: 'finance',
      agentGuaranteed: false,
      officialCallerIds: [],
      actor: 'supervisor-1',
    },
    new Metadata(),
  );
  // The campaign's packs (BASE and UK-OFCOM) cap each caller ID; the dialer rotates within the strictest.
  assert.ok(policy.callerIdCaps && policy.callerIdCaps.maxPer24h > 0 && policy.callerIdCaps.minGapSeconds > 0);
  const c = check({ campaignId });
  const denied = await checkDial(c);
  assert.deepEqual(
    denied.denials.map((d) => d.code),
    ['CONSENT_REQUIRED'],
  );
  await unary(
    h.client.recordConsent,
    h.client,
    {
      phone: c.phone,
      campaignId,
      source: 'sms-link',
      givenAt: { seconds: Math.floor(Date.now() / 1000) - 60, nanos: 0 },
    },
    new Metadata(),
  );
  assert.equal((await checkDial(c)).allowed, true);
  const consents = await unary(h.client.listConsents, h.client, { phone: c.phone, campaignId: '' }, new Metadata());
  assert.equal(consents.consents.length, 1);
  assert.equal(consents.consents[0]!.source, 'sms-link');
  assert.ok(consents.consents[0]!.keptUntil!.seconds - consents.consents[0]!.givenAt!.seconds >= 2 * 365 * 86_400);
});

test('grpc: internal DNC and a refusal are denied with their reasons; refusals report the lock end', async () => {
  const dnc = check();
  await unary(
    h.client.addDoNotCall,
    h.client,
    {
      phone: dnc.phone,
      source: 'complaint',
      campaignId: '',
      kind: DoNotCallKind.DO_NOT_CALL_KIND_INTERNAL,
      actor: 'agent-7',
    },
    new Metadata(),
  );
  assert.deepEqual(
    (await checkDial(dnc)).denials.map((d) => d.code),
    ['DNC_INTERNAL'],
  );
  const refused = check();
  const r = await unary(
    h.client.addDoNotCall,
    h.client,
    {
      phone: refused.phone,
      source: 'agent disposition',
      campaignId: '',
      kind: DoNotCallKind.DO_NOT_CALL_KIND_REFUSAL,
      actor: 'agent-7',
    },
    new Metadata(),
  );
  const days = (r.lockedUntil!.seconds - Date.now() / 1000) / 86_400;
  assert.ok(days > 89 && days <= 90, `locked ~90 days, got ${days}`);
  assert.deepEqual(
    (await checkDial(refused)).denials.map((d) => d.code),
    ['REFUSAL_LOCK'],
  );
});

test('grpc: a number added to a list is announced as compliance.dnc_added by its shared blind index, never in the clear', async () => {
  const shared = new BlindIndexer(sharedIndexKey);
  const internal = check();
  const refused = check();
  const scoped = check();
  const wanted = new Set([internal.phone, refused.phone, scoped.phone].map((phone) => shared.hex(phone)));
  const seen: Array<{ raw: string; data: (typeof events.complianceDncAdded)['schema']['_output'] }> = [];
  const consumer = await h.bus.consume({
    event: events.complianceDncAdded,
    durable: uniqueName('dnc'),
    deliverFrom: 'new',
    handler: async ({ event }) => {
      if (wanted.has(event.data.blindIndex)) seen.push({ raw: JSON.stringify(event), data: event.data });
    },
  });
  try {
    const add = (phone: string, kind: DoNotCallKind, campaignId = '') =>
      unary(
        h.client.addDoNotCall,
        h.client,
        { phone, source: 'complaint', campaignId, kind, actor: 'agent-7' },
        new Metadata(),
      );
    await add(internal.phone, DoNotCallKind.DO_NOT_CALL_KIND_INTERNAL);
    const r = await add(refused.phone, DoNotCallKind.DO_NOT_CALL_KIND_REFUSAL);
    await add(scoped.phone, DoNotCallKind.DO_NOT_CALL_KIND_OPT_OUT, 'c-scoped');
    await waitFor(() => seen.length === 3, { timeoutMs: 5_000, what: 'three dnc_added events' });
    const byIndex = new Map(seen.map((e) => [e.data.blindIndex, e.data]));
    assert.deepEqual(byIndex.get(shared.hex(internal.phone)), {
      blindIndex: shared.hex(internal.phone),
      kind: 'internal',
    });
    assert.deepEqual(byIndex.get(shared.hex(refused.phone)), {
      blindIndex: shared.hex(refused.phone),
      kind: 'refusal',
      lockedUntil: new Date(r.lockedUntil!.seconds * 1000 + r.lockedUntil!.nanos / 1e6).toISOString(),
    });
    assert.deepEqual(byIndex.get(shared.hex(scoped.phone)), {
      blindIndex: shared.hex(scoped.phone),
      kind: 'opt_out',
      campaignId: 'c-scoped',
    });
    for (const { raw } of seen)
      for (const phone of [internal.phone, refused.phone, scoped.phone])
        assert.ok(!raw.includes(phone.slice(-8)), 'no number on the bus');
  } finally {
    await consumer.stop();
  }
});

function bulkLoad(
  chunks: Array<{ registry: string; phones: string[]; actor: string }>,
): Promise<{ loaded: number; rejected: number }> {
  return clientStream(h.client.bulkLoadDoNotCall, h.client, chunks, new Metadata());
}

test('grpc: bulk-loaded registry numbers are denied; invalid entries are counted, a mixed-up stream changes nothing', async () => {
  const listed = check();
  const reg = uniqueName('reg');
  await expectInvalid(
    bulkLoad([
      { registry: reg, phones: [listed.phone], actor: 'ops' },
      { registry: uniqueName('other'), phones: [], actor: 'ops' },
    ]),
    ['chunk[1].registry'],
  );
  assert.equal((await checkDial(listed)).allowed, true, 'the rejected load was rolled back');
  const result = await bulkLoad([
    { registry: reg, phones: [listed.phone, 'garbage'], actor: 'ops' },
    { registry: reg, phones: ['+442079461111'], actor: 'ops' },
  ]);
  assert.deepEqual(result, { loaded: 2, rejected: 1 });
  const again = await checkDial({ ...listed, callerId: londonNumber() });
  assert.ok(
    again.denials.some((d) => d.code === 'DNC_REGISTRY'),
    JSON.stringify(again.denials),
  );
});

test('grpc: transcripts are scanned with positions', async () => {
  const r = await unary(
    h.client.scanTranscript,
    h.client,
    { industry: 'finance', text: '我们保证收益', attempt: { campaignId: 'c1', leadId: 'l1', attemptId: 'a1' } },
    new Metadata(),
  );
  assert.deepEqual(
    r.hits.map((hit) => [hit.word, hit.start, hit.end]),
    [['保证收益', 2, 6]],
  );
});

test('grpc: audit entries chain hashes and list as valid; the table refuses edits', async () => {
  const actor = uniqueName('auditor');
  const a = await unary(
    h.client.recordAudit,
    h.client,
    { actor, action: 'exported', target: 'campaign:c1', details: { rows: '120' }, service: 'console' },
    new Metadata(),
  );
  const b = await unary(
    h.client.recordAudit,
    h.client,
    { actor, action: 'viewed', target: 'lead:l1', details: {}, service: 'console' },
    new Metadata(),
  );
  assert.equal(b.entry!.prevHash, a.entry!.hash);
  const listed = await unary(
    h.client.listAudit,
    h.client,
    { actor, target: '', afterSeq: 0, limit: 10 },
    new Metadata(),
  );
  assert.deepEqual(
    listed.entries.map((e) => e.action),
    ['exported', 'viewed'],
  );
  assert.equal(listed.chainValid, true);
  await assert.rejects(pool.query(`UPDATE "${h.schema}".audit_log SET actor = 'mallory'`), /append-only/);
});

test('grpc: abandoned calls (events) lock the lead out for 72 h under Ofcom and stop the campaign at 3 %', async () => {
  const campaignId = uniqueName('c');
  await unary(
    h.client.setCampaignPolicy,
    h.client,
    {
      campaignId,
      rulePacks: ['UK-OFCOM'],
      requireConsent: false,
      marketing: true,
      industry: '',
      agentGuaranteed: false,
      officialCallerIds: [],
      actor: 'supervisor-1',
    },
    new Metadata(),
  );
  const c = check({ campaignId });
  assert.equal((await checkDial(c)).allowed, true);
  for (let i = 0; i < 3; i++) {
    await h.bus.publish(events.callAbandoned, {
      campaignId,
      leadId: c.leadId,
      attemptId: uniqueName('a'),
      callId: uniqueName('call'),
      node: 'fs1',
      waitedMs: 2100,
    });
  }
  // The guard stops at the first abandon already; wait until all three are counted.
  const status = await waitFor(
    async () => {
      const r = await unary(h.client.getAbandonStatus, h.client, { campaignId }, new Metadata());
      const ofcom = r.windows.find((w) => w.rulePack.startsWith('UK-OFCOM@'));
      return ofcom?.abandoned === 3 ? r : undefined;
    },
    { timeoutMs: 30_000, what: 'all three abandons counted' },
  );
  assert.equal(status.action, AbandonAction.ABANDON_ACTION_STOP);
  const ofcom = status.windows.find((w) => w.rulePack.startsWith('UK-OFCOM@'))!;
  assert.deepEqual([ofcom.answered, ofcom.abandoned, ofcom.windowDays], [3, 3, 1]);
  // Another lead of the campaign: stopped by the rate (counts cached ≤ 1 s), not locked out.
  const other = await waitFor(
    async () => {
      const d = await checkDial(check({ campaignId }));
      return d.denials.some((x) => x.code === 'ABANDON_RATE_LIMIT') ? d : undefined;
    },
    { timeoutMs: 3_000, what: 'rate denial' },
  );
  assert.ok(!other.denials.some((x) => x.code === 'ABANDON_LOCKOUT'));
  const same = await checkDial({ ...c, callerId: londonNumber() });
  assert.ok(
    same.denials.some((x) => x.code === 'ABANDON_LOCKOUT'),
    JSON.stringify(same.denials),
  );
});

test('grpc: sensitive words in a call publish compliance.violation with the words and ids, no text', async () => {
  const campaignId = uniqueName('c');
  const seen: Array<{ words: string[]; attemptId: string }> = [];
  const consumer = await h.bus.consume({
    event: events.complianceViolation,
    durable: uniqueName('v'),
    filterSubject: events.complianceViolation.subjectForKey(campaignId),
    handler: async ({ event }) => {
      seen.push(event.data);
    },
  });
  try {
    await unary(
      h.client.scanTranscript,
      h.client,
      { industry: 'education', text: '我们保过，百分百提分', attempt: { campaignId, leadId: 'l1', attemptId: 'a1' } },
      new Metadata(),
    );
    await waitFor(() => seen.length > 0, { timeoutMs: 5_000, what: 'violation event' });
    assert.deepEqual(seen[0], {
      campaignId,
      leadId: 'l1',
      attemptId: 'a1',
      kind: 'sensitive_words',
      words: ['保过', '百分百提分'],
      lists: ['CN@2026-01/education'],
    });
  } finally {
    await consumer.stop();
  }
});
