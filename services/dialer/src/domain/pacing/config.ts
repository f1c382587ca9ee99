// Pacer configuration: safe defaults, a pure validator that names the offending field, and a typed
// error for callers that want to refuse bad config outright.

/** A legal abandon window. Rolling: every window of lengthMs (e.g. the UK/Ofcom-style hour).
 *  Fixed: consecutive windows of lengthMs from originMs (a day, a 30-day campaign period). */
export type AbandonWindow =
  { kind: 'rolling'; lengthMs: number } | { kind: 'fixed'; lengthMs: number; originMs: number };

export interface AmdConfig {
  enabled: boolean;
  /** Time from answer to verdict; the call counts as ringing meanwhile. */
  detectMs: number;
  /** Operator-measured share of live people AMD tags as machines (hung up = abandoned, UK rule). */
  humanFalsePositiveRate: number;
  /** Relative standard deviation of that rate from day to day (e.g. 0.25: a 1 % rate is 0.75..1.25 %
   *  on most days); budgeted with the binomial chance of the false positives in every window. */
  humanFalsePositiveSpread: number;
}

export interface PacerConfig {
  /** Largest allowed share of live answers abandoned, e.g. 0.03. */
  targetAbandonRate: number;
  /** Every window here must stay within the target. */
  abandonWindows: readonly AbandonWindow[];
  /** A presented call nobody takes within this time is abandoned (the 2-second rule). */
  abandonAfterMs: number;
  maxRingMs: number;
  /** The pacer's own ceilings; the snapshot's limits apply as well. */
  channelCapacity: number;
  maxCps: number;
  amd: AmdConfig;
  /** Most calls ringing or waiting per logged-in agent. */
  maxDialRatio: number;
  /** Progressive dialing until this much has been observed. */
  minResolvedCalls: number;
  minLiveAnswers: number;
  minAgentReleases: number;
  /** Share of the sustainable abandon rate (what a fresh window affords within its upper bound)
   *  the pacer aims to spend on average; the rest absorbs chance. */
  budgetShare: number;
  /** Ceiling on the abandon probability (per live answer) of the last call of a tick. */
  maxMarginalAbandonRisk: number;
  /** z of the upper confidence bound on expected abandons. */
  confidenceZ: number;
  /** Abandons held back from every window's budget; with windowBreachChance on, only for campaigns
   *  with AMD false positives (their unseen count in windows too large for that check). */
  reserveAbandons: number;
  /** Most the pacer's own abandons (in flight, and its spending until the window closes) may add to
   *  the chance that a day of dialing has a window with few abandons left end over the target,
   *  counted in whole live people (Poisson; 0: off). Each window may add its share of it: its length
   *  over the day's (a day fails on any hour over). */
  windowBreachChance: number;
  /** The length of a day of dialing that chance is spread over; 0: the shift's, from the first
   *  decision to shiftEndMs, or one window when that is unknown. */
  dialingDayMs: number;
  /** That check counts a window's future answers at the cautious share until the campaign's history
   *  shows more: then at the last hour's rate times the share of it delivered since, at most this. */
  breachAnswerShareMax: number;
  /** Future answers are counted at a share of the rate expected now (answers fall short when bursts end
   *  or agents leave): this share until the campaign's own history shows more (AnswerCredit), and
   *  never more than the max. Equal: a fixed share. */
  futureAnswerShare: number;
  futureAnswerShareMax: number;
  /** When dialing stops; no answers are expected after it. null: unknown. */
  shiftEndMs: number | null;
  /** Change detector on the live-answer rate (CUSUM): relative change watched for, and the alarm
   *  level in log-likelihood units (Infinity: off). An alarm shortens the estimators' memory. */
  changeShift: number;
  changeThreshold: number;
  /** Relative rise watched for by a second rise sum of the change detector, for large jumps
   *  dialed into by few calls (0: none). */
  changeJumpShift: number;
  /** Re-assess the abandons to expect from calls already in flight at every tick (not only the risk
   *  each carried at launch) in the budget check. */
  reassessInFlight: boolean;
  /** The answer rate jumping to its recent peak under the calls in flight is weighed as a mixture
   *  of the two scenarios (false: a normal with the jump's mean and variance). */
  regimeMixture: boolean;
  /** The live rate's spread around the level beyond chance (batches of 20 calls) joins the
   *  live-rate error that is common to every call in flight. */
  rateSpread: boolean;
  /** Batches of calls far above the level, beyond chance, are a regime the detector cannot see:
   *  their share of the time and their level join the regime-jump risk and the stress test. */
  hiddenRegimes: boolean;
  /** A detected rise is measured from the calls since its change point (the CUSUM's last zero), and
   *  that rate joins the recent peak: the level follows a burst only after the alarm. */
  riseFromChangePoint: boolean;
  /** Each call beyond progressive must also fit every window with the abandons of all calls in
   *  flight and launched with it, mixed over the jump scenario (their common shock's spread). */
  jointBudget: boolean;
  /** The live-rate level's memory spans at least 5 minutes and the short memory 1 minute of calls,
   *  and the change detector's alarm level rises with the calls read per hour. */
  memoryInTime: boolean;
  /** The stress test applies when a jump of the answer rate is likely within this span (at least a
   *  call's exposure): a jump anywhere in a window meets whatever the pacer has in flight then. */
  stressSpanMs: number;
  /** The answers expected from now on scale down with the agents logged in now against those
   *  behind the recent answer rate (a staffing drop). */
  staffingScaledAnswers: boolean;
  /** Lowest calibration factor (observed ÷ predicted abandons); 1: calibration only raises risks. */
  calibrationFloor: number;
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

export const DEFAULT_PACER_CONFIG: Readonly<PacerConfig> = Object.freeze({
  targetAbandonRate: 0.03,
  abandonWindows: Object.freeze<AbandonWindow[]>([
    { kind: 'rolling', lengthMs: HOUR_MS },
    { kind: 'fixed', lengthMs: DAY_MS, originMs: 0 },
  ]),
  abandonAfterMs: 2000,
  maxRingMs: 25_000,
  channelCapacity: Number.POSITIVE_INFINITY,
  maxCps: Number.POSITIVE_INFINITY,
  amd: Object.freeze({ enabled: false, detectMs: 3000, humanFalsePositiveRate: 0, humanFalsePositiveSpread: 0.25 }),
  maxDialRatio: 6,
  minResolvedCalls: 100,
  minLiveAnswers: 20,
  minAgentReleases: 20,
  budgetShare: 0.45,
  maxMarginalAbandonRisk: 0.3,
  confidenceZ: 2.2,
  reserveAbandons: 1,
  windowBreachChance: 0.01,
  dialingDayMs: 0,
  breachAnswerShareMax: 1,
  futureAnswerShare: 0.5,
  // The answer credit is off (max = floor): measured in README.md, it cost more hours than it won.
  futureAnswerShareMax: 0.5,
  shiftEndMs: null,
  changeShift: 0.5,
  changeThreshold: 4,
  changeJumpShift: 2,
  reassessInFlight: true,
  regimeMixture: true,
  rateSpread: true,
  hiddenRegimes: true,
  riseFromChangePoint: true,
  jointBudget: true,
  memoryInTime: true,
  stressSpanMs: 60 * 60_000,
  staffingScaledAnswers: true,
  calibrationFloor: 0.1,
});

export interface ConfigIssue {
  field: string;
  message: string;
}

export class PacerConfigError extends Error {
  override readonly name = 'PacerConfigError';
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(`invalid pacer config: ${issues.map((i) => `${i.field} ${i.message}`).join('; ')}`);
  }
}

