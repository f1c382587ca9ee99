// Outcome of a dial by the age at which it resolves: how likely a call still ringing at a given age
// is to be presented as a live answer within the next few seconds. Built from resolved calls only,
// with exponential forgetting so it follows a campaign whose answer rate drifts. The level of the
// live-answer rate has a memory of its own that a change detector (CUSUM) shortens when the regime
// changes, so the estimate follows answer rates that swing in bursts instead of averaging them.
// Level and detector read calls in launch order (a call waits until every earlier one resolved):
// in resolution order the stream is not stationary (failures resolve in seconds, live answers
// after the ring time, no-answers at the timeout), and a short memory would chase that composition.
import { ChangeDetector, DEFAULT_CHANGE_DETECTOR, type ChangeDetectorOptions } from './change-detector.js';

export type CallResolution = 'live' | 'machine' | 'failed';

/** Resolved calls remembered (weight 1/e after this many newer ones). */
const LONG_MEMORY_CALLS = 400;
/** A short memory catches answer bursts that the long one would average away. */
const SHORT_MEMORY_CALLS = 80;
const RESCALE_AT = 1e100;
/** Agent dispositions remembered for the human share of presented answers: short, because when the
 *  live-answer rate falls the share of machines among presented answers jumps, and a lagging share
 *  understates how many visible abandons were people. */
const DISPOSITION_MEMORY = 150;
/** Memory (resolved calls) of the live-rate level right after a detected change; it then grows by one
 *  per call back to the long memory. */
const AFTER_CHANGE_CALLS = 20;
/** Calls the level must have read before the detector and the level are trusted. */
const LEVEL_WARM_CALLS = 80;
/** Calls per batch, and batches of memory, of the spread of the live rate around the level. */
const SPREAD_BATCH_CALLS = 20;
const SPREAD_MEMORY_BATCHES = 30;
/** Weight of each new high batch in the hidden regime's level (its last few batches count). */
const HIGH_LEVEL_WEIGHT = 0.3;
/** With memory in time: the level's memory spans at least this long, the short memory this long, and
 *  the detector's alarm level rises by ln(calls read per hour ÷ ALARM_BASE_CALLS_PER_HOUR). */
const LEVEL_MEMORY_MS = 5 * 60_000;
const SHORT_MEMORY_MS = 60_000;
const ALARM_BASE_CALLS_PER_HOUR = 2000;
const READ_RATE_MEMORY_MS = 10 * 60_000;
/** Memory of the regime history: how often the answer rate jumped up, and how high it went. */
const REGIME_MEMORY_MS = 60 * 60_000;

/** P(X ≥ k) for X ~ Binomial(n, p). */
function binomialTail(n: number, p: number, k: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  let term = (1 - p) ** n;
  let below = 0;
  for (let i = 0; i < k; i++) {
    below += term;
    term *= ((n - i) / (i + 1)) * (p / (1 - p));
  }
  return Math.max(0, 1 - below);
}

export interface AnswerEstimatorOptions {
  detector?: ChangeDetectorOptions;
  /** The live rate's spread around the level joins its relative variance. */
  spreadInRisk?: boolean;
  /** A detected rise is measured from the calls since its change point. */
  riseFromChangePoint?: boolean;
  /** Level and short memories span at least a stretch of time, and the detector's alarm level rises
   *  with the calls read per hour (see README: memory in time). */
  memoryInTime?: boolean;
}

