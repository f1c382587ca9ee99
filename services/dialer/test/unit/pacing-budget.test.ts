import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  fitsEveryWindow,
  sustainableRate,
  tightestHeadroom,
  windowBreachChance,
  windowHeadroom,
  type BudgetRule,
  type Commitment,
  type WindowCount,
} from '../../src/domain/pacing/abandon-budget.js';
import { AbandonLedger } from '../../src/domain/pacing/abandon-ledger.js';
import { AnswerCredit } from '../../src/domain/pacing/answer-credit.js';
import { RiskAppetite } from '../../src/domain/pacing/risk-appetite.js';

const MIN = 60_000;
const near = (actual: number, expected: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual} != ${expected}`);

const plain: BudgetRule = {
  visibleTarget: 0.03,
  reserveAbandons: 0,
  z: 0,
  humanShare: 1,
  amdFalsePositiveRate: 0,
  amdFalsePositiveSpread: 0,
  breachChance: 0,
  spendingPerAnswer: 0,
  expectedPerCautious: 1,
  wholeCountPerCautious: 1,
};
const window = (answers: number, abandons: number, futureAnswers = 0): WindowCount => ({
  startMs: 0,
  answers,
  abandons,
  futureAnswers,
});
const none: Commitment = { mean: 0, variance: 0 };

test('window headroom from a table of cases', () => {
  const cases: { name: string; w: WindowCount; c: Commitment; rule: BudgetRule; expected: number }[] = [
    { name: 'target of the answers so far', w: window(100, 0), c: none, rule: plain, expected: 3 },
    { name: 'minus abandons so far', w: window(100, 1), c: none, rule: plain, expected: 2 },
    { name: 'plus answers still to come', w: window(100, 1, 100), c: none, rule: plain, expected: 5 },
    { name: 'minus the reserve', w: window(100, 1), c: none, rule: { ...plain, reserveAbandons: 0.5 }, expected: 1.5 },
    { name: 'minus committed risk', w: window(100, 1), c: { mean: 0.5, variance: 0.25 }, rule: plain, expected: 1.5 },
    {
      name: 'upper bound on committed risk',
      w: window(100, 1),
      c: { mean: 0.5, variance: 0.25 },
      rule: { ...plain, z: 2 },
      expected: 0.5,
    },
    // h = 0.5: variance (1 - h) / h per visible abandon: 1 × (1 + 0) = 1.
    {
      name: 'which abandons were people',
      w: window(100, 1),
      c: none,
      rule: { ...plain, z: 2, humanShare: 0.5 },
      expected: 0,
    },
    // Their expectation is netted out of visibleTarget; their spread (binomial: fp/h per presented
    // answer, plus the day-to-day spread of the rate) is inside every window's upper bound.
    {
      name: 'AMD false positives: binomial spread inside the bound',
      w: window(100, 1),
      c: none,
      rule: { ...plain, z: 1, amdFalsePositiveRate: 0.01 },
      expected: 3 - 1 - 1,
    },
    {
      name: 'AMD false positives: day-to-day spread of the rate',
      w: window(100, 1),
      c: none,
      rule: { ...plain, z: 1, amdFalsePositiveRate: 0.01, amdFalsePositiveSpread: 0.5 },
      expected: 3 - 1 - Math.sqrt(1 + 0.25),
    },
    {
      name: 'AMD false positives: fewer humans among presented answers, more spread',
      w: window(100, 0),
      c: none,
      rule: { ...plain, z: 1, humanShare: 0.5, amdFalsePositiveRate: 0.01 },
      expected: 3 - Math.sqrt(2),
    },
    { name: 'an over-spent window', w: window(100, 4), c: none, rule: plain, expected: -1 },
  ];
  for (const c of cases) near(windowHeadroom(c.w, c.c, c.rule), c.expected, c.name);
});

test('sustainable rate of a fresh window from a table of cases', () => {
  const cases: { name: string; answers: number; rule: BudgetRule; expected: number }[] = [
    { name: 'no uncertainty: the whole target', answers: 100, rule: plain, expected: 0.03 },
    { name: 'minus the reserve', answers: 100, rule: { ...plain, reserveAbandons: 0.5 }, expected: 0.025 },
    // x + 2·√x = 3 → x = 1 (h = 0.5: variance 1 per visible abandon).
    { name: 'which abandons were people', answers: 100, rule: { ...plain, z: 2, humanShare: 0.5 }, expected: 0.01 },
    // x + 1·√(0.01 × 100) = 3 → x = 2.
    {
      name: 'AMD false-positive spread',
      answers: 100,
      rule: { ...plain, z: 1, amdFalsePositiveRate: 0.01 },
      expected: 0.02,
    },
    // 2·√(0.01 × 10) > 0.3: their spread alone fills the window.
    { name: 'too few answers', answers: 10, rule: { ...plain, z: 2, amdFalsePositiveRate: 0.01 }, expected: 0 },
    { name: 'no answers', answers: 0, rule: plain, expected: 0 },
  ];
  for (const c of cases) near(sustainableRate(c.answers, c.rule), c.expected, c.name);
});

test('risk appetite starts at its floor, rises toward the aim and sinks when there is nothing to spend', () => {
  const appetite = new RiskAppetite(0.3);
  const floor = appetite.threshold;
  assert.ok(floor > 0 && floor < 0.01);
  // Predicted 0.1 % per live answer against an aim of 1 %: the threshold rises.
  for (let t = 1; t <= 600; t++) appetite.update(t * 1000, 0.001, 1, true, 0.01, 0.001);
  const raised = appetite.threshold;
  assert.ok(raised > 5 * floor, `raised to ${raised}`);
  // Not dialing predictively: nothing learned, no change.
  appetite.update(601_000, 0, 0, false, 0, 0);
  assert.equal(appetite.threshold, raised);
  for (let t = 602; t <= 1800; t++) appetite.update(t * 1000, 0.001, 1, true, 0, 0.001);
  near(appetite.threshold, floor, 'back at the floor');
});

test('risk appetite: the spending is what launches beyond progressive added', () => {
  const appetite = new RiskAppetite(0.3);
  // Each second: 1 live answer expected, 0.004 abandons predicted, 0.001 of them beyond progressive.
  for (let t = 1; t <= 600; t++) appetite.update(t * 1000, 0.004, 1, true, 0.01, 0.001);
  near(appetite.predictedRate, 0.004, 'predicted rate');
  near(appetite.spendingRate, 0.001, 'spending');
});

test('the tightest window decides', () => {
  const windows = [
    { ...window(300, 2), startMs: 0 },
    { ...window(50, 2, 60), startMs: 30 * MIN },
  ];
  const left = tightestHeadroom(windows, none, plain);
  near(left.headroom, 0.03 * 110 - 2, 'headroom');
  assert.equal(left.tightestStartMs, 30 * MIN);
  assert.equal(fitsEveryWindow(windows, { mean: 1, variance: 0 }, plain), true);
  assert.equal(fitsEveryWindow(windows, { mean: 1.5, variance: 0 }, plain), false);
});

test('small windows: the chance that whole live abandons tip them over (Poisson)', () => {
  const cases: { name: string; w: WindowCount; c: Commitment; rule: BudgetRule; expected: number }[] = [
    // 40 live answers hold one abandon (2.5 %); the second breaks the window.
    {
      name: 'one abandon left',
      w: window(40, 0),
      c: { mean: 0.2, variance: 0.2 },
      rule: plain,
      expected: 1 - Math.exp(-0.2) * 1.2,
    },
    {
      name: 'the one spent',
      w: window(40, 1),
      c: { mean: 0.2, variance: 0.2 },
      rule: plain,
      expected: 1 - Math.exp(-0.2),
    },
    // 30 live answers hold none: the first abandon breaks it.
    { name: 'none left', w: window(30, 0), c: { mean: 0.2, variance: 0.2 }, rule: plain, expected: 1 - Math.exp(-0.2) },
    // Half the presented answers are people: 80 presented are 40 live, and a visible abandon is a
    // live one half the time (and so is each abandon seen).
    {
      name: 'which abandons were people',
      w: window(80, 0),
      c: { mean: 0.4, variance: 0.4 },
      rule: { ...plain, humanShare: 0.5 },
      expected: 1 - Math.exp(-0.2) * 1.2,
    },
    // AMD false positives are abandons of the whole window, none of them seen, and tip it with or
    // without the pacer: 1 % of 100 live answered (99 presented), 3 allowed; only what the
    // committed 0.5 add counts.
    {
      name: 'AMD false positives in the count',
      w: window(99, 0),
      c: { mean: 0.5, variance: 0.5 },
      rule: { ...plain, visibleTarget: (0.03 - 0.01) / 0.99, amdFalsePositiveRate: 0.01 },
      expected: Math.exp(-1) * (1 + 1 + 1 / 2 + 1 / 6) - Math.exp(-1.5) * (1 + 1.5 + 1.5 ** 2 / 2 + 1.5 ** 3 / 6),
    },
    // Spending 0.5 % of the answers still to come in abandons: 0.1 more by the window's close.
    {
      name: 'the spending until the window closes',
      w: window(20, 0, 20),
      c: { mean: 0.1, variance: 0.1 },
      rule: { ...plain, spendingPerAnswer: 0.005 },
      expected: 1 - Math.exp(-0.2) * 1.2,
    },
    // The spending runs on every answer expected, not only the cautious half the budget counts on.
    {
      name: 'the spending on the expected answers',
      w: window(20, 0, 10),
      c: { mean: 0.1, variance: 0.1 },
      rule: { ...plain, spendingPerAnswer: 0.005, expectedPerCautious: 2, wholeCountPerCautious: 2 },
      expected: 1 - Math.exp(-0.2) * 1.2,
    },
    // 20 answers so far and 10 counted on: 30 hold none. A history that delivered the answers lets
    // the whole count take 20 more: 40, which hold one.
    {
      name: 'cautious count',
      w: window(20, 0, 10),
      c: { mean: 0.2, variance: 0.2 },
      rule: plain,
      expected: 1 - Math.exp(-0.2),
    },
    {
      name: 'answers the history delivered',
      w: window(20, 0, 10),
      c: { mean: 0.2, variance: 0.2 },
      rule: { ...plain, wholeCountPerCautious: 2 },
      expected: 1 - Math.exp(-0.2) * 1.2,
    },
    { name: 'already over', w: window(30, 2), c: none, rule: plain, expected: 1 },
    {
      name: 'a large window: the normal bound governs',
      w: window(1000, 0),
      c: { mean: 25, variance: 25 },
      rule: plain,
      expected: 0,
    },
  ];
  for (const c of cases) near(windowBreachChance(c.w, c.c, c.rule), c.expected, c.name);
  // The check joins the headroom's: a small commitment fits a window with one abandon left, not one
  // with none, although the normal bound (no reserve) lets both through.
  const rule = { ...plain, breachChance: 0.05 };
  const small = { mean: 0.1, variance: 0.1 };
  assert.equal(fitsEveryWindow([window(40, 0)], small, rule), true);
  assert.equal(fitsEveryWindow([window(30, 0)], small, rule), false);
  assert.equal(fitsEveryWindow([window(30, 0)], small, plain), true);
  // A fresh window's aim: 40 live answers hold one abandon, so it may expect in all the mean whose
  // chance of two or more is the breach chance (0.149 for 1 %), not the 1.2 of the averages.
  const rate = sustainableRate(40, { ...plain, breachChance: 0.01 });
  const mean = rate * 40;
  assert.ok(Math.abs(1 - Math.exp(-mean) * (1 + mean) - 0.01) < 1e-6, `mean ${mean}`);
  near(sustainableRate(40, plain), 0.03, 'without the check');
  // Counted on the answers the history delivered: 20 cautious are 40, which hold one.
  near(sustainableRate(20, { ...plain, breachChance: 0.01, wholeCountPerCautious: 2 }) * 40, mean, 'delivered');
  const none20 = sustainableRate(20, { ...plain, breachChance: 0.01 }) * 20;
  assert.ok(Math.abs(none20 + Math.log(0.99)) < 1e-6, `cautious: 20 hold none, a 1 % chance of one: ${none20}`);
});

test('ledger: rolling windows see answers and abandons by answer minute', () => {
  const ledger = new AbandonLedger([{ kind: 'rolling', lengthMs: 60 * MIN }], 10 * MIN);
  ledger.openWindows({ nowMs: 0, futureAnswersPerMs: 0, lookaheadMs: 0, shiftEndMs: null }); // first look
  for (let m = 0; m < 90; m++) ledger.recordAnswer(m * MIN + 1000);
  ledger.recordAbandon(10 * MIN + 1000);
  ledger.recordAbandon(80 * MIN + 1000);
  const windows = ledger.openWindows({
    nowMs: 90 * MIN - 1,
    futureAnswersPerMs: 0,
    lookaheadMs: 60 * MIN,
    shiftEndMs: null,
  });
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
  assert.deepEqual(ledger.openWindows({ ...q, nowMs: day - 1 }), [
    { startMs: 0, answers: 1, abandons: 1, futureAnswers: 0 },
  ]);
  ledger.recordAnswer(day + 1000);
  assert.deepEqual(ledger.openWindows({ ...q, nowMs: day + 2000 }), [
    { startMs: day, answers: 1, abandons: 0, futureAnswers: 0 },
  ]);
});

test('ledger: a recalled history counts in every window it reaches, and windows start where it does', () => {
  const hour = { kind: 'rolling', lengthMs: 60 * MIN } as const;
  const q = { futureAnswersPerMs: 0, lookaheadMs: 0, shiftEndMs: null };
  // A restarted pacer at minute 0 of its clock; the campaign's last hour comes from the store.
  const ledger = new AbandonLedger([hour], 10 * MIN);
  const since = ledger.recallFromMs(30_000);
  assert.equal(since, -60 * MIN, 'the hour before now, from a minute start');
  ledger.recall({
    sinceMs: since,
    answers: [
      { atMs: -90 * MIN, answers: 50, abandons: 50 }, // before the history is complete: left out
      { atMs: -50 * MIN + 5000, answers: 40, abandons: 2 },
      { atMs: -20 * MIN, answers: 1, abandons: 1 },
      { atMs: -10 * MIN + 1, answers: 30, abandons: 0 },
    ],
  });
  ledger.recordAnswer(10_000);
  ledger.recordAbandon(10_000);
  const windows = ledger.openWindows({ ...q, nowMs: 30_000 });
  const byStart = new Map(windows.map((w) => [w.startMs / MIN, w]));
  assert.equal(windows.length, 60, 'windows from minute -59 to 0 are open');
  assert.deepEqual(byStart.get(-59), { startMs: -59 * MIN, answers: 72, abandons: 4, futureAnswers: 0 });
  assert.deepEqual(byStart.get(-15), { startMs: -15 * MIN, answers: 31, abandons: 1, futureAnswers: 0 });
  assert.deepEqual(byStart.get(0), { startMs: 0, answers: 1, abandons: 1, futureAnswers: 0 });
  near(ledger.answerRate(30_000, 10 * MIN), 31 / (10 * MIN + 30_000), 'answer rate from the history');
});

test('ledger: a successor recalls what its predecessor holds and sees the same windows', () => {
  const windowsOf = [
    { kind: 'rolling', lengthMs: 60 * MIN } as const,
    { kind: 'rolling', lengthMs: 15 * MIN } as const,
  ];
  const before = new AbandonLedger(windowsOf, 10 * MIN);
  before.openWindows({ nowMs: 0, futureAnswersPerMs: 0, lookaheadMs: 0, shiftEndMs: null });
  for (let m = 0; m < 100; m++) {
    before.recordAnswer(m * MIN + 7000);
    if (m % 9 === 0) before.recordAbandon(m * MIN + 7000);
  }
  const nowMs = 100 * MIN + 3000;
  const q = { nowMs, futureAnswersPerMs: 1 / MIN, lookaheadMs: 60 * MIN, shiftEndMs: null };
  const after = new AbandonLedger(windowsOf, 10 * MIN);
  after.recall(before.history(nowMs));
  assert.deepEqual(after.openWindows(q), before.openWindows(q));
  assert.equal(after.answerRate(nowMs, 10 * MIN), before.answerRate(nowMs, 10 * MIN));
  // A predecessor that saw nothing hands over nothing and no window older than the minute.
  const empty = new AbandonLedger(windowsOf, 10 * MIN).history(nowMs);
  assert.deepEqual(empty, { sinceMs: 100 * MIN, answers: [] });
});

/**
 * A campaign fed to a ledger and an AnswerCredit minute by minute: `answersAt(m)` answers arrive in
 * minute m, the expected rate each minute is the last ten minutes' rate; returns the credit's share
 * after each minute.
 */
function creditOver(minutes: number, answersAt: (m: number) => number, endMs: number | null = null): number[] {
  const ledger = new AbandonLedger([{ kind: 'rolling', lengthMs: 60 * MIN }], 60 * MIN);
  const credit = new AnswerCredit(60 * MIN, 0.5, 0.9, 20 * MIN);
  const shares: number[] = [];
  for (let m = 0; m < minutes; m++) {
    const nowMs = m * MIN;
    credit.observe(nowMs, ledger.answerRate(nowMs, 10 * MIN), endMs, (a, b) => ledger.answersIn(a, b));
    for (let i = 0; i < answersAt(m); i++) ledger.recordAnswer(nowMs + 1000 + i);
    shares.push(credit.share);
  }
  return shares;
}

test('answer credit: a steady campaign earns the share its answers delivered, up to the ceiling', () => {
  // 10 answers a minute, one minute in three 7: the next hour brings about what the last ten minutes
  // promised, so the share settles at or just under the ceiling.
  const steady = creditOver(200, (m) => (m % 3 === 0 ? 7 : 10));
  assert.equal(steady[79], 0.5, 'the floor until the first expectation has been settled (20 + 60 minutes)');
  assert.ok(steady[85]! > 0.85 && steady[85]! <= 0.9, `settled share ${steady[85]}`);
  assert.equal(creditOver(200, () => 10)[199], 0.9, 'a promise kept in full is still capped');
  // A shift's first minutes (every agent free at once) are not held against it.
  const rush = creditOver(200, (m) => (m < 3 ? 40 : 10));
  assert.equal(rush[199], 0.9);
});

test('answer credit: a campaign whose answers once fell short stays at the share they delivered', () => {
  // 10 a minute, then from minute 100 on 6: the hour after minute 99 delivered 0.6 of its promise.
  const drop = creditOver(300, (m) => (m < 100 ? 10 : 6));
  assert.equal(drop[100], 0.9, 'before the drop');
  assert.ok(drop[120]! < 0.9, 'known as soon as an hour that saw it has passed');
  assert.ok(Math.abs(drop[299]! - 0.6) < 0.02, `after the drop ${drop[299]}`);
  // Half of it or less: the floor, for good.
  const collapse = creditOver(300, (m) => (m < 100 ? 10 : 2));
  assert.equal(collapse[299], 0.5);
});

test('answer credit: expectations past the shift end, or of a handful of answers, are not noted', () => {
  // The shift ends at minute 100: the hours that would run past it (answers stop) say nothing.
  const ended = creditOver(200, (m) => (m < 100 ? 10 : 0), 100 * MIN);
  assert.ok(ended[199]! > 0.85, `with the shift end ${ended[199]}`);
  assert.equal(creditOver(200, (m) => (m < 100 ? 10 : 0))[199], 0.5, 'without it, the answers stopping count');
  // Under 20 answers an hour: too few to tell a shortfall from chance.
  assert.equal(creditOver(300, (m) => (m % 5 === 0 ? 1 : 0))[299], 0.5);
});
