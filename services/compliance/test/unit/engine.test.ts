import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideDial, planDial, refusalLockMs } from '../../src/domain/engine.js';
import { PackCatalogue } from '../../src/domain/packs/index.js';
import type { DialFacts } from '../../src/domain/types.js';
import { catalogue, noCaps, noFacts, numbers, policy, request } from './helpers.js';

const HOUR = 3_600_000;

function codes(decision: { denials: ReadonlyArray<{ code: string }> }): string[] {
  return decision.denials.map((d) => d.code).sort();
}

interface Case {
  name: string;
  phone: string;
  at: string;
  packs?: string[];
  facts?: Partial<DialFacts>;
  caps?: { leadCount?: number; leadAgoMs?: number; callerCount?: number; callerAgoMs?: number };
  policy?: Parameters<typeof policy>[0];
  zone?: string;
  callerId?: string;
  expect: string[];
  packsApplied?: string[];
}

const cases: Case[] = [
  {
    name: 'New York at 10:00 EDT: allowed',
    phone: numbers.newYork,
    at: '2026-06-01T14:00:00Z',
    expect: [],
    packsApplied: ['BASE@2026-01', 'US@2026-01'],
  },
  {
    name: 'New York at 07:59 EDT on the DST day: BASE and US windows both deny',
    phone: numbers.newYork,
    at: '2026-03-08T11:59:00Z',
    expect: ['WINDOW_HOURS', 'WINDOW_HOURS'],
  },
  {
    name: 'Miami 20:30 EDT: US allows, US-FL (08–20) denies',
    phone: numbers.miami,
    at: '2026-06-02T00:30:00Z',
    expect: ['WINDOW_HOURS'],
    packsApplied: ['BASE@2026-01', 'US@2026-01', 'US-FL@2026-01'],
  },
  {
    name: 'Florida pack not selected by the campaign: 20:30 allowed',
    phone: numbers.miami,
    at: '2026-06-02T00:30:00Z',
    packs: ['US'],
    expect: [],
  },
  {
    name: 'Los Angeles at 08:30 PDT while New York is 11:30: allowed',
    phone: numbers.losAngeles,
    at: '2026-06-01T15:30:00Z',
    expect: [],
  },
  {
    name: 'South Dakota (605) at 08:30 CDT is 07:30 MDT: uncertain zone denies',
    phone: numbers.southDakota,
    at: '2026-06-01T13:30:00Z',
    expect: ['WINDOW_UNCERTAIN_ZONE', 'WINDOW_UNCERTAIN_ZONE'],
  },
  {
    name: 'South Dakota at 09:00 MDT: every plausible zone inside',
    phone: numbers.southDakota,
    at: '2026-06-01T15:00:00Z',
    expect: [],
  },
  {
    name: 'panhandle (850) at 20:30 CDT is 21:30 EDT: uncertain for BASE and US, outside Florida’s 20:00 in both',
    phone: numbers.panhandle,
    at: '2026-06-02T01:30:00Z',
    expect: ['WINDOW_HOURS', 'WINDOW_UNCERTAIN_ZONE', 'WINDOW_UNCERTAIN_ZONE'],
  },
  {
    name: 'a lead zone override removes the uncertainty',
    phone: numbers.southDakota,
    at: '2026-06-01T13:30:00Z',
    zone: 'America/Chicago',
    expect: [],
  },
  {
    name: 'unknown US area code (a fictional 555 code is invalid, so use 308 Nebraska, not in the table): 10:00 EDT is 04:00 HST',
    phone: '+13085550123',
    at: '2026-06-01T14:00:00Z',
    expect: ['WINDOW_UNCERTAIN_ZONE', 'WINDOW_UNCERTAIN_ZONE'],
  },
  {
    name: 'region without a zone table: denied as unknown zone',
    phone: numbers.unknownRegion,
    at: '2026-06-01T14:00:00Z',
    expect: ['ZONE_UNKNOWN'],
  },
  { name: 'invalid number', phone: '+1234', at: '2026-06-01T14:00:00Z', expect: ['INVALID_NUMBER'] },
  {
    name: 'Shanghai at 10:00, official caller ID: allowed',
    phone: numbers.shanghai,
    at: '2026-06-01T02:00:00Z',
    expect: [],
    packsApplied: ['BASE@2026-01', 'CN@2026-01'],
  },
  {
    name: 'Shanghai lunch pause 12:30 (CN@2026-01)',
    phone: numbers.shanghai,
    at: '2026-06-01T04:30:00Z',
    expect: ['WINDOW_HOURS'],
  },
  {
    name: 'Shanghai 12:30 in 2025: CN@2025-01 had no lunch pause (BASE not yet in effect)',
    phone: numbers.shanghai,
    at: '2025-06-02T04:30:00Z',
    expect: [],
    packsApplied: ['CN@2025-01'],
  },
  {
    name: 'Shanghai on 除夕 2026-02-16 at 10:00: holiday closed',
    phone: numbers.shanghai,
    at: '2026-02-16T02:00:00Z',
    expect: ['WINDOW_HOLIDAY'],
  },
  {
    name: 'CN: unofficial caller ID',
    phone: numbers.shanghai,
    at: '2026-06-01T02:00:00Z',
    callerId: '+8613900000000',
    expect: ['CALLER_ID_NOT_OFFICIAL'],
  },
  {
    name: 'CN: consent required and missing',
    phone: numbers.shanghai,
    at: '2026-06-01T02:00:00Z',
    policy: { requireConsent: true },
    expect: ['CONSENT_REQUIRED'],
  },
  {
    name: 'CN: consent required and on file',
    phone: numbers.shanghai,
    at: '2026-06-01T02:00:00Z',
    policy: { requireConsent: true },
    facts: { consentGivenAt: Date.parse('2026-05-01T00:00:00Z') },
    expect: [],
  },
  {
    name: 'CN: a refusal a year ago is still final',
    phone: numbers.shanghai,
    at: '2026-06-01T02:00:00Z',
    facts: { refusedAt: Date.parse('2025-06-01T00:00:00Z') },
    expect: ['REFUSAL_FINAL'],
  },
  {
    name: 'US: refusal within 5 years locks',
    phone: numbers.newYork,
    at: '2026-06-01T14:00:00Z',
    facts: { refusedAt: Date.parse('2025-06-01T00:00:00Z') },
    expect: ['REFUSAL_LOCK'],
  },
  {
    name: 'BASE only (a UK number): refusal 100 days ago has expired',
    phone: numbers.london,
    at: '2026-06-01T10:00:00Z',
    facts: { refusedAt: Date.parse('2026-06-01T10:00:00Z') - 100 * 24 * HOUR },
    expect: [],
  },
  {
    name: 'BASE only: refusal 80 days ago locks (3 months)',
    phone: numbers.london,
    at: '2026-06-01T10:00:00Z',
    facts: { refusedAt: Date.parse('2026-06-01T10:00:00Z') - 80 * 24 * HOUR },
    expect: ['REFUSAL_LOCK'],
  },
  {
    name: 'registry, internal list and opt-out all named',
    phone: numbers.london,
    at: '2026-06-01T10:00:00Z',
    facts: { onRegistry: true, internalDnc: true, optedOut: true },
    expect: ['DNC_INTERNAL', 'DNC_REGISTRY', 'OPT_OUT'],
  },
  {
    name: 'UK: abandoned 10 h ago: 72 h lock-out',
    phone: numbers.london,
    at: '2026-06-01T10:00:00Z',
    facts: { lastAbandonedAt: Date.parse('2026-06-01T00:00:00Z') },
    expect: ['ABANDON_LOCKOUT'],
  },
  {
    name: 'UK: lock-out lifted when the campaign guarantees an agent',
    phone: numbers.london,
    at: '2026-06-01T10:00:00Z',
    policy: { agentGuaranteed: true },
    facts: { lastAbandonedAt: Date.parse('2026-06-01T00:00:00Z') },
    expect: [],
  },
  {
    name: 'UK: 4 abandoned of 120 answers today is 3.3 %: stop',
    phone: numbers.london,
    at: '2026-06-01T10:00:00Z',
    facts: { abandonDays: [{ day: '2026-06-01', answered: 120, abandoned: 4, machine: 0 }] },
    expect: ['ABANDON_RATE_LIMIT'],
  },
  {
    name: 'UK: 3 of 120 (2.5 %) passes without machine verdicts',
    phone: numbers.london,
    at: '2026-06-01T10:00:00Z',
    facts: { abandonDays: [{ day: '2026-06-01', answered: 120, abandoned: 3, machine: 0 }] },
    expect: [],
  },
  {
    name: 'UK: 3 of 120 plus 10 % of 20 machine verdicts (5 / 122 = 4.1 %): stop',
    phone: numbers.london,
    at: '2026-06-01T10:00:00Z',
    facts: { abandonDays: [{ day: '2026-06-01', answered: 120, abandoned: 3, machine: 20 }] },
    expect: ['ABANDON_RATE_LIMIT'],
  },
  {
    name: 'UK: yesterday’s abandons do not count (daily window)',
    phone: numbers.london,
    at: '2026-06-01T10:00:00Z',
    facts: { abandonDays: [{ day: '2026-05-31', answered: 120, abandoned: 40, machine: 0 }] },
    expect: [],
  },
  {
    name: 'US: 30-day window counts last month',
    phone: numbers.newYork,
    at: '2026-06-01T14:00:00Z',
    facts: { abandonDays: [{ day: '2026-05-10', answered: 200, abandoned: 7, machine: 0 }] },
    expect: ['ABANDON_RATE_LIMIT'],
  },
  {
    name: 'lead cap: 2 attempts in 24 h (BASE)',
    phone: numbers.london,
    at: '2026-06-01T10:00:00Z',
    caps: { leadCount: 2, leadAgoMs: 7 * HOUR },
    expect: ['LEAD_DAILY_CAP'],
  },
  {
    name: 'lead gap: 5 h since the last attempt (≥ 6 h)',
    phone: numbers.london,
    at: '2026-06-01T10:00:00Z',
    caps: { leadCount: 1, leadAgoMs: 5 * HOUR },
    expect: ['LEAD_MIN_GAP'],
  },
  {
    name: 'caller ID cap: 50 a day and 10 s ago',
    phone: numbers.london,
    at: '2026-06-01T10:00:00Z',
    caps: { callerCount: 50, callerAgoMs: 10_000 },
    expect: ['CALLER_ID_DAILY_CAP', 'CALLER_ID_MIN_GAP'],
  },
];

