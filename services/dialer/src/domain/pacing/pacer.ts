// The predictive pacer: fed dialer events, asked each tick how many calls to launch. Pure and
// deterministic: time comes only from events and snapshots, and it draws no random numbers.
import {
  fitsEveryWindow,
  sustainableRate,
  tightestHeadroom,
  type BudgetRule,
  type Commitment,
} from './abandon-budget.js';
import { AbandonLedger, type AnswerHistory } from './abandon-ledger.js';
import { AgentPool } from './agent-pool.js';
import { AnswerCredit } from './answer-credit.js';
import { AnswerEstimator } from './answer-estimator.js';
import { CallBook, type LaunchRisk } from './call-book.js';
import { resolvePacerConfig, type PacerConfig, type PacerConfigInput } from './config.js';
import { LaunchRate } from './launch-rate.js';
import { RiskAppetite } from './risk-appetite.js';
import { StaffingHistory } from './staffing-history.js';
import { abandonRisk, inFlightAbandons, type Outlook } from './queue-outlook.js';
import type { LimitReason, OutlookPoint, PacerEvent, PacingDecision, PacingSnapshot } from './types.js';

export interface Pacer {
  onEvent(event: PacerEvent): void;
  /** Calls to launch now: a non-negative integer within channel, CPS and dial-ratio limits. */
  decide(snapshot: PacingSnapshot): number;
  /**
   * Where a history recalled by a pacer starting now should begin: its abandon windows' span back,
   * at a minute's start (its clock).
   */
  recallFromMs(nowMs: number): number;
  /**
   * Presented answers and abandons from before this pacer's first event (a restarted dialer's, or
   * the pacer this one replaces): the legal windows still open count them. Before any event.
   */
  recall(history: AnswerHistory): void;
  /** The answers and abandons its windows hold, for a pacer that replaces it. */
  history(nowMs: number): AnswerHistory;
}

export interface PacerDeps {
  /** Receives every decision with its inputs and estimates (audit, replay). */
  onDecision?: (decision: PacingDecision) => void;
}

/** Presentation delays (quantiles of the live-answer delay) at which the queue is examined. */
const DELAY_QUANTILES = [0.1, 0.3, 0.5, 0.7, 0.9] as const;
const ANSWER_RATE_LOOKBACK_MS = 10 * 60_000;
/** Future answers are counted this far ahead at most, so a young window is not spent up front. */
const BUDGET_LOOKAHEAD_MS = 60 * 60_000;
/** A jump of the answer rate is detected this long after it happened (calls read in launch order). */
const SWITCH_DETECTION_LAG_MS = 30_000;
/** The regime-jump stress test applies when a jump within a call's exposure is at least this likely
 *  and would raise the answer rate by at least this factor. */
const STRESS_MIN_PROBABILITY = 0.02;
const STRESS_MIN_FACTOR = 1.2;
/** Hard stop per tick whatever the limits say; keeps a tick's work bounded. */
const MAX_LAUNCH_PER_TICK = 1000;

