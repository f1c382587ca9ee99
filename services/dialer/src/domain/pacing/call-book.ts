// Calls in flight with the abandon risk each carried when it was launched. Their sum is the risk
// already committed against the budget; comparing it with the abandons that actually happen gives
// the model's calibration factor.

export interface LaunchRisk {
  risk: number;
  rawRisk: number;
}

interface InFlightCall {
  launchMs: number;
  /** Expected abandons (0..1) predicted at launch, calibrated. */
  risk: number;
  /** The same before calibration: what calibration itself is measured on. */
  rawRisk: number;
  /** Answer instant, once presented as live. */
  answeredAtMs: number | null;
  open: boolean;
}

/** Calibration remembers about this many settled calls. */
const CALIBRATION_MEMORY = 3000;
/** Pseudo-abandons on both sides: no correction until evidence accumulates. */
const CALIBRATION_PRIOR = 2;
const CALIBRATION_MAX = 3;
/** Lowering the model's risks takes a long memory's evidence: about this many settled calls. */
const LOWERING_MEMORY = 30_000;
/** z of the upper bound on observed abandons the lowering rests on. */
const LOWERING_Z = 3;

export class CallBook {
  private readonly calls = new Map<number, InFlightCall>();
  private pending: LaunchRisk[] = [];
  private pendingHead = 0;
  private riskSum = 0;
  private riskVariance = 0;
  private predicted = 0;
  private observed = 0;
  private predictedLong = 0;
  private observedLong = 0;

  /** `calibrationFloor` < 1 lets calibration lower the model's risks (never below the floor). */
  constructor(private readonly calibrationFloor: number) {}

  /** Risks of the calls just requested, matched in order to the originations that follow. */
  expectLaunches(risks: readonly LaunchRisk[]): void {
    this.pending = risks.slice();
    this.pendingHead = 0;
  }

  onOriginated(callId: number, tMs: number): void {
    const { risk, rawRisk } = this.pending[this.pendingHead++] ?? { risk: 0, rawRisk: 0 };
    this.calls.set(callId, { launchMs: tMs, risk, rawRisk, answeredAtMs: null, open: true });
    this.riskSum += risk;
    this.riskVariance += risk * (1 - risk);
  }

  /** Launch time of a call still unresolved, or undefined. */
  launchOf(callId: number): number | undefined {
    const c = this.calls.get(callId);
    return c && c.answeredAtMs === null ? c.launchMs : undefined;
  }

  answeredAt(callId: number): number | undefined {
    return this.calls.get(callId)?.answeredAtMs ?? undefined;
  }

  onPresented(callId: number, answeredAtMs: number): void {
    const c = this.calls.get(callId);
    if (c) c.answeredAtMs = answeredAtMs;
  }

  /** The call's fate is known: its risk leaves the committed sum and feeds calibration. */
  settle(callId: number, abandoned: boolean): void {
    const c = this.calls.get(callId);
    if (!c || !c.open) return;
    c.open = false;
    this.riskSum = Math.max(0, this.riskSum - c.risk);
    this.riskVariance = Math.max(0, this.riskVariance - c.risk * (1 - c.risk));
    const keep = 1 - 1 / CALIBRATION_MEMORY;
    this.predicted = this.predicted * keep + c.rawRisk;
    this.observed = this.observed * keep + (abandoned ? 1 : 0);
    const keepLong = 1 - 1 / LOWERING_MEMORY;
    this.predictedLong = this.predictedLong * keepLong + c.rawRisk;
    this.observedLong = this.observedLong * keepLong + (abandoned ? 1 : 0);
  }

  forget(callId: number): void {
    this.settle(callId, false);
    this.calls.delete(callId);
  }

  /** Upper confidence bound on abandons still to come from calls in flight. */
  committed(z: number): number {
    return this.riskSum + z * Math.sqrt(this.riskVariance);
  }

  get committedMean(): number {
    return this.riskSum;
  }

  get committedVariance(): number {
    return this.riskVariance;
  }

  /**
   * Observed ÷ predicted abandons. Raising the risks follows recent calls (quick, since
   * under-prediction breaks hours); lowering them needs the long memory's upper bound on observed
   * abandons to stay below the prediction, and recent calls to agree.
   */
  calibration(): number {
    const recent = (this.observed + CALIBRATION_PRIOR) / (this.predicted + CALIBRATION_PRIOR);
    const seen = this.observedLong + 1;
    const upper = this.predictedLong > 0 ? (seen + LOWERING_Z * Math.sqrt(seen)) / this.predictedLong : 1;
    return Math.min(CALIBRATION_MAX, Math.max(this.calibrationFloor, recent, Math.min(1, upper)));
  }

  /** Launch times of calls not yet presented or resolved. */
  *ringing(): IterableIterator<number> {
    for (const c of this.calls.values()) if (c.open && c.answeredAtMs === null) yield c.launchMs;
  }
}