export class AnswerEstimator {
  readonly binMs: number;
  readonly bins: number;
  private readonly live: Float64Array;
  private readonly all: Float64Array;
  private machine = 0;
  private weight = 1;
  private readonly growth = Math.exp(1 / LONG_MEMORY_CALLS);
  private shortLive = 0;
  private shortWarm = 0;
  private resolved = 0;
  private liveSeen = 0;
  // Live-rate level with adaptive memory (reset by the change detector).
  private readonly detector: ChangeDetector;
  private level = 0;
  private levelMemory = 1;
  private levelSeen = 0;
  private changes = 0;
  private readonly launchOrder: { callId: number; launchMs: number }[] = [];
  private launchHead = 0;
  private readonly outcomes = new Map<number, boolean>();
  /** Launched calls never placed, skipped by the in-order reading. */
  private readonly withdrawn = new Set<number>();
  private readonly horizonMs: number;
  // Regime history: decayed count of upward changes and the decayed peak of the level.
  private upChanges = 0;
  private peak = 0;
  private regimeAtMs: number | null = null;
  private readonly detectorShift: number;
  // Spread of the live rate around the level it was read against: each batch's live share minus
  // the level at its start, squared, beyond the binomial chance of a batch (a rate that swings
  // faster than the level can follow, or between too few calls for the detector to see).
  private batchCalls = 0;
  private batchLive = 0;
  private batchLevel = 0;
  private batches = 0;
  private residualSquare = 0;
  private binomialSquare = 0;
  // Batches far above the level (a phase the level never followed): their share, the share chance
  // alone would put there, and the live share of the last few of them.
  private highBatches = 0;
  private highByChance = 0;
  private highLevel = 0;
  // Derived tables, rebuilt lazily after new data.
  private dirty = true;
  private readonly cumLive: Float64Array; // cumLive[b] = live weight in bins < b
  private readonly tailAll: Float64Array; // tailAll[b] = all weight in bins >= b
  private burst = 1;
  /** Calls behind the live-rate estimate now in use (effective sample size). */
  private effectiveCalls = 1;
  // Starts at "all human": the cautious end for the budget's thinning term.
  private humans = 1;
  private dispositions = 1;
  private readonly spreadInRisk: boolean;
  private readonly riseFromChangePoint: boolean;
  private readonly memoryInTime: boolean;
  // Calls read in launch order per ms: a count decayed over READ_RATE_MEMORY_MS.
  private readCount = 0;
  private readRatePerMs = 0;
  private readAtMs: number | null = null;
  private readSinceMs: number | null = null;

  constructor(horizonMs: number, binMs = 500, options: AnswerEstimatorOptions = {}) {
    const detector = options.detector ?? DEFAULT_CHANGE_DETECTOR;
    this.detector = new ChangeDetector(detector);
    this.detectorShift = detector.shift;
    this.spreadInRisk = options.spreadInRisk ?? false;
    this.riseFromChangePoint = options.riseFromChangePoint ?? false;
    this.memoryInTime = options.memoryInTime ?? false;
    this.horizonMs = horizonMs;
    this.binMs = binMs;
    this.bins = Math.max(1, Math.ceil(horizonMs / binMs));
    this.live = new Float64Array(this.bins);
    this.all = new Float64Array(this.bins);
    this.cumLive = new Float64Array(this.bins + 1);
    this.tailAll = new Float64Array(this.bins + 1);
  }

  binOf(ageMs: number): number {
    return Math.min(this.bins - 1, Math.max(0, Math.floor(ageMs / this.binMs)));
  }

  /** A call was launched: it joins the launch-ordered stream the level and the detector read. */
  launched(callId: number, launchMs: number): void {
    this.launchOrder.push({ callId, launchMs });
  }

  /** A launched call that was never placed: the in-order reading skips it instead of waiting for it. */
  withdraw(callId: number): void {
    this.withdrawn.add(callId);
  }

  record(ageMs: number, resolution: CallResolution, callId?: number, nowMs?: number): void {
    this.weight *= this.growth;
    if (this.weight > RESCALE_AT) this.rescale();
    const b = this.binOf(ageMs);
    this.all[b] = (this.all[b] ?? 0) + this.weight;
    if (resolution === 'live') this.live[b] = (this.live[b] ?? 0) + this.weight;
    if (resolution === 'machine') this.machine += this.weight;
    const isLive = resolution === 'live' ? 1 : 0;
    this.shortLive += (isLive - this.shortLive) / Math.min(this.shortMemoryCalls(), ++this.shortWarm);
    this.resolved++;
    this.liveSeen += isLive;
    this.dirty = true;
    if (callId !== undefined) {
      this.outcomes.set(callId, isLive === 1);
      this.drain(nowMs ?? Number.NEGATIVE_INFINITY);
    }
  }

