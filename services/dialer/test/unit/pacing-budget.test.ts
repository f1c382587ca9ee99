import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  fitsEveryWindow,
  tightestHeadroom,
  windowHeadroom,
  type BudgetRule,
  type Commitment,
  type WindowCount,
} from '../../src/domain/pacing/abandon-budget.js';
import { AbandonLedger } from '../../src/domain/pacing/abandon-ledger.js';

const MIN = 60_000;
const near = (actual: number, expected: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual} != ${expected}`);

const plain: BudgetRule = { visibleTarget: 0.03, reserveAbandons: 0, z: 0, humanShare: 1, amdFalsePositiveRate: 0 };
const window = (answers: number, abandons: number, futureAnswers = 0): WindowCount => ({ startMs: 0, answers, abandons, futureAnswers });
const none: Commitment = { mean: 0, variance: 0 };

test('window headroom from a table of cases', () => {
  const cases: { name: string; w: WindowCount; c: Commitment; rule: BudgetRule; expected: number }[] = [
    { name: 'target of the answers so far', w: window(100, 0), c: none, rule: plain, expected: 3 },
    { name: 'minus abandons so far', w: window(100, 1), c: none, rule: plain, expected: 2 },
    { name: 'plus answers still to come', w: window(100, 1, 100), c: none, rule: plain, expected: 5 },
    { name: 'minus the reserve', w: window(100, 1), c: none, rule: { ...plain, reserveAbandons: 0.5 }, expected: 1.5 },
    { name: 'minus committed risk', w: window(100, 1), c: { mean: 0.5, variance: 0.25 }, rule: plain, expected: 1.5 },
    { name: 'upper bound on committed risk', w: window(100, 1), c: { mean: 0.5, variance: 0.25 }, rule: { ...plain, z: 2 }, expected: 0.5 },
    // h = 0.5: variance (1 - h) / h per visible abandon: 1 × (1 + 0) = 1.
    { name: 'which abandons were people', w: window(100, 1), c: none, rule: { ...plain, z: 2, humanShare: 0.5 }, expected: 0 },
    // fp = 0.01, h = 1: variance 0.01 × 100 answers = 1.
    { name: 'AMD false positives', w: window(100, 1), c: none, rule: { ...plain, z: 1, amdFalsePositiveRate: 0.01 }, expected: 1 },
    { name: 'an over-spent window', w: window(100, 4), c: none, rule: plain, expected: -1 },
  ];
  for (const c of cases) near(windowHeadroom(c.w, c.c, c.rule), c.expected, c.name);
});

test('the tightest window decides', () => {
  const windows = [{ ...window(300, 2), startMs: 0 }, { ...window(50, 2, 60), startMs: 30 * MIN }];
  const left = tightestHeadroom(windows, none, plain);
  near(left.headroom, 0.03 * 110 - 2, 'headroom');
  assert.equal(left.tightestStartMs, 30 * MIN);
  assert.equal(fitsEveryWindow(windows, { mean: 1, variance: 0 }, plain), true);
  assert.equal(fitsEveryWindow(windows, { mean: 1.5, variance: 0 }, plain), false);
});

test('ledger: rolling windows see answers and abandons by answer minute', () => {
  const ledger = new AbandonLedger([{ kind: 'rolling', lengthMs: 60 * MIN }], 10 * MIN);
  ledger.openWindows({ nowMs: 0, futureAnswersPerMs: 0, lookaheadMs: 0, shiftEndMs: null }); // first look
  for (let m = 0; m < 90; m++) ledger.recordAnswer(m * MIN + 1000);
  ledger.recordAbandon(10 * MIN + 1000);
  ledger.recordAbandon(80 * MIN + 1000);
  const windows = ledger.openWindows({ nowMs: 90 * MIN - 1, futureAnswersPerMs: 0, lookaheadMs: 60 * MIN, shiftEndMs: null });
  // Open windows start at minutes 30..89 (the one from minute 29 closed at 89).
  assert.equal(windows.length, 60);
  const byStart = new Map(windows.map((w) => [w.startMs / MIN, w]));
  assert.deepEqual(byStart.get(30), { startMs: 30 * MIN, answers: 60, abandons: 1, futureAnswers: 0 });
  assert.deepEqual(byStart.get(81), { startMs: 81 * MIN, answers: 9, abandons: 0, futureAnswers: 0 });
  near(ledger.answerRate(90 * MIN, 10 * MIN), 10 / (10 * MIN), 'answer rate');
});

test('ledger: future answers stop at the window end, the lookahead and the shift end', () => {
  const ledger = new AbandonLedger([{ kind: 'rolling', lengthMs: 60 * MIN }], 10 * MIN);
  const rate = 1 / MIN;
  const future = (nowMs: number, lookaheadMs: number, shiftEndMs: number | null): number[] =>
    ledger.openWindows({ nowMs, futureAnswersPerMs: rate, lookaheadMs, shiftEndMs }).map((w) => w.futureAnswers);
  assert.deepEqual(future(0, 60 * MIN, null), [60]);
  assert.deepEqual(future(0, 15 * MIN, null), [15]);
  assert.deepEqual(future(0, 60 * MIN, 20 * MIN), [20]);
  assert.deepEqual(future(MIN, 60 * MIN, null), [60, 59]); // windows from minute 1 and minute 0
});

test('ledger: fixed windows restart at their boundary', () => {
  const day = 24 * 60 * MIN;
  const ledger = new AbandonLedger([{ kind: 'fixed', lengthMs: day, originMs: 0 }], 10 * MIN);
  ledger.recordAnswer(day - 1000);
  ledger.recordAbandon(day - 1000);
  const q = { futureAnswersPerMs: 0, lookaheadMs: 0, shiftEndMs: null };
  assert.deepEqual(ledger.openWindows({ ...q, nowMs: day - 1 }), [{ startMs: 0, answers: 1, abandons: 1, futureAnswers: 0 }]);
  ledger.recordAnswer(day + 1000);
  assert.deepEqual(ledger.openWindows({ ...q, nowMs: day + 2000 }), [{ startMs: day, answers: 1, abandons: 0, futureAnswers: 0 }]);
});
