import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decideDial } from '../../src/domain/engine.js';
import { describeNumber } from '@outbound/phone';
import type { CapState, DialFacts } from '../../src/domain/types.js';
import { catalogue, numbers, policy, request } from './helpers.js';

const HOUR = 3_600_000;
const phones = Object.values(numbers);
const from = Date.parse('2026-01-01T00:00:00Z');
const to = Date.parse('2027-01-01T00:00:00Z');

/** Local hour and minute by Intl, independently of luxon, as the oracle for windows. */
function localMinutes(zone: string, at: number): number {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return get('hour') * 60 + get('minute');
}

const facts = fc.record({
  onRegistry: fc.boolean(),
  internalDnc: fc.boolean(),
  optedOut: fc.boolean(),
  refusedAt: fc.option(fc.integer({ min: from - 400 * 24 * HOUR, max: to }), { nil: undefined }),
  consentGivenAt: fc.option(fc.integer({ min: from - 30 * 24 * HOUR, max: to }), { nil: undefined }),
});

test('property: no allowed dial is outside a window in any plausible zone, on a list, refused, or without required consent', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...phones),
      fc.integer({ min: from, max: to }),
      facts,
      fc.boolean(),
      fc.subarray(['US', 'US-FL', 'UK-OFCOM', 'CN']),
      (phone, at, f, requireConsent, packs) => {
        const dialFacts: DialFacts = { ...f, abandonDays: [] };
        const decision = decideDial(
          request(phone, new Date(at).toISOString()),
          policy({ requireConsent, rulePacks: packs }),
          dialFacts,
          { leadCount: 0, callerCount: 0 },
          catalogue,
        );
        if (!decision.allowed) return;
        const zones = describeNumber(phone).zones;
        assert.ok(zones.length > 0, 'allowed with no known zone');
        const floridaApplies = decision.rulePacks.some((p) => p.startsWith('US-FL@'));
        for (const zone of zones) {
          const m = localMinutes(zone, at);
          assert.ok(m >= 8 * 60 && m < 21 * 60, `allowed at local ${m} min in ${zone}`);
          if (floridaApplies) assert.ok(m < 20 * 60, 'Florida after 20:00');
          if (decision.rulePacks.includes('CN@2026-01')) assert.ok(m < 12 * 60 || m >= 13 * 60 + 30, 'CN lunch pause');
        }
        assert.ok(!f.onRegistry && !f.internalDnc && !f.optedOut, 'allowed a listed number');
        if (f.refusedAt !== undefined)
          assert.ok(
            at - f.refusedAt >= 90 * 24 * HOUR && !decision.rulePacks.some((p) => p.startsWith('CN@')),
            'allowed within a refusal lock',
          );
        if (requireConsent)
          assert.ok(f.consentGivenAt !== undefined && f.consentGivenAt <= at, 'allowed without consent');
      },
    ),
    { numRuns: 3000 },
  );
});

test('property: a sequence of dials reserved only when allowed never exceeds the lead and caller-ID caps', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1_000, max: 8 * HOUR }), { minLength: 1, maxLength: 60 }), (gaps) => {
      // A London number under BASE: 2 per 24 h, 6 h apart; caller ID 50 per 24 h, 30 s apart.
      let at = Date.parse('2026-06-01T08:00:00Z');
      const leadHistory: number[] = [];
      const callerHistory: number[] = [];
      for (const gap of gaps) {
        at += gap;
        const recentLead = leadHistory.filter((t) => t > at - 24 * HOUR);
        const recentCaller = callerHistory.filter((t) => t > at - 24 * HOUR);
        const state: CapState = {
          leadCount: recentLead.length,
          callerCount: recentCaller.length,
          ...(recentLead.length ? { leadLastAt: recentLead[recentLead.length - 1]! } : {}),
          ...(recentCaller.length ? { callerLastAt: recentCaller[recentCaller.length - 1]! } : {}),
        };
        const decision = decideDial(
          request(numbers.london, new Date(at).toISOString(), { timeZoneOverride: 'UTC' }),
          policy({ rulePacks: [] }),
          { onRegistry: false, internalDnc: false, optedOut: false, abandonDays: [] },
          state,
          catalogue,
        );
        if (!decision.allowed) continue;
        leadHistory.push(at);
        callerHistory.push(at);
      }
      for (let i = 0; i < leadHistory.length; i++) {
        if (i > 0) assert.ok(leadHistory[i]! - leadHistory[i - 1]! >= 6 * HOUR, 'two attempts under 6 h apart');
        const inDay = leadHistory.filter((t) => t > leadHistory[i]! - 24 * HOUR && t <= leadHistory[i]!);
        assert.ok(inDay.length <= 2, 'more than 2 attempts in 24 h');
      }
    }),
    { numRuns: 500 },
  );
});