  /** Read resolved calls in launch order; a call unresolved past the horizon is skipped. */
  drain(nowMs: number): void {
    const q = this.launchOrder;
    while (this.launchHead < q.length) {
      const head = q[this.launchHead];
      if (!head) break;
      if (this.withdrawn.delete(head.callId)) {
        this.launchHead++;
        continue;
      }
      const outcome = this.outcomes.get(head.callId);
      if (outcome === undefined && nowMs - head.launchMs < this.horizonMs + 10_000) break;
      this.launchHead++;
      if (outcome === undefined) continue;
      this.outcomes.delete(head.callId);
      this.readInOrder(outcome, nowMs);
    }
    if (this.launchHead > 4096 && this.launchHead * 2 > q.length) {
      q.splice(0, this.launchHead);
      this.launchHead = 0;
    }
  }

  private readInOrder(live: boolean, nowMs: number): void {
    this.decayRegime(nowMs);
    // The detector compares each call with the level believed before it.
    this.countRead(nowMs);
    const alarm =
      this.levelSeen >= LEVEL_WARM_CALLS ? this.detector.observe(live, this.level, this.extraAlarmLevel()) : null;
    if (alarm !== null) {
      if (alarm === 'up') {
        this.upChanges++;
        if (this.riseFromChangePoint) this.peak = Math.max(this.peak, this.detector.lastRiseLevel);
      }
      this.changes++;
      this.levelMemory = AFTER_CHANGE_CALLS;
      this.shortWarm = Math.min(this.shortWarm, AFTER_CHANGE_CALLS);
    }
    this.readInBatch(live);
    this.levelSeen++;
    this.levelMemory = Math.min(this.longMemoryCalls(), this.levelMemory + 1);
    this.level += ((live ? 1 : 0) - this.level) / Math.min(this.levelMemory, this.levelSeen);
    // The peak follows the level (once it has settled after a change) and forgets slowly.
    if (this.levelSeen >= LEVEL_WARM_CALLS && this.levelMemory >= 2 * AFTER_CHANGE_CALLS)
      this.peak = Math.max(this.peak, this.level);
    this.dirty = true;
  }

  private readInBatch(live: boolean): void {
    if (this.levelSeen < LEVEL_WARM_CALLS) return;
    if (this.batchCalls === 0) this.batchLevel = this.level;
    this.batchCalls++;
    if (live) this.batchLive++;
    if (this.batchCalls < SPREAD_BATCH_CALLS) return;
    const share = this.batchLive / SPREAD_BATCH_CALLS;
    const level = Math.min(1, Math.max(0, this.batchLevel));
    const weight = 1 / Math.min(SPREAD_MEMORY_BATCHES, ++this.batches);
    this.residualSquare += ((share - level) ** 2 - this.residualSquare) * weight;
    this.binomialSquare += ((level * (1 - level)) / SPREAD_BATCH_CALLS - this.binomialSquare) * weight;
    // "Far above": at least the detector's rise and 2.5 binomial deviations over the level.
    const floor = Math.max(
      level * (1 + this.detectorShift),
      level + 2.5 * Math.sqrt((level * (1 - level)) / SPREAD_BATCH_CALLS),
    );
    const needed = Math.ceil(floor * SPREAD_BATCH_CALLS - 1e-9);
    const high = this.batchLive >= needed;
    this.highBatches += ((high ? 1 : 0) - this.highBatches) * weight;
    this.highByChance += (binomialTail(SPREAD_BATCH_CALLS, level, needed) - this.highByChance) * weight;
    if (high)
      this.highLevel = this.highLevel === 0 ? share : this.highLevel + (share - this.highLevel) * HIGH_LEVEL_WEIGHT;
    this.batchCalls = 0;
    this.batchLive = 0;
  }

  /**
   * A regime the level does not follow (phases too short or too sparsely dialed for the detector):
   * the share of time the live rate sits far above the level, beyond what chance puts there, and
   * the factor over the current estimate it then reaches.
   */
  hiddenRegime(): { share: number; factor: number } {
    const share = Math.max(0, this.highBatches - this.highByChance);
    const current = this.liveProbability();
    return { share, factor: share > 0 && current > 0 ? Math.max(1, this.highLevel / current) : 1 };
  }

