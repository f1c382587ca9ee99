import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toRow, toRowReference, type DecisionRecord } from '../../src/adapters/sql/evidence.js';
import { defaultPolicy } from '../../src/domain/types.js';

test('evidence rows are the JSON of the row object, with shared parts reused', () => {
  const policy = { ...defaultPolicy('c1'), rulePacks: ['CN'], officialCallerIds: ['+8610010000'] };
  const rulePacks = Object.freeze(['BASE@2026-01', 'CN@2026-01']);
  const zones = Object.freeze(['Asia/Shanghai']);
  const base: DecisionRecord = {
    checkId: '0b7c1f0e-1111-4222-8333-944455556666',
    decidedAt: Date.parse('2026-06-01T12:30:00.123Z'),
    dialAt: Date.parse('2026-06-01T12:30:00.123Z'),
    campaignId: 'c1',
    leadId: 'lead_1',
    phoneKey: '0123456789abcdef0123456789abcdef',
    maskedPhone: '+86138****8000',
    callerId: '+8610010000',
    allowed: true,
    denials: [],
    rulePacks,
    timeZones: zones,
    inputs: { policy, region: 'CN', areaCode: null, uncertainty: null, timeZoneOverride: null, facts: { internalDnc: false, optedOut: false }, caps: { leadCount: 0, callerCount: 0 }, onRegistry: false },
  };
  const variants: DecisionRecord[] = [
    base,
    { ...base, dialAt: base.decidedAt - 61_000 },
    {
      ...base,
      allowed: false,
      denials: [{ reason: 'OUTSIDE_CALLING_WINDOW', code: 'WINDOW_HOURS', rulePack: 'CN@2026-01', text: 'callee local time 2026-06-01T22:30:00+08:00 is outside 08:00–12:00, 13:30–21:00 "quoted"\n', data: { zonesOutside: 'Asia/Shanghai', localTime: '2026-06-01T22:30:00+08:00' } }],
      inputs: { ...base.inputs, region: 'US', areaCode: '605', uncertainty: 'spans-zones', timeZoneOverride: 'America/Chicago', facts: { internalDnc: true, optedOut: true, refusedAt: 1, lastAbandonedAt: 2, consentGivenAt: 3 }, caps: { leadCount: 2, leadLastAt: 5, callerCount: 7, callerLastAt: 6 }, onRegistry: true },
    },
  ];
  // Twice: the second time the shared parts come from the cache.
  for (let round = 0; round < 2; round++) for (const r of variants) assert.equal(toRow(r), toRowReference(r));
});
