// A change detector on the answer process: two one-sided CUSUMs of the Bernoulli log-likelihood
// ratio of "this resolved call was a live answer", against the estimators' own reference rate. One
// watches for a rise of the live-answer rate by a factor `1 + shift`, the other for a fall to
// `1 − shift`. A sum crossing `threshold` is an alarm: the regime changed, and the estimators that
// average over hundreds of calls are describing a campaign that is no longer there.

export type ChangeDirection = 'up' | 'down';

export interface ChangeDetectorOptions {
  /** Relative change of the live-answer rate watched for (0.5: ×1.5 and ×0.5). */
  shift: number;
  /** Alarm level of either sum (log-likelihood ratio units). */
  threshold: number;
}

export const DEFAULT_CHANGE_DETECTOR: Readonly<ChangeDetectorOptions> = Object.freeze({ shift: 0.5, threshold: 4 });

const clampP = (p: number): number => Math.min(0.98, Math.max(0.002, p));

export class ChangeDetector {
  private up = 0;
  private down = 0;
  private alarmCount = 0;

  constructor(private readonly options: ChangeDetectorOptions = DEFAULT_CHANGE_DETECTOR) {}

  /** Feed one resolved call (live or not) against the reference live rate; returns an alarm or null.
   *  After an alarm both sums restart from 0. */
  observe(live: boolean, reference: number): ChangeDirection | null {
    const p0 = clampP(reference);
    const pUp = clampP(p0 * (1 + this.options.shift));
    const pDown = clampP(p0 * (1 - this.options.shift));
    const llr = (p1: number): number => (live ? Math.log(p1 / p0) : Math.log((1 - p1) / (1 - p0)));
    this.up = Math.max(0, this.up + llr(pUp));
    this.down = Math.max(0, this.down + llr(pDown));
    let alarm: ChangeDirection | null = null;
    if (this.up >= this.options.threshold) alarm = 'up';
    else if (this.down >= this.options.threshold) alarm = 'down';
    if (alarm) {
      this.up = 0;
      this.down = 0;
      this.alarmCount++;
    }
    return alarm;
  }

  /** Evidence so far for a rise and for a fall (0 = none). */
  get evidence(): { up: number; down: number } {
    return { up: this.up, down: this.down };
  }

  get alarms(): number {
    return this.alarmCount;
  }
}