export type PacerConfigInput = Partial<Omit<PacerConfig, 'amd'>> & { amd?: Partial<AmdConfig> };

export function withDefaults(input: PacerConfigInput = {}): PacerConfig {
  return { ...DEFAULT_PACER_CONFIG, ...input, amd: { ...DEFAULT_PACER_CONFIG.amd, ...input.amd } };
}

const isNum = (x: unknown): x is number => typeof x === 'number' && !Number.isNaN(x);

/** All problems with a complete config; empty when it is valid. */
export function validatePacerConfig(c: PacerConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const check = (ok: boolean, field: string, message: string): void => {
    if (!ok) issues.push({ field, message });
  };
  const inRange = (x: unknown, lo: number, hi: number): boolean => isNum(x) && x >= lo && x <= hi;
  const positive = (x: unknown): boolean => isNum(x) && x > 0;
  const finitePositive = (x: unknown): boolean => positive(x) && Number.isFinite(x);

  check(
    isNum(c.targetAbandonRate) && c.targetAbandonRate > 0 && c.targetAbandonRate < 1,
    'targetAbandonRate',
    'must be in (0, 1)',
  );
  check(
    Array.isArray(c.abandonWindows) && c.abandonWindows.length > 0,
    'abandonWindows',
    'must list at least one window',
  );
  // Validation also runs on untyped input, where Array.isArray narrows to any[].
  (Array.isArray(c.abandonWindows) ? (c.abandonWindows as readonly AbandonWindow[]) : []).forEach((w, i) => {
    check(w.kind === 'rolling' || w.kind === 'fixed', `abandonWindows[${i}].kind`, "must be 'rolling' or 'fixed'");
    check(
      finitePositive(w.lengthMs) && w.lengthMs >= 60_000,
      `abandonWindows[${i}].lengthMs`,
      'must be a finite number of ms >= 60000',
    );
    if (w.kind === 'fixed')
      check(
        isNum(w.originMs) && Number.isFinite(w.originMs),
        `abandonWindows[${i}].originMs`,
        'must be a finite number',
      );
  });
  check(finitePositive(c.abandonAfterMs), 'abandonAfterMs', 'must be a finite number > 0');
  check(finitePositive(c.maxRingMs), 'maxRingMs', 'must be a finite number > 0');
  check(positive(c.channelCapacity), 'channelCapacity', 'must be > 0');
  check(positive(c.maxCps), 'maxCps', 'must be > 0');
  check(typeof c.amd?.enabled === 'boolean', 'amd.enabled', 'must be a boolean');
  check(inRange(c.amd?.detectMs, 0, 60_000), 'amd.detectMs', 'must be in [0, 60000]');
  check(inRange(c.amd?.humanFalsePositiveRate, 0, 1), 'amd.humanFalsePositiveRate', 'must be in [0, 1]');
  check(inRange(c.amd?.humanFalsePositiveSpread, 0, 1), 'amd.humanFalsePositiveSpread', 'must be in [0, 1]');
  if (isNum(c.amd?.humanFalsePositiveRate) && isNum(c.targetAbandonRate) && c.amd.enabled) {
    check(
      c.amd.humanFalsePositiveRate < c.targetAbandonRate,
      'amd.humanFalsePositiveRate',
      'must be below targetAbandonRate (AMD alone would break the target)',
    );
  }
  check(inRange(c.maxDialRatio, 1, 50), 'maxDialRatio', 'must be in [1, 50]');
  check(Number.isInteger(c.minResolvedCalls) && c.minResolvedCalls >= 0, 'minResolvedCalls', 'must be an integer >= 0');
  check(Number.isInteger(c.minLiveAnswers) && c.minLiveAnswers >= 1, 'minLiveAnswers', 'must be an integer >= 1');
  check(Number.isInteger(c.minAgentReleases) && c.minAgentReleases >= 1, 'minAgentReleases', 'must be an integer >= 1');
  check(isNum(c.budgetShare) && c.budgetShare > 0 && c.budgetShare <= 1, 'budgetShare', 'must be in (0, 1]');
  check(inRange(c.maxMarginalAbandonRisk, 0, 1), 'maxMarginalAbandonRisk', 'must be in [0, 1]');
  check(inRange(c.confidenceZ, 0, 6), 'confidenceZ', 'must be in [0, 6]');
  check(inRange(c.reserveAbandons, 0, 1e6), 'reserveAbandons', 'must be >= 0');
  check(inRange(c.windowBreachChance, 0, 1), 'windowBreachChance', 'must be in [0, 1]');
  check(inRange(c.dialingDayMs, 0, 7 * DAY_MS), 'dialingDayMs', 'must be in [0, 7 days]');
  check(inRange(c.breachAnswerShareMax, 0, 1), 'breachAnswerShareMax', 'must be in [0, 1]');
  check(inRange(c.futureAnswerShare, 0, 1), 'futureAnswerShare', 'must be in [0, 1]');
  check(
    inRange(c.futureAnswerShareMax, isNum(c.futureAnswerShare) ? c.futureAnswerShare : 0, 1),
    'futureAnswerShareMax',
    'must be in [futureAnswerShare, 1]',
  );
  check(inRange(c.changeShift, 0.05, 0.95), 'changeShift', 'must be in [0.05, 0.95]');
  check(isNum(c.changeThreshold) && c.changeThreshold > 0, 'changeThreshold', 'must be > 0 (Infinity: off)');
  check(inRange(c.changeJumpShift, 0, 20), 'changeJumpShift', 'must be in [0, 20]');
  check(typeof c.reassessInFlight === 'boolean', 'reassessInFlight', 'must be a boolean');
  check(typeof c.regimeMixture === 'boolean', 'regimeMixture', 'must be a boolean');
  check(typeof c.rateSpread === 'boolean', 'rateSpread', 'must be a boolean');
  check(typeof c.hiddenRegimes === 'boolean', 'hiddenRegimes', 'must be a boolean');
  check(typeof c.riseFromChangePoint === 'boolean', 'riseFromChangePoint', 'must be a boolean');
  check(typeof c.jointBudget === 'boolean', 'jointBudget', 'must be a boolean');
  check(typeof c.memoryInTime === 'boolean', 'memoryInTime', 'must be a boolean');
  check(inRange(c.stressSpanMs, 0, DAY_MS), 'stressSpanMs', 'must be in [0, 86400000]');
  check(typeof c.staffingScaledAnswers === 'boolean', 'staffingScaledAnswers', 'must be a boolean');
  check(inRange(c.calibrationFloor, 0.1, 1), 'calibrationFloor', 'must be in [0.1, 1]');
  check(
    c.shiftEndMs === null || (isNum(c.shiftEndMs) && Number.isFinite(c.shiftEndMs)),
    'shiftEndMs',
    'must be null or a finite number',
  );
  return issues;
}

/** Defaults filled in and validated; throws PacerConfigError listing every bad field. */
export function resolvePacerConfig(input: PacerConfigInput = {}): PacerConfig {
  const config = withDefaults(input);
  const issues = validatePacerConfig(config);
  if (issues.length > 0) throw new PacerConfigError(issues);
  return config;
}
