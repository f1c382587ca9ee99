// Live answers and abandons per minute of answer time (the instant the law buckets them by), and
// the counts of every legal window still open. Only future answers that are all but certain are
// counted, and only a little way ahead, so a young window's budget is not spent up front.
import type { WindowCount } from './abandon-budget.js';
import type { AbandonWindow } from './config.js';

interface Bucket {
  answers: number;
  abandons: number;
}

interface FixedTotals {
  index: number;
  answers: number;
  abandons: number;
}

export interface WindowQuery {
  nowMs: number;
  /** A cautious rate of presented answers from now on, per ms. */
  futureAnswersPerMs: number;
  /** Future answers are counted at most this far ahead. */
  lookaheadMs: number;
  shiftEndMs: number | null;
}

const BUCKET_MS = 60_000;

/** Presented answers and abandons from before a pacer's start (see `Pacer.recall`). */
export interface AnswerHistory {
  /** From this instant on the history is complete (the pacer's clock). */
  readonly sinceMs: number;
  /** Presented live answers grouped by answer instant, and how many of them were abandoned. */
  readonly answers: ReadonlyArray<{ readonly atMs: number; readonly answers: number; readonly abandons: number }>;
}

export class AbandonLedger {
  private readonly buckets = new Map<number, Bucket>();
  private readonly rolling: number[];
  private readonly fixed: { window: Extract<AbandonWindow, { kind: 'fixed' }>; totals: FixedTotals }[];
  private readonly keepBuckets: number;
  /** How far back the ledger reads: the longest rolling window, or `historyMs` if longer. */
  private readonly spanMs: number;
  private firstBucket: number | null = null;

  /** `historyMs`: how far back answers are kept besides the rolling windows' length. */
  constructor(windows: readonly AbandonWindow[], historyMs: number) {
    this.rolling = windows.filter((w) => w.kind === 'rolling').map((w) => w.lengthMs);
    this.fixed = windows.flatMap((w) =>
      w.kind === 'fixed' ? [{ window: w, totals: { index: Number.NaN, answers: 0, abandons: 0 } }] : [],
    );
    this.spanMs = Math.max(historyMs, ...this.rolling);
    this.keepBuckets = Math.ceil(this.spanMs / BUCKET_MS) + 2;
  }

  recordAnswer(answeredAtMs: number): void {
    this.bucket(answeredAtMs).answers++;
    for (const f of this.fixed) this.fixedTotals(f, answeredAtMs).answers++;
  }

  recordAbandon(answeredAtMs: number): void {
    this.bucket(answeredAtMs).abandons++;
    for (const f of this.fixed) this.fixedTotals(f, answeredAtMs).abandons++;
  }

  /**
   * Adds what happened before this ledger's first event: windows that began at or after
   * `history.sinceMs` count it, and the windows of that time are open from there.
   */
  recall(history: AnswerHistory): void {
    const since = Math.floor(history.sinceMs / BUCKET_MS);
    if (this.firstBucket === null || since < this.firstBucket) this.firstBucket = since;
    const known = history.answers.filter((a) => a.atMs >= history.sinceMs).sort((a, b) => a.atMs - b.atMs);
    for (const a of known) {
      const b = this.bucket(a.atMs);
      b.answers += a.answers;
      b.abandons += a.abandons;
      for (const f of this.fixed) {
        const t = this.fixedTotals(f, a.atMs);
        t.answers += a.answers;
        t.abandons += a.abandons;
      }
    }
  }

  /** Where a recalled history should begin for a ledger starting at now (a minute's start). */
  recallFromMs(nowMs: number): number {
    return Math.floor((nowMs - this.spanMs) / BUCKET_MS) * BUCKET_MS;
  }

