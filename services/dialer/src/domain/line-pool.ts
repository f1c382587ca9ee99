// The lines (gateways, trunks) calls go out on: each with its channels, calls per second, class
// (premium / standard) and an optional backup. Every ended call counts towards its line's
// sliding window: the answer-seizure ratio (answered / seized) and the failure rate (network
// failures / seized). A line whose failures reach the limit is taken out: its class's calls go to
// the backup until a probation period has passed; then a few probe calls decide whether it is back.
// Pure: the engine feeds it the clock and the calls.

export type LineClass = 'premium' | 'standard';

export interface LineSpec {
  readonly name: string;
  /** The gateway media dials through (`sofia/gateway/<gateway>/…`). */
  readonly gateway: string;
  readonly lineClass: LineClass;
  readonly channels: number;
  readonly callsPerSecond: number;
  /** Where its calls go while it is out (a line of any class). */
  readonly backup?: string;
}

export interface LineHealthOptions {
  /** The sliding window the ratios are computed over. */
  readonly windowMs: number;
  /** Fewer calls than this in the window decide nothing. */
  readonly minCalls: number;
  /** Failure rate at which a line is taken out (0.1 = 10 %). */
  readonly failureLimit: number;
  /** How long an out line rests before probe calls try it again. */
  readonly probationMs: number;
  /** Probe calls that must end without a network failure for the line to be back. */
  readonly probeCalls: number;
}

export const DEFAULT_LINE_HEALTH: LineHealthOptions = {
  windowMs: 5 * 60_000,
  minCalls: 20,
  failureLimit: 0.1,
  probationMs: 60_000,
  probeCalls: 5,
};

export type LineState = 'in' | 'out' | 'probation';

/** What `lines.health` says about a line. */
export interface LineHealth {
  readonly line: string;
  readonly state: LineState;
  /** Answered / seized in the window (0 with no calls). */
  readonly asr: number;
  readonly failureRate: number;
  readonly calls: number;
  readonly channelsInUse: number;
}

/** How a call on a line ended, for its health. */
export type LineResult = 'answered' | 'unanswered' | 'failed';

interface Line {
  readonly spec: LineSpec;
  state: LineState;
  stateSinceMs: number;
  inUse: number;
  /** CPS bucket: tokens and when they were last topped up. */
  tokens: number;
  tokensAtMs: number;
  /** Ended calls in the window, oldest first. */
  readonly window: Array<{ atMs: number; result: LineResult }>;
  probes: { started: number; ok: number; failed: number };
}

export class LinePool {
  private readonly lines = new Map<string, Line>();
  /** The replicas sharing the lines: each uses its part of every line's channels and calls per second. */
  private replicas = 1;

  constructor(
    specs: readonly LineSpec[],
    private readonly options: LineHealthOptions = DEFAULT_LINE_HEALTH,
  ) {
    for (const spec of specs) {
      if (this.lines.has(spec.name)) throw new Error(`line ${spec.name} is declared twice`);
      this.lines.set(spec.name, {
        spec,
        state: 'in',
        stateSinceMs: 0,
        inUse: 0,
        tokens: spec.callsPerSecond,
        tokensAtMs: 0,
        window: [],
        probes: { started: 0, ok: 0, failed: 0 },
      });
    }
    for (const spec of specs)
      if (spec.backup !== undefined && !this.lines.has(spec.backup))
        throw new Error(`line ${spec.name}: backup ${spec.backup} is not a line`);
  }

  get size(): number {
    return this.lines.size;
  }

  /**
   * `replicas` dialer replicas place calls on the same trunks: each keeps to an equal part of every
   * line's channels and calls per second (at least one), so together they stay within the carrier's.
   */
  shareWith(replicas: number): void {
    this.replicas = Math.max(1, Math.floor(replicas));
  }

  private channelsOf(line: Line): number {
    return Math.max(1, Math.floor(line.spec.channels / this.replicas));
  }

  private cpsOf(line: Line): number {
    return Math.max(1, line.spec.callsPerSecond / this.replicas);
  }

  /**
   * Takes a channel for one call of this class: the first usable line of the class, else the
   * backups of its unusable lines; undefined when every line is full, throttled or out.
   */
  take(lineClass: LineClass, nowMs: number): LineSpec | undefined {
    const tried = new Set<string>();
    for (const line of this.ofClass(lineClass)) {
      for (let at: Line | undefined = line; at && !tried.has(at.spec.name); at = this.backupOf(at)) {
        tried.add(at.spec.name);
        if (this.usable(at, nowMs)) {
          this.seize(at, nowMs);
          return at.spec;
        }
      }
    }
    return undefined;
  }