  /** Variance of the live rate around the level beyond chance (0 while it stays within chance). */
  liveRateSpread(): number {
    return Math.max(0, this.residualSquare - this.binomialSquare);
  }

  /** Counts one call read and updates the read rate (calls per ms lately; 0 until a minute of them). */
  private countRead(nowMs: number): void {
    if (!Number.isFinite(nowMs)) return;
    const dt = this.readAtMs === null ? 0 : Math.max(0, nowMs - this.readAtMs);
    this.readAtMs = nowMs;
    this.readSinceMs ??= nowMs;
    this.readCount = this.readCount * Math.exp(-dt / READ_RATE_MEMORY_MS) + 1;
    const span = nowMs - this.readSinceMs;
    // A decayed count over a span shorter than its memory covers only that span.
    this.readRatePerMs =
      span < 60_000 ? 0 : this.readCount / (READ_RATE_MEMORY_MS * (1 - Math.exp(-span / READ_RATE_MEMORY_MS)));
  }

  private longMemoryCalls(): number {
    if (!this.memoryInTime) return LONG_MEMORY_CALLS;
    return Math.max(LONG_MEMORY_CALLS, Math.round(this.readRatePerMs * LEVEL_MEMORY_MS));
  }

  private shortMemoryCalls(): number {
    if (!this.memoryInTime) return SHORT_MEMORY_CALLS;
    return Math.max(SHORT_MEMORY_CALLS, Math.round(this.readRatePerMs * SHORT_MEMORY_MS));
  }

  /** A CUSUM's false alarms come per call read: at high volume its alarm level must rise to keep
   *  them as rare per hour as at low volume. */
  private extraAlarmLevel(): number {
    if (!this.memoryInTime) return 0;
    const perHour = this.readRatePerMs * 3_600_000;
    return perHour > ALARM_BASE_CALLS_PER_HOUR ? Math.log(perHour / ALARM_BASE_CALLS_PER_HOUR) : 0;
  }

  private decayRegime(nowMs: number): void {
    if (!Number.isFinite(nowMs)) return;
    const dt = this.regimeAtMs === null ? 0 : Math.max(0, nowMs - this.regimeAtMs);
    this.regimeAtMs = nowMs;
    const keep = Math.exp(-dt / REGIME_MEMORY_MS);
    this.upChanges *= keep;
    this.peak = this.level + (this.peak - this.level) * keep;
  }

  /**
   * Regime-switch risk: the rate (per ms) at which the live-answer rate has jumped up lately, and
   * the factor by which it would rise if it jumped to its recent peak (≥ 1). Campaigns without
   * bursts have a rate near 0.
   */
  regimeRisk(nowMs: number): { upRatePerMs: number; peakFactor: number } {
    this.decayRegime(nowMs);
    const current = this.liveProbability();
    return {
      upRatePerMs: this.upChanges / REGIME_MEMORY_MS,
      peakFactor: current > 0 ? Math.max(1, this.peak / current) : 1,
    };
  }

  /** An agent's verdict on a presented answer: a live person or a machine. */
  recordDisposition(human: boolean): void {
    const keep = 1 - 1 / DISPOSITION_MEMORY;
    this.humans = this.humans * keep + (human ? 1 : 0);
    this.dispositions = this.dispositions * keep + 1;
  }

  /** Share of presented answers that are live people. */
  humanShare(): number {
    return this.humans / this.dispositions;
  }

  get resolvedCalls(): number {
    return this.resolved;
  }

  get liveAnswers(): number {
    return this.liveSeen;
  }

  /** Regime changes of the answer process detected so far. */
  get regimeChanges(): number {
    return this.changes;
  }

  /** Current live-rate level (adaptive memory) and the evidence for a change in progress. */
  get liveLevel(): number {
    return this.level;
  }

  /** P(a new dial becomes a live answer): the current level, or the short memory when higher (a burst
   *  not yet confirmed by the detector). */
  liveProbability(): number {
    this.refresh();
    return Math.min(1, this.longLive() * this.burst);
  }

