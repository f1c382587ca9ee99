import type { RulePackVersion } from '../types.js';

/** Ofcom's persistent-misuse policy (Communications Act 2003 s.128–131, statement of 2016). */
export const uk: readonly RulePackVersion[] = [
  {
    pack: 'UK-OFCOM',
    version: '2026-01',
    effectiveFrom: '2026-01-01T00:00:00Z',
    description:
      'Ofcom: abandon ≤ 3 % of live answers per campaign per day incl. an AMD false-positive estimate, 2 s information message, 72 h lock-out after an abandoned call unless an agent is guaranteed, ring ≥ 15 s',
    scope: { regions: ['GB', 'GG', 'JE', 'IM'] },
    abandon: { maxRate: 0.03, windowDays: 1, minAnswers: 100, amdFalsePositiveRate: 0.1, lockoutHours: 72 },
    minRingSeconds: 15,
    maxAgentConnectSeconds: 2,
  },
];