export function createPacer(input: PacerConfigInput = {}, deps: PacerDeps = {}): Pacer {
  const config: PacerConfig = resolvePacerConfig(input);
  const amdFp = config.amd.enabled ? config.amd.humanFalsePositiveRate : 0;
  // AMD false positives are abandons the dialer never sees: visible abandons per presented answer
  // may use only what they leave of the target (derivation in README.md).
  const visibleTarget = (config.targetAbandonRate - amdFp) / (1 - amdFp);
  // The reserve stands in for whole abandons; the breach check counts them, except the unseen
  // AMD false positives' in windows too large for it (README, "Whole abandons in small windows").
  const reserveAbandons = config.windowBreachChance > 0 && amdFp === 0 ? 0 : config.reserveAbandons;
  const answers = new AnswerEstimator(config.maxRingMs + (config.amd.enabled ? config.amd.detectMs : 0) + 5000, 500, {
    detector: {
      shift: config.changeShift,
      threshold: config.changeThreshold,
      jumpShift: config.changeJumpShift,
    },
    spreadInRisk: config.rateSpread,
    riseFromChangePoint: config.riseFromChangePoint,
    memoryInTime: config.memoryInTime,
  });
  const agents = new AgentPool();
  const book = new CallBook(config.calibrationFloor);
  const launches = new LaunchRate();
  const staffing = new StaffingHistory();
  const appetite = new RiskAppetite(config.maxMarginalAbandonRisk);
  // The shortest legal window (at most the lookahead) is the span the aimed rate must hold over, and
  // the horizon over which the campaign's answers are compared with what was expected of them.
  const paceSpanMs = Math.min(BUDGET_LOOKAHEAD_MS, ...config.abandonWindows.map((w) => w.lengthMs));
  const ledger = new AbandonLedger(config.abandonWindows, Math.max(ANSWER_RATE_LOOKBACK_MS, paceSpanMs));
  // Budget earned from answers that held up is spent on visible abandons, which the budget then
  // sees; with AMD false positives, abandons it never sees, a day that runs hot would take it
  // unnoticed (README: amd-heavy seed 4), so such campaigns keep the floor.
  const credit = new AnswerCredit(
    paceSpanMs,
    config.futureAnswerShare,
    amdFp > 0 ? config.futureAnswerShare : config.futureAnswerShareMax,
    2 * ANSWER_RATE_LOOKBACK_MS,
  );
  // The whole count of a small window counts its future answers at the rate of the last hour (a
  // short lookback is too noisy for a team of five), times the share of it the campaign's own
  // history has delivered: a steady campaign's window of 60 live answers then holds its one abandon
  // instead of none. Until that history exists, or once its answers fell to the floor, the cautious
  // count.
  const wholeCountCredit = new AnswerCredit(
    paceSpanMs,
    config.futureAnswerShare,
    Math.max(config.futureAnswerShare, config.breachAnswerShareMax),
    2 * ANSWER_RATE_LOOKBACK_MS,
  );
  const answersIn = (fromMs: number, toMs: number): number => ledger.answersIn(fromMs, toMs);
  // Fixed at the first decision, where the shift's span is counted from.
  let breachChance: number | null = null;

  function onEvent(e: PacerEvent): void {
    switch (e.type) {
      case 'call_originated':
        book.onOriginated(e.callId, e.tMs);
        answers.launched(e.callId, e.tMs);
        break;
      case 'call_answered': {
        const launchMs = book.launchOf(e.callId);
        if (launchMs !== undefined)
          answers.record(e.tMs - launchMs, e.detected === 'human' ? 'live' : 'machine', e.callId, e.tMs);
        if (e.detected === 'human') {
          book.onPresented(e.callId, e.answeredAtMs);
          ledger.recordAnswer(e.answeredAtMs);
        } else book.settle(e.callId, false);
        break;
      }
      case 'call_failed': {
        const launchMs = book.launchOf(e.callId);
        if (launchMs !== undefined) answers.record(e.tMs - launchMs, 'failed', e.callId, e.tMs);
        book.forget(e.callId);
        break;
      }
      case 'call_not_placed':
        answers.withdraw(e.callId);
        book.forget(e.callId);
        break;
      case 'call_connected_to_agent':
        book.settle(e.callId, false);
        break;
      case 'call_abandoned':
        ledger.recordAbandon(book.answeredAt(e.callId) ?? e.tMs - e.waitedMs);
        book.settle(e.callId, true);
        break;
      case 'call_ended':
        if (e.disposition) answers.recordDisposition(e.disposition === 'human');
        book.forget(e.callId);
        break;
      case 'agent_busy':
        agents.onBusy(e.agentId, e.tMs);
        break;
      case 'agent_wrapup':
        agents.onWrapUp(e.agentId, e.tMs);
        break;
      case 'agent_ready':
        agents.onReady(e.agentId, e.tMs);
        break;
      case 'agent_logout':
        agents.onLogout(e.agentId, e.tMs);
        break;
    }
  }

  /** The queue as a new call would meet it at each examined presentation delay. */
  function outlooks(
    s: PacingSnapshot,
    p: number,
  ): { view: Outlook[]; stress: Outlook[] | null; points: OutlookPoint[] } {
    const bins = answers.bins;
    const ringingByBin = new Float64Array(bins);
    for (const launchMs of book.ringing()) {
      const b = answers.binOf(s.nowMs - launchMs);
      ringingByBin[b] = (ringingByBin[b] ?? 0) + 1;
    }
    const aheads = DELAY_QUANTILES.map((q) => answers.liveDelayQuantileBins(q));
    const horizons = aheads.map((m) => m * answers.binMs + config.abandonAfterMs);
    const release = agents.releaseOutlook(s.nowMs, horizons);
    const detected = answers.regimeRisk(s.nowMs);
    // A regime the detector cannot see (config.hiddenRegimes): at any moment, with its share of the
    // time, the live rate may be at its high phase's level.
    const hidden = config.hiddenRegimes ? answers.hiddenRegime() : { share: 0, factor: 1 };
    const regime = { upRatePerMs: detected.upRatePerMs, peakFactor: Math.max(detected.peakFactor, hidden.factor) };
    const jumpWithin = (exposureMs: number): number =>
      1 - Math.exp(-regime.upRatePerMs * exposureMs) * (1 - hidden.share);
    const rateRelativeVariance = answers.liveRateRelativeVariance();
    const liveShareByBin = (m: number): number => {
      const all = answers.liveWithin(0, bins);
      return all > 0 ? answers.liveWithin(0, m) / all : 0;
    };
    const stress: Outlook[] = [];
    const points: OutlookPoint[] = [];
    const view = aheads.map((m, i) => {
      let ringMean = 0;
      let ringVariance = 0;
      for (let b = 0; b < bins; b++) {
        const n = ringingByBin[b] ?? 0;
        if (n === 0) continue;
        const q = answers.liveWithin(b, m);
        ringMean += n * q;
        ringVariance += n * q * (1 - q);
      }
      // Regime-switch risk: the answer rate may jump to its recent peak before these calls answer
      // (or may have jumped already and not yet been detected). One common shock for all of them,
      // with probability π: the risk is a mixture of the queue without the jump and with it
      // (config.regimeMixture), or (without it) a normal moved by π·Δ with π(1 − π)·Δ² of variance,
      // Δ the extra answers at the peak.
      const exposureMs = (horizons[i] ?? 0) + SWITCH_DETECTION_LAG_MS;
      const pi = jumpWithin(exposureMs);
      const extra = regime.peakFactor - 1;
      const shock = ringMean * extra;
      const x = p * liveShareByBin(m);
      const supplyMean = s.agentsReady + (release.mean[i] ?? 0);
      const supplyVariance = release.variance[i] ?? 0;
      points.push({
        delayMs: m * answers.binMs,
        liveAnswersFromCallsInFlight: ringMean,
        agentReleases: release.mean[i] ?? 0,
      });
      // The stress scenario: the jump has happened, every call in flight answers at the peak rate.
      const jumped: Outlook = {
        demandMean: s.callsWaitingForAgent + ringMean * regime.peakFactor,
        demandVariance: ringVariance,
        supplyMean,
        supplyVariance,
        newCallLiveByThen: Math.min(1, x * regime.peakFactor),
        inFlightMean: ringMean * regime.peakFactor,
        rateRelativeVariance,
      };
      stress.push(jumped);
      const calm: Outlook = {
        demandMean: s.callsWaitingForAgent + ringMean,
        demandVariance: ringVariance,
        supplyMean,
        supplyVariance,
        newCallLiveByThen: x,
        inFlightMean: ringMean,
        rateRelativeVariance,
      };
      if (config.regimeMixture) return { ...calm, jump: { probability: extra > 0 ? pi : 0, jumped } };
      return {
        ...calm,
        demandMean: calm.demandMean + pi * shock,
        demandVariance: ringVariance + pi * (1 - pi) * shock * shock,
        newCallLiveByThen: Math.min(1, x * (1 + pi * extra)),
      };
    });
    // Stress-test only campaigns whose answer rate has been jumping (a jump within the stress span,
    // or the longest exposure if longer, is not negligible) by a factor that matters.
    const exposure = jumpWithin(
      Math.max((horizons[horizons.length - 1] ?? 0) + SWITCH_DETECTION_LAG_MS, config.stressSpanMs),
    );
    const stressed = exposure >= STRESS_MIN_PROBABILITY && regime.peakFactor >= STRESS_MIN_FACTOR;
    return { view, stress: stressed ? stress : null, points };
  }

  function decide(s: PacingSnapshot): number {
    staffing.record(s.nowMs, s.agentsLoggedIn);
    breachChance ??= config.windowBreachChance * breachShare(s.nowMs);
    const room = Math.min(
      MAX_LAUNCH_PER_TICK,
      Math.min(s.channelCapacity, config.channelCapacity) - s.channelsInUse,
      Math.min(s.maxCps, config.maxCps) - launches.inLastSecond(s.nowMs),
      Math.floor(config.maxDialRatio * s.agentsLoggedIn) - s.callsRinging - s.callsWaitingForAgent,
    );
    const limit = Math.max(0, Math.floor(room));
    const progressive = Math.max(0, s.agentsReady - s.callsRinging - s.callsWaitingForAgent);
    // Early talk samples are the short calls (the long ones are still going): wait for about one
    // release per agent before trusting them.
    const warm =
      answers.resolvedCalls >= config.minResolvedCalls &&
      answers.liveAnswers >= config.minLiveAnswers &&
      agents.releasesSeen >= Math.max(config.minAgentReleases, s.agentsLoggedIn);

    answers.drain(s.nowMs);
    const p = answers.liveProbability();
    const calibration = book.calibration();
    const expectedRate = futureAnswerRate(s);
    credit.observe(s.nowMs, expectedRate, config.shiftEndMs, answersIn);
    const answerRate = credit.share * expectedRate;
    // Only the whole-abandon check reads the hour's rate and its credit.
    let wholeCountPerCautious = 1;
    if (config.windowBreachChance > 0) {
      const hourRate = answersIn(s.nowMs - paceSpanMs, s.nowMs) / paceSpanMs;
      wholeCountCredit.observe(s.nowMs, hourRate, config.shiftEndMs, answersIn);
      if (wholeCountCredit.share > config.futureAnswerShare && answerRate > 0)
        wholeCountPerCautious = (wholeCountCredit.share * hourRate) / answerRate;
    }
    const windows = ledger.openWindows({
      nowMs: s.nowMs,
      futureAnswersPerMs: answerRate,
      lookaheadMs: BUDGET_LOOKAHEAD_MS,
      shiftEndMs: config.shiftEndMs,
    });
    const rule: BudgetRule = {
      visibleTarget,
      reserveAbandons,
      breachChance,
      spendingPerAnswer: appetite.spendingRate,
      // A share of 0 counts no future answers, so none carry spending either.
      expectedPerCautious: credit.share > 0 ? 1 / credit.share : 0,
      wholeCountPerCautious,
      z: config.confidenceZ,
      humanShare: answers.humanShare(),
      amdFalsePositiveRate: amdFp,
      amdFalsePositiveSpread: config.amd.enabled ? config.amd.humanFalsePositiveSpread : 0,
    };

    const risks: LaunchRisk[] = [];
    let limitedBy: LimitReason = limitReason(s, limit);
    let marginal = 0;
    let points: OutlookPoint[] = [];
    let riskSum = book.committedMean;
    let riskVariance = book.committedVariance;
    // The risk launched this tick, and the part of it beyond progressive: the pacer's own spending
    // (risk appetite).
    let launchedRisk = 0;
    let addedRisk = 0;
    let inFlight: Commitment = { mean: 0, variance: 0 };
    let stressTested = false;
    if (!warm) {
      for (let k = 0; k < Math.min(progressive, limit); k++) risks.push({ risk: 0, rawRisk: 0 });
      if (progressive <= limit) limitedBy = 'warming_up';
    } else if (limit > 0) {
      const queue = outlooks(s, p);
      const view = queue.view;
      points = queue.points;
      stressTested = queue.stress !== null;
      // The calls already in flight, re-assessed with what is known now (answer level, agents),
      // not only with the risk each carried at launch: when answers surge, they will overflow.
      if (config.reassessInFlight) {
        inFlight = inFlightAbandons(view, calibration);
        riskSum = Math.max(riskSum, inFlight.mean);
        riskVariance = Math.max(riskVariance, inFlight.variance);
      }
      for (let k = 0; k < limit; k++) {
        const raw = abandonRisk(view, k);
        marginal = Math.min(1, calibration * raw);
        const risk = p * marginal;
        if (k >= progressive) {
          if (marginal > appetite.threshold) {
            limitedBy = 'marginal_risk';
            break;
          }
          let next = { mean: riskSum + risk, variance: riskVariance + risk * (1 - risk) };
          // With the joint budget, also the abandons of the calls in flight and these k + 1 together,
          // mixed over the jump and no jump: a jump is one shock to all of them, whose spread a sum of
          // per-call risks misses.
          if (config.jointBudget) {
            const joint = inFlightAbandons(view, calibration, k + 1);
            next = { mean: Math.max(next.mean, joint.mean), variance: Math.max(next.variance, joint.variance) };
          }
          if (!fitsEveryWindow(windows, next, rule)) {
            limitedBy = 'abandon_budget';
            break;
          }
          // Every window must also survive the answer rate jumping to its recent peak now.
          if (queue.stress && !fitsEveryWindow(windows, inFlightAbandons(queue.stress, calibration, k + 1), rule)) {
            limitedBy = 'abandon_budget';
            break;
          }
        }
        risks.push({ risk, rawRisk: p * raw });
        launchedRisk += risk;
        if (k >= progressive) addedRisk += risk;
        riskSum += risk;
        riskVariance += risk * (1 - risk);
      }
    }

    const launch = risks.length;
    launches.record(s.nowMs, launch);
    // Steer only when the threshold was what stopped us: under other limits it would wind up.
    const aim = config.budgetShare * sustainableRate(answerRate * paceSpanMs, rule);
    appetite.update(s.nowMs, launchedRisk, launch * p, warm && limitedBy === 'marginal_risk', aim, addedRisk);
    book.expectLaunches(risks);
    if (deps.onDecision) {
      const left = tightestHeadroom(windows, { mean: riskSum, variance: riskVariance }, rule);
      const regimeNow = answers.regimeRisk(s.nowMs);
      const hiddenNow = answers.hiddenRegime();
      deps.onDecision({
        atMs: s.nowMs,
        launch,
        predictive: warm,
        limitedBy,
        snapshot: { ...s },
        estimates: {
          liveAnswerProbability: p,
          machineAnswerProbability: answers.machineProbability(),
          meanTimeToLiveAnswerMs: answers.meanLiveDelayMs(),
          meanTalkMs: agents.talk.meanMs,
          meanWrapMs: agents.wrap.meanMs,
          expectedAgentReleases: points[DELAY_QUANTILES.indexOf(0.5)]?.agentReleases ?? 0,
          calibration,
          marginalAbandonRisk: marginal,
          marginalRiskThreshold: appetite.threshold,
          answerJumpsPerHour: regimeNow.upRatePerMs * 3_600_000,
          answerPeakFactor: regimeNow.peakFactor,
          answerHiddenHighShare: hiddenNow.share,
          answerHiddenHighFactor: hiddenNow.factor,
          outlook: points,
        },
        budget: {
          headroom: left.headroom,
          committed: riskSum,
          humanShare: rule.humanShare,
          tightestWindowStartMs: left.tightestStartMs,
          expectedAnswersPerHour: expectedRate * 3_600_000,
          futureAnswerShare: credit.share,
          stressTested,
        },
      });
    }
    return launch;
  }

  /** Presented answers per ms to expect: the recent rate, but no more than the agents can take
   *  (the rate right after a burst or at shift start would overstate what follows). */
  function futureAnswerRate(s: PacingSnapshot): number {
    let recent = ledger.answerRate(s.nowMs, ANSWER_RATE_LOOKBACK_MS);
    if (config.staffingScaledAnswers) {
      const staffed = staffing.meanOver(s.nowMs, ANSWER_RATE_LOOKBACK_MS);
      if (s.agentsLoggedIn < staffed) recent *= s.agentsLoggedIn / staffed;
    }
    const handleMs = agents.talk.meanMs + agents.wrap.meanMs;
    return handleMs > 0 ? Math.min(recent, s.agentsLoggedIn / handleMs) : recent;
  }

  /** A window's share of the day's breach chance: its length over the day's (a day of dialing fails
   *  on any window over, and each window holds about its own share of the day's abandons). */
  function breachShare(shiftStartMs: number): number {
    const shiftMs = config.shiftEndMs === null ? 0 : config.shiftEndMs - shiftStartMs;
    const dayMs = config.dialingDayMs > 0 ? config.dialingDayMs : shiftMs;
    return dayMs > paceSpanMs ? paceSpanMs / dayMs : 1;
  }

  function limitReason(s: PacingSnapshot, limit: number): LimitReason {
    const channels = Math.min(s.channelCapacity, config.channelCapacity) - s.channelsInUse;
    const cps = Math.min(s.maxCps, config.maxCps) - launches.inLastSecond(s.nowMs);
    if (limit === Math.max(0, Math.floor(channels))) return 'channel_capacity';
    if (limit === Math.max(0, Math.floor(cps))) return 'calls_per_second';
    return 'dial_ratio';
  }

  return {
    onEvent,
    decide,
    recallFromMs: (nowMs) => ledger.recallFromMs(nowMs),
    recall: (history) => ledger.recall(history),
    history: (nowMs) => ledger.history(nowMs),
  };
}