  /**
   * Relative variance of the live-answer probability in use, (1 − p)/(p·n) with n the calls behind it
   * (binomial sampling error of an exponential average). Right after a detected change the level
   * rests on ~20 calls, and a live rate of 7 % read from 20 calls is 0 to 15 %: an estimate that
   * low would launch several times too many calls. One error for every call in flight.
   */
  liveRateRelativeVariance(): number {
    this.refresh();
    const p = this.liveProbability();
    if (!(p > 0)) return 0;
    return (1 - p) / (p * this.effectiveCalls) + (this.spreadInRisk ? this.liveRateSpread() / (p * p) : 0);
  }

  machineProbability(): number {
    this.refresh();
    const total = this.tailAll[0] ?? 0;
    return total > 0 ? this.machine / total : 0;
  }

  /** P(live answer within `aheadBins` bins | still unresolved in bin `ageBin`). */
  liveWithin(ageBin: number, aheadBins: number): number {
    this.refresh();
    const rest = this.tailAll[ageBin] ?? 0;
    if (rest <= 0 || aheadBins <= 0) return 0;
    const end = Math.min(this.bins, ageBin + aheadBins);
    const q = (((this.cumLive[end] ?? 0) - (this.cumLive[ageBin] ?? 0)) / rest) * this.burst;
    return Math.min(1, q);
  }

  /** Bins after launch by which a share `quantile` of live answers has been presented. */
  liveDelayQuantileBins(quantile: number): number {
    this.refresh();
    const total = this.cumLive[this.bins] ?? 0;
    if (total <= 0) return this.bins;
    const goal = quantile * total;
    let b = 0;
    while (b < this.bins && (this.cumLive[b + 1] ?? 0) < goal) b++;
    return b + 1;
  }

  meanLiveDelayMs(): number {
    this.refresh();
    let w = 0;
    let sum = 0;
    for (let b = 0; b < this.bins; b++) {
      const x = this.live[b] ?? 0;
      w += x;
      sum += x * (b + 0.5) * this.binMs;
    }
    return w > 0 ? sum / w : 0;
  }

  private longLive(): number {
    const total = this.tailAll[0] ?? 0;
    return total > 0 ? (this.cumLive[this.bins] ?? 0) / total : 0;
  }

  private refresh(): void {
    if (!this.dirty) return;
    this.dirty = false;
    for (let b = 0; b < this.bins; b++) this.cumLive[b + 1] = (this.cumLive[b] ?? 0) + (this.live[b] ?? 0);
    this.tailAll[this.bins] = 0;
    for (let b = this.bins - 1; b >= 0; b--) this.tailAll[b] = (this.tailAll[b + 1] ?? 0) + (this.all[b] ?? 0);
    const long = this.longLive();
    // The answer-age tables keep their long memory (their shape rarely changes); their level is
    // rescaled to the adaptive level, and up to the short memory while that is higher.
    const short = this.shortWarm >= AFTER_CHANGE_CALLS ? this.shortLive : 0;
    // Effective sample of an exponential average with memory m: 2m − 1 calls.
    const ess = (memory: number): number => Math.max(1, 2 * memory - 1);
    const longCalls = ess(Math.min(LONG_MEMORY_CALLS, this.resolved));
    const shortCalls = ess(Math.min(this.shortMemoryCalls(), this.shortWarm));
    if (long <= 0) {
      this.burst = 1;
      this.effectiveCalls = longCalls;
    } else if (this.levelSeen < LEVEL_WARM_CALLS) {
      this.burst = Math.max(1, short / long);
      this.effectiveCalls = short > long ? shortCalls : longCalls;
    } else {
      this.burst = Math.max(this.level, short) / long;
      this.effectiveCalls = short > this.level ? shortCalls : ess(Math.min(this.levelMemory, this.levelSeen));
    }
  }

  private rescale(): void {
    for (let b = 0; b < this.bins; b++) {
      this.live[b] = (this.live[b] ?? 0) / this.weight;
      this.all[b] = (this.all[b] ?? 0) / this.weight;
    }
    this.machine /= this.weight;
    this.weight = 1;
  }
}
