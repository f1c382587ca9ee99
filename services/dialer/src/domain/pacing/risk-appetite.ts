// How much abandon risk the last call of a tick may carry. Launching while the marginal risk is
// below one threshold is the best use of an average abandon allowance (a Lagrangian argument); the
// threshold that spends the allowance at an even pace is found by feedback on the predicted (not
// the observed, far noisier) abandons of recent launches.

/** Recent launches are averaged over this time constant. */
const MEMORY_MS = 3 * 60_000;
/** The threshold moves by a factor e per this much time at 100 % error. */
const ADAPT_MS = 4 * 60_000;
const MIN_THRESHOLD = 0.002;

export class RiskAppetite {
  private risk = 0;
  private live = 0;
  private added = 0;
  private atMs: number | null = null;
  // Starts cautious: the first minutes of a shift decide what its first hour can still afford.
  private value = MIN_THRESHOLD;

  constructor(private readonly maxThreshold: number) {}

  /** Current ceiling on the abandon probability of a marginal call. */
  get threshold(): number {
    return this.value;
  }

  /** Predicted abandons per live answer of recent launches. */
  get predictedRate(): number {
    return this.live > 0 ? this.risk / this.live : 0;
  }

  /** Predicted abandons per live answer that recent launches beyond progressive added: the pacer's
   *  own spending (a progressive launch, an agent free for it, carries what any dialer's would). */
  get spendingRate(): number {
    return this.live > 0 ? this.added / this.live : 0;
  }

  /** Account one tick's launches (`addedRisk`: the part of their risk beyond progressive) and steer
   *  the threshold toward `aim` (abandons per live answer). */
  update(
    nowMs: number,
    launchedRisk: number,
    launchedLive: number,
    dialing: boolean,
    aim: number,
    addedRisk: number,
  ): void {
    const dt = this.atMs === null ? 0 : Math.max(0, nowMs - this.atMs);
    this.atMs = nowMs;
    const keep = Math.exp(-dt / MEMORY_MS);
    this.risk = this.risk * keep + launchedRisk;
    this.live = this.live * keep + launchedLive;
    this.added = this.added * keep + addedRisk;
    // Only steer while predicting and launching; otherwise there is nothing to learn from.
    if (!dialing || this.live <= 0) return;
    // Nothing to spend: sink to the floor, where only near-certain calls beyond progressive go.
    const error = aim > 0 ? Math.max(-1, Math.min(1, (aim - this.predictedRate) / aim)) : -1;
    this.value = Math.min(this.maxThreshold, Math.max(MIN_THRESHOLD, this.value * Math.exp((error * dt) / ADAPT_MS)));
  }
}
