// A change detector on the answer process: one-sided CUSUMs of the Bernoulli log-likelihood ratio of
// "this resolved call was a live answer", against the estimators' own reference rate. One watches for
// a rise of the live-answer rate by a factor `1 + shift`, one for a fall to `1 − shift`, and
// optionally a second rise sum for a large jump (`1 + jumpShift`): a sum tuned to ×1.5 needs about ten
// live answers in excess to cross, which a short burst dialed into by few calls never delivers, while
// a ×3 sum crosses on five or six. A sum crossing its alarm level (`threshold`, raised for the ×3 sum
// where live answers are common) is an alarm: the regime changed, and the estimators that average
// over hundreds of calls are describing a campaign that is no longer there.

export type ChangeDirection = 'up' | 'down';

export interface ChangeDetectorOptions {
  /** Relative change of the live-answer rate watched for (0.5: ×1.5 and ×0.5). */
  shift: number;
  /** Alarm level of every sum (log-likelihood ratio units). */
  threshold: number;
  /** Relative rise of a large jump watched for by a second rise sum (0: none). */
  jumpShift?: number;
}

export const DEFAULT_CHANGE_DETECTOR: Readonly<ChangeDetectorOptions> = Object.freeze({ shift: 0.5, threshold: 4 });

/** Chance, per call, of a run of live answers long enough to trip the large-jump sum. */
const RUN_CHANCE = 1e-4;

const clampP = (p: number): number => Math.min(0.98, Math.max(0.002, p));

/** One rise sum, with the calls (and live ones) read since it last stood at 0: the calls after the
 *  change point it locates, whose live share measures the new rate. */
interface RiseSum {
  factor: number;
  /** Alarm level that guards against runs of live answers (the large-jump sum), or a fixed one. */
  runGuard: boolean;
  sum: number;
  calls: number;
  live: number;
}

export class ChangeDetector {
  private readonly rises: RiseSum[];
  private down = 0;
  private alarmCount = 0;
  private risenTo = 0;

  constructor(private readonly options: ChangeDetectorOptions = DEFAULT_CHANGE_DETECTOR) {
    const sum = (factor: number, runGuard: boolean): RiseSum => ({ factor, runGuard, sum: 0, calls: 0, live: 0 });
    this.rises = [sum(1 + options.shift, false)];
    if (options.jumpShift) this.rises.push(sum(1 + options.jumpShift, true));
  }

  /** Feed one resolved call (live or not) against the reference live rate; returns an alarm or null.
   *  `extraThreshold` raises the alarm level for this call. After an alarm every sum restarts from 0. */
  observe(live: boolean, reference: number, extraThreshold = 0): ChangeDirection | null {
    const p0 = clampP(reference);
    const llr = (p1: number): number => (live ? Math.log(p1 / p0) : Math.log((1 - p1) / (1 - p0)));
    let alarm: ChangeDirection | null = null;
    for (const r of this.rises) {
      const p1 = clampP(p0 * r.factor);
      r.sum = Math.max(0, r.sum + llr(p1));
      if (r.sum > 0) {
        r.calls++;
        if (live) r.live++;
      } else r.calls = r.live = 0;
      if (alarm === null && r.sum >= this.alarmLevel(r, p0, p1) + extraThreshold) {
        alarm = 'up';
        this.risenTo = r.live / r.calls;
      }
    }
    this.down = Math.max(0, this.down + llr(clampP(p0 * (1 - this.options.shift))));
    if (alarm === null && this.down >= this.options.threshold + extraThreshold) alarm = 'down';
    if (alarm) {
      for (const r of this.rises) r.sum = r.calls = r.live = 0;
      this.down = 0;
      this.alarmCount++;
    }
    return alarm;
  }

  /** A large-jump sum gains ln(p1/p0) per live answer, so a short run of them (which chance deals
   *  often where live answers are common) crosses a fixed level: its level is raised until such a
   *  run is no likelier than RUN_CHANCE, ln(p1/p0) · ln(RUN_CHANCE) / ln(p0), and never below the
   *  plain one. At a 5 % live rate that is the plain level; at 25 % it nearly doubles. */
  private alarmLevel(r: RiseSum, p0: number, p1: number): number {
    if (!r.runGuard) return this.options.threshold;
    return Math.max(this.options.threshold, (Math.log(p1 / p0) * Math.log(RUN_CHANCE)) / Math.log(p0));
  }

  /** Live share of the calls since the change point of the latest rise alarm (0 before any). */
  get lastRiseLevel(): number {
    return this.risenTo;
  }

  get alarms(): number {
    return this.alarmCount;
  }
}