  /** What it holds of its span before now, by minute: a successor ledger recalls it. */
  history(nowMs: number): AnswerHistory {
    // Nothing seen yet: it knows nothing before the minute it is asked in.
    if (this.firstBucket === null) return { sinceMs: Math.floor(nowMs / BUCKET_MS) * BUCKET_MS, answers: [] };
    const from = Math.max(this.firstBucket, this.recallFromMs(nowMs) / BUCKET_MS);
    const answers = [...this.buckets.entries()]
      .filter(([j]) => j >= from)
      .sort(([a], [b]) => a - b)
      .map(([j, b]) => ({ atMs: j * BUCKET_MS, answers: b.answers, abandons: b.abandons }));
    return { sinceMs: from * BUCKET_MS, answers };
  }

  /** Presented answers per ms over the last `lookbackMs` (or since the first answer). */
  answerRate(nowMs: number, lookbackMs: number): number {
    if (this.firstBucket === null) return 0;
    const from = Math.max(this.firstBucket, Math.floor((nowMs - lookbackMs) / BUCKET_MS));
    let answers = 0;
    for (let j = from; j <= Math.floor(nowMs / BUCKET_MS); j++) answers += this.buckets.get(j)?.answers ?? 0;
    const span = nowMs - from * BUCKET_MS;
    return span > 0 ? answers / span : 0;
  }

  /** Presented answers in the minutes [fromMs, toMs) touches (as far back as the ledger keeps them). */
  answersIn(fromMs: number, toMs: number): number {
    let answers = 0;
    for (let j = Math.floor(fromMs / BUCKET_MS); j * BUCKET_MS < toMs; j++)
      answers += this.buckets.get(j)?.answers ?? 0;
    return answers;
  }

  /** Every legal window open at now, with its counts so far and the answers still expected in it. */
  openWindows(q: WindowQuery): WindowCount[] {
    const out: WindowCount[] = [];
    const add = (startMs: number, endMs: number, answers: number, abandons: number): void => {
      const until = Math.min(endMs, q.nowMs + q.lookaheadMs, q.shiftEndMs ?? endMs);
      out.push({ startMs, answers, abandons, futureAnswers: q.futureAnswersPerMs * Math.max(0, until - q.nowMs) });
    };
    const nowBucket = Math.floor(q.nowMs / BUCKET_MS);
    // Windows that began before the pacer's first look are unknown to it; start them there.
    if (this.firstBucket === null) this.firstBucket = nowBucket;
    for (const lengthMs of this.rolling) {
      // Windows [s, s + length) still open at now, starting on bucket boundaries, newest first.
      const oldest = Math.max(this.firstBucket, Math.floor((q.nowMs - lengthMs) / BUCKET_MS) + 1);
      let answers = 0;
      let abandons = 0;
      for (let j = nowBucket; j >= oldest; j--) {
        const b = this.buckets.get(j);
        answers += b?.answers ?? 0;
        abandons += b?.abandons ?? 0;
        add(j * BUCKET_MS, j * BUCKET_MS + lengthMs, answers, abandons);
      }
    }
    for (const f of this.fixed) {
      const t = this.fixedTotals(f, q.nowMs);
      const start = f.window.originMs + t.index * f.window.lengthMs;
      add(start, start + f.window.lengthMs, t.answers, t.abandons);
    }
    return out;
  }

  private bucket(tMs: number): Bucket {
    const j = Math.floor(tMs / BUCKET_MS);
    let b = this.buckets.get(j);
    if (!b) {
      b = { answers: 0, abandons: 0 };
      this.buckets.set(j, b);
      if (this.firstBucket === null || j < this.firstBucket) this.firstBucket = j;
      for (const old of this.buckets.keys()) if (old < j - this.keepBuckets) this.buckets.delete(old);
    }
    return b;
  }

  private fixedTotals(
    f: { window: Extract<AbandonWindow, { kind: 'fixed' }>; totals: FixedTotals },
    tMs: number,
  ): FixedTotals {
    const index = Math.floor((tMs - f.window.originMs) / f.window.lengthMs);
    // Late events of an already-closed window are counted in the open one: the safe side.
    if (!(index <= f.totals.index)) f.totals = { index, answers: 0, abandons: 0 };
    return f.totals;
  }
}
