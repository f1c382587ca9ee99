import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DECISION_COLUMNS, copyLine, type DecisionRecord } from '../../src/adapters/sql/evidence.js';
import { defaultPolicy } from '../../src/domain/types.js';

/** COPY's text format read back: fields split on tabs, escapes undone (what PostgreSQL does). */
function readCopyLine(line: string): string[] {
  assert.ok(line.endsWith('\n') && !line.slice(0, -1).includes('\n'), 'one line per row');
  return line
    .slice(0, -1)
    .split('\t')
    .map((field) => field.replace(/\\(.)/g, (_, c: string) => ({ t: '\t', n: '\n', r: '\r' })[c] ?? c));
}

/** A PostgreSQL text[] literal of quoted elements, read back. */
function readTextArray(literal: string): string[] {
  assert.ok(literal.startsWith('{') && literal.endsWith('}'));
  const body = literal.slice(1, -1);
  return body === '' ? [] : [...body.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!.replace(/\\(.)/g, '$1'));
}

test('evidence rows in COPY text read back as the record, with shared parts reused and every special character escaped', () => {
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
    inputs: {
      policy,
      policyVersion: 3,
      region: 'CN',
      areaCode: null,
      uncertainty: null,
      timeZoneOverride: null,
      facts: { internalDnc: false, optedOut: false },
      caps: { leadCount: 0, callerCount: 0 },
      onRegistry: false,
    },
  };
  const variants: DecisionRecord[] = [
    base,
    { ...base, dialAt: base.decidedAt - 61_000 },
    {
      ...base,
      allowed: false,
      denials: [
        {
          reason: 'OUTSIDE_CALLING_WINDOW',
          code: 'WINDOW_HOURS',
          rulePack: 'CN@2026-01',
          text: 'callee local time 2026-06-01T22:30:00+08:00 is outside 08:00–12:00, 13:30–21:00 "quoted"\n\ttab \\ backslash \\N',
          data: { zonesOutside: 'Asia/Shanghai', localTime: '2026-06-01T22:30:00+08:00' },
        },
      ],
      inputs: {
        ...base.inputs,
        region: 'US',
        areaCode: '605',
        uncertainty: 'spans-zones',
        timeZoneOverride: 'America/Chicago',
        facts: { internalDnc: true, optedOut: true, refusedAt: 1, lastAbandonedAt: 2, consentGivenAt: 3 },
        caps: { leadCount: 2, leadLastAt: 5, callerCount: 7, callerLastAt: 6 },
        onRegistry: true,
      },
    },
  ];
  // Twice: the second time the shared parts come from the cache.
  for (let round = 0; round < 2; round++) {
    for (const r of variants) {
      const fields = readCopyLine(copyLine(r));
      assert.equal(fields.length, DECISION_COLUMNS.length, 'one field per column');
      const row = Object.fromEntries(DECISION_COLUMNS.map((column, i) => [column, fields[i]!]));
      assert.deepEqual(
        [
          row['check_id'],
          row['decided_at'],
          row['dial_at'],
          row['campaign_id'],
          row['lead_id'],
          row['phone_key'],
          row['masked_phone'],
          row['caller_id'],
          row['allowed'],
        ],
        [
          r.checkId,
          new Date(r.decidedAt).toISOString(),
          new Date(r.dialAt).toISOString(),
          r.campaignId,
          r.leadId,
          r.phoneKey,
          r.maskedPhone,
          r.callerId,
          r.allowed ? 't' : 'f',
        ],
      );
      assert.equal(row['denials'], JSON.stringify(r.denials));
      assert.deepEqual(
        [readTextArray(row['rule_packs']!), readTextArray(row['time_zones']!)],
        [r.rulePacks, r.timeZones],
      );
      assert.equal(row['inputs'], JSON.stringify(r.inputs));
    }
  }
});
