import type { RulePackVersion } from '../types.js';

/** TCPA (47 CFR 64.1200) and the FTC Telemarketing Sales Rule. */
const us2026: RulePackVersion = {
  pack: 'US',
  version: '2026-01',
  effectiveFrom: '2026-01-01T00:00:00Z',
  description:
    'TCPA/TSR: 08:00–21:00 callee local time, abandon ≤ 3 % of live answers per campaign per 30 days, 2 s to a live agent, ring ≥ 15 s, DNC honoured (company list kept 5 years)',
  scope: { regions: ['US'] },
  window: { default: [{ start: '08:00', end: '21:00' }] },
  refusalLockDays: 1825,
  abandon: { maxRate: 0.03, windowDays: 30, minAnswers: 100 },
  minRingSeconds: 15,
  maxAgentConnectSeconds: 2,
};

export const us: readonly RulePackVersion[] = [
  us2026,
  {
    // As 2026-01, plus the claims a sales call may not make about an investment (TSR
    // 310.3(a)(2)(vi): misrepresenting its risk or returns; FINRA 2210's promissory claims), listed
    // in lower case as speech-to-text writes them.
    ...us2026,
    version: '2026-12',
    effectiveFrom: '2026-12-01T00:00:00Z',
    description: `${us2026.description}; sensitive words for finance (guaranteed returns, risk-free claims)`,
    sensitiveWords: { finance: ['guaranteed return', 'risk free', 'no risk at all', 'cannot lose money'] },
  },
];

/** Florida Telephone Solicitation Act (Fla. Stat. 501.059 as amended 2021/2023). */
export const usFlorida: readonly RulePackVersion[] = [
  {
    pack: 'US-FL',
    version: '2026-01',
    effectiveFrom: '2026-01-01T00:00:00Z',
    description: 'Florida: 08:00–20:00 callee local time, ≤ 3 calls per 24 h on the same subject',
    scope: {
      regions: ['US'],
      areaCodes: [
        '239',
        '305',
        '321',
        '324',
        '352',
        '386',
        '407',
        '448',
        '561',
        '645',
        '656',
        '689',
        '727',
        '728',
        '754',
        '772',
        '786',
        '813',
        '850',
        '863',
        '904',
        '941',
        '954',
      ],
    },
    window: { default: [{ start: '08:00', end: '20:00' }] },
    leadCaps: { maxPer24h: 3, minGapMinutes: 0 },
  },
];