for (const c of cases) {
  test(`engine: ${c.name}`, () => {
    const req = request(c.phone, c.at, {
      ...(c.zone ? { timeZoneOverride: c.zone } : {}),
      ...(c.callerId ? { callerId: c.callerId } : {}),
    });
    const capState = {
      leadCount: c.caps?.leadCount ?? 0,
      callerCount: c.caps?.callerCount ?? 0,
      ...(c.caps?.leadAgoMs !== undefined ? { leadLastAt: req.at - c.caps.leadAgoMs } : {}),
      ...(c.caps?.callerAgoMs !== undefined ? { callerLastAt: req.at - c.caps.callerAgoMs } : {}),
    };
    const decision = decideDial(
      req,
      policy({ rulePacks: c.packs ?? [], ...c.policy }),
      { ...noFacts, ...c.facts },
      capState,
      catalogue,
    );
    assert.deepEqual(codes(decision), [...c.expect].sort());
    assert.equal(decision.allowed, c.expect.length === 0);
    for (const denial of decision.denials) {
      assert.match(denial.rulePack, /^([A-Z-]+@\d{4}-\d{2}|campaign|engine)$/);
      assert.ok(denial.text.length > 0);
      assert.doesNotMatch(
        JSON.stringify(denial),
        new RegExp(c.phone.replace('+', '\\+')),
        'a denial never carries the number',
      );
    }
    if (c.packsApplied) assert.deepEqual(decision.rulePacks, c.packsApplied);
  });
}

