import type { RulePackVersion } from '../types.js';

const financeWords = ['保证收益', '保本保息', '稳赚不赔', '零风险', '高收益无风险'];
const educationWords = ['百分百提分', '保过', '包过', '不过全额退款'];

/**
 * China: the seeds' practice (calls 08:00–21:00, ≤ 2 a day ≥ 6 h apart, a refusal is final, 退订
 * stops all contact, abandon ≤ 5 %) and official caller IDs only. 2026-01 adds Spring Festival.
 */
const cn2025: RulePackVersion = {
  pack: 'CN',
  version: '2025-01',
  effectiveFrom: '2025-01-01T00:00:00Z',
  description:
    'China: 08:00–21:00, ≤ 2 calls a day ≥ 6 h apart, caller ID ≤ 50 a day ≥ 30 s apart, refusal final, consent when the campaign requires it, official caller IDs only, abandon ≤ 5 % a day, marketing ≤ 3 min',
  scope: { regions: ['CN'] },
  window: { default: [{ start: '08:00', end: '21:00' }] },
  leadCaps: { maxPer24h: 2, minGapMinutes: 360 },
  callerIdCaps: { maxPer24h: 50, minGapSeconds: 30 },
  refusalLockDays: null,
  abandon: { maxRate: 0.05, windowDays: 1, minAnswers: 100 },
  consent: 'campaign',
  officialCallerIdOnly: true,
  maxMarketingCallSeconds: 180,
  sensitiveWords: { finance: financeWords, insurance: financeWords, education: educationWords },
};

export const cn: readonly RulePackVersion[] = [
  cn2025,
  {
    // A new version states only what changed; everything else carries over from 2025-01.
    ...cn2025,
    version: '2026-01',
    effectiveFrom: '2026-01-01T00:00:00Z',
    description:
      'As 2025-01, plus no calls on 除夕 and the first day of Spring Festival, and a 12:00–13:30 lunch pause',
    window: {
      default: [
        { start: '08:00', end: '12:00' },
        { start: '13:30', end: '21:00' },
      ],
      holidays: { '2026-02-16': [], '2026-02-17': [], '2027-02-05': [], '2027-02-06': [] },
    },
  },
];
