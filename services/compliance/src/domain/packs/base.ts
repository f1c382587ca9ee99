import type { RulePackVersion } from '../types.js';

/** The platform's own floor (MISSION.md §6), applied to every number on top of any jurisdiction. */
export const base: readonly RulePackVersion[] = [
  {
    pack: 'BASE',
    version: '2026-01',
    effectiveFrom: '2026-01-01T00:00:00Z',
    description:
      'Platform defaults: 08:00–21:00 callee time, ≤ 2 attempts a day ≥ 6 h apart, caller ID ≤ 50 a day ≥ 30 s apart, refusal locks 3 months, marketing calls ≤ 3 min',
    scope: { regions: [] },
    window: { default: [{ start: '08:00', end: '21:00' }] },
    leadCaps: { maxPer24h: 2, minGapMinutes: 360 },
    callerIdCaps: { maxPer24h: 50, minGapSeconds: 30 },
    refusalLockDays: 90,
    maxMarketingCallSeconds: 180,
  },
];