test('engine: marketing calls get the strictest maximum duration, ring and agent times', () => {
  const decision = decideDial(request(numbers.newYork, '2026-06-01T14:00:00Z'), policy(), noFacts, noCaps, catalogue);
  assert.equal(decision.maxCallSeconds, 180);
  assert.equal(decision.minRingSeconds, 15);
  assert.equal(decision.maxAgentConnectSeconds, 2);
  const service = decideDial(
    request(numbers.newYork, '2026-06-01T14:00:00Z'),
    policy({ marketing: false }),
    noFacts,
    noCaps,
    catalogue,
  );
  assert.equal(service.maxCallSeconds, 0);
});

test('engine: a later pack version takes effect at its effectiveFrom instant', () => {
  const edge = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(catalogue.at('CN', edge - 1)?.version, '2025-01');
  assert.equal(catalogue.at('CN', edge)?.version, '2026-01');
  assert.equal(new PackCatalogue([]).at('CN', edge), undefined);
});

test('engine: the refusal lock of a number is the one a dial to it would be planned with', () => {
  const at = '2026-06-01T14:00:00Z';
  for (const phone of Object.values(numbers))
    for (const rulePacks of [[], ['US'], ['UK'], ['CN'], ['US', 'UK', 'CN']]) {
      const p = policy({ rulePacks });
      assert.equal(
        refusalLockMs(phone, p, catalogue, Date.parse(at)),
        planDial(request(phone, at), p, catalogue).refusalLockMs,
        `${phone} under [${rulePacks.join(',')}]`,
      );
    }
  assert.equal(
    refusalLockMs(numbers.london, policy({ rulePacks: ['UK'] }), catalogue, Date.parse(at)),
    90 * 86_400_000,
  );
});