  /** Channels a class could use now (its usable lines and their backups), for planning dials. */
  free(lineClass: LineClass, nowMs: number): number {
    const counted = new Set<string>();
    let free = 0;
    for (const line of this.ofClass(lineClass))
      for (let at: Line | undefined = line; at && !counted.has(at.spec.name); at = this.backupOf(at)) {
        counted.add(at.spec.name);
        if (this.usable(at, nowMs))
          free += Math.min(this.channelsOf(at) - at.inUse, Math.floor(this.refill(at, nowMs)));
      }
    return Math.max(0, free);
  }

  /** A call that took a channel never went out (originate refused): the channel is free again, nothing counted. */
  cancel(lineName: string): void {
    const line = this.lines.get(lineName);
    if (line) line.inUse = Math.max(0, line.inUse - 1);
  }

  /** A call on the line ended: its channel is free and its result counted. Returns the line's health when its state changed. */
  ended(lineName: string, result: LineResult, nowMs: number): LineHealth | undefined {
    const line = this.lines.get(lineName);
    if (!line) return undefined;
    line.inUse = Math.max(0, line.inUse - 1);
    line.window.push({ atMs: nowMs, result });
    this.trim(line, nowMs);
    if (line.state === 'probation') {
      if (result === 'failed') line.probes.failed++;
      else line.probes.ok++;
      if (line.probes.failed > 0) return this.move(line, 'out', nowMs);
      if (line.probes.ok >= this.options.probeCalls) {
        // Back in with a clean slate: the failures that took it out are history.
        line.window.length = 0;
        return this.move(line, 'in', nowMs);
      }
      return undefined;
    }
    if (line.state === 'in') {
      const { calls, failureRate } = this.ratios(line);
      if (calls >= this.options.minCalls && failureRate >= this.options.failureLimit)
        return this.move(line, 'out', nowMs);
    }
    return undefined;
  }

  /** Lines whose rest is over start their probation; returns the changes. */
  tick(nowMs: number): LineHealth[] {
    const changed: LineHealth[] = [];
    for (const line of this.lines.values()) {
      this.trim(line, nowMs);
      if (line.state === 'out' && nowMs - line.stateSinceMs >= this.options.probationMs)
        changed.push(this.move(line, 'probation', nowMs));
    }
    return changed;
  }

  health(): LineHealth[] {
    return [...this.lines.values()].map((line) => this.healthOf(line));
  }

  private ofClass(lineClass: LineClass): Line[] {
    const lines = [...this.lines.values()];
    const same = lines.filter((l) => l.spec.lineClass === lineClass);
    // A class without lines of its own uses the others (a premium task on a standard-only pool).
    return same.length > 0 ? same : lines;
  }

  private backupOf(line: Line): Line | undefined {
    return line.spec.backup === undefined ? undefined : this.lines.get(line.spec.backup);
  }

  private usable(line: Line, nowMs: number): boolean {
    if (line.state === 'out') return false;
    if (line.state === 'probation' && line.probes.started >= this.options.probeCalls) return false;
    return line.inUse < this.channelsOf(line) && this.refill(line, nowMs) >= 1;
  }

  private refill(line: Line, nowMs: number): number {
    const elapsed = Math.max(0, nowMs - line.tokensAtMs);
    const cps = this.cpsOf(line);
    line.tokens = Math.min(cps, line.tokens + (elapsed * cps) / 1000);
    line.tokensAtMs = nowMs;
    return line.tokens;
  }

  private seize(line: Line, nowMs: number): void {
    this.refill(line, nowMs);
    line.tokens -= 1;
    line.inUse++;
    if (line.state === 'probation') line.probes.started++;
  }

  private trim(line: Line, nowMs: number): void {
    const from = nowMs - this.options.windowMs;
    let drop = 0;
    while (drop < line.window.length && line.window[drop]!.atMs < from) drop++;
    if (drop > 0) line.window.splice(0, drop);
  }

  private ratios(line: Line): { calls: number; asr: number; failureRate: number } {
    const calls = line.window.length;
    if (calls === 0) return { calls, asr: 0, failureRate: 0 };
    let answered = 0;
    let failed = 0;
    for (const call of line.window) {
      if (call.result === 'answered') answered++;
      else if (call.result === 'failed') failed++;
    }
    return { calls, asr: answered / calls, failureRate: failed / calls };
  }

  private move(line: Line, state: LineState, nowMs: number): LineHealth {
    line.state = state;
    line.stateSinceMs = nowMs;
    line.probes = { started: 0, ok: 0, failed: 0 };
    return this.healthOf(line);
  }

  private healthOf(line: Line): LineHealth {
    const { calls, asr, failureRate } = this.ratios(line);
    return { line: line.spec.name, state: line.state, asr, failureRate, calls, channelsInUse: line.inUse };
  }
}
