// How much of the expected answer rate a window's budget may count on from now on. Future answers
// fall short of the rate the last minutes promise when bursts end or agents leave; a fixed, low
// share guards against that everywhere and costs steady campaigns the budget they never lose. So
// the share is measured on the campaign's own history: once a minute the answers expected over the
// next horizon are noted, and when the horizon has passed the note is compared with the answers that
// came. The credit is the worst share ever delivered, clamped to [floor, ceiling]; the floor holds
// until the first horizon has passed, and a campaign whose answers ever dropped stays at it. Off by
// default (ceiling = floor): measured in README.md, it cost more hours than it won.

interface Expectation {
  atMs: number;
  expected: number;
}

/** Expectations of fewer answers than this say too little about a shortfall to be counted. */
const MIN_EXPECTED_ANSWERS = 20;

export class AnswerCredit {
  private readonly expectations: Expectation[] = [];
  private worst = Number.POSITIVE_INFINITY;
  private lastMinute = Number.NEGATIVE_INFINITY;
  private firstExpectedMs: number | null = null;

  /** `settleMs`: expectations are noted only this long after the first one (at a shift's start the
   *  rate of its first minutes, every agent free at once, promises far more than follows; the rate's
   *  lookback must have left them behind). */
  constructor(
    private readonly horizonMs: number,
    private readonly floor: number,
    private readonly ceiling: number,
    private readonly settleMs: number,
  ) {}

  /**
   * Notes the answer rate expected at now (per ms), at most once a minute and at minute starts, and
   * settles every expectation one horizon old against `answersIn` (presented answers in [from, to)).
   * Expectations reaching past `endMs` (the shift's end, when known) are not noted.
   */
  observe(
    nowMs: number,
    expectedPerMs: number,
    endMs: number | null,
    answersIn: (fromMs: number, toMs: number) => number,
  ): void {
    // A credit that cannot rise above its floor (the default) has nothing to measure.
    if (this.ceiling <= this.floor) return;
    while (this.expectations.length > 0 && this.expectations[0]!.atMs + this.horizonMs <= nowMs) {
      const e = this.expectations.shift()!;
      this.worst = Math.min(this.worst, answersIn(e.atMs, e.atMs + this.horizonMs) / e.expected);
    }
    const minute = Math.floor(nowMs / 60_000);
    if (minute === this.lastMinute) return;
    this.lastMinute = minute;
    const atMs = minute * 60_000;
    const expected = expectedPerMs * this.horizonMs;
    if (expected > 0) this.firstExpectedMs ??= nowMs;
    const settled = this.firstExpectedMs !== null && nowMs - this.firstExpectedMs >= this.settleMs;
    if (settled && expected >= MIN_EXPECTED_ANSWERS && (endMs === null || atMs + this.horizonMs <= endMs))
      this.expectations.push({ atMs, expected });
  }

  /** The share of the expected rate to count on now. */
  get share(): number {
    if (this.worst === Number.POSITIVE_INFINITY) return this.floor;
    return Math.min(this.ceiling, Math.max(this.floor, this.worst));
  }
}
