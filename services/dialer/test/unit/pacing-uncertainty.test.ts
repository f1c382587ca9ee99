// Two mechanisms found on generated workloads (README "What each mechanism bought"): the error of the
// live-rate estimate as one shock shared by every call in flight, and a short memory of logouts that
// sees a team leaving within a few agents. Pure: fixed pseudo-random streams, fake clocks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AgentPool } from '../../src/domain/pacing/agent-pool.js';
import { AnswerEstimator } from '../../src/domain/pacing/answer-estimator.js';
import { CallBook } from '../../src/domain/pacing/call-book.js';
import { abandonRisk, inFlightAbandons, type Outlook } from '../../src/domain/pacing/queue-outlook.js';
import { seededRandom } from '@outbound/testkit';

/** Launches `n` calls 100 ms apart, each resolved 5 s later (live with probability p), in order. */
function feed(a: AnswerEstimator, firstId: number, n: number, p: number, r: () => number): void {
  for (let i = 0; i < n; i++) {
    const id = firstId + i;
    const t = id * 100;
    a.launched(id, t);
    a.record(5000, r() < p ? 'live' : 'failed', id, t + 5000);
  }
}

test('live-rate error: small on a long steady stream, several times larger right after a change', () => {
  const a = new AnswerEstimator(30_000);
  const r = seededRandom(11);
  feed(a, 0, 4000, 0.25, r);
  const steady = a.liveRateRelativeVariance();
  // (1 − p)/(p·n) with n ≈ 2·400 − 1 calls behind the long level.
  assert.ok(steady > 0.5 * (0.75 / (0.25 * 799)) && steady < 2 * (0.75 / (0.25 * 799)), `steady ${steady}`);
  const changesBefore = a.regimeChanges;
  // The live rate falls to a third: the detector alarms and the level restarts from ~20 calls.
  let id = 4000;
  while (a.regimeChanges === changesBefore && id < 6000) {
    feed(a, id, 1, 0.08, r);
    id++;
  }
  assert.ok(a.regimeChanges > changesBefore, 'the fall is detected');
  const after = a.liveRateRelativeVariance();
  assert.ok(after > 5 * steady, `after the change ${after} vs steady ${steady}`);
  // It shrinks back as the new regime's evidence accumulates.
  feed(a, id, 3000, 0.08, r);
  assert.ok(a.liveRateRelativeVariance() < 0.5 * after, 'memory grows back');
});

const outlook = (over: Partial<Outlook> = {}): Outlook => ({
  demandMean: 6,
  demandVariance: 4,
  supplyMean: 9,
  supplyVariance: 2,
  newCallLiveByThen: 0.1,
  ...over,
});

test('live-rate error: a shared error on the calls in flight raises the risk of one more call and the expected overflow', () => {
  const plain = [outlook()];
  const shared = [outlook({ inFlightMean: 6, rateRelativeVariance: 0.25 })];
  assert.equal(abandonRisk([outlook({ inFlightMean: 6, rateRelativeVariance: 0 })], 3), abandonRisk(plain, 3));
  assert.ok(abandonRisk(shared, 3) > 1.5 * abandonRisk(plain, 3), 'risk of one more call');
  assert.ok(inFlightAbandons(shared).mean > 1.5 * inFlightAbandons(plain).mean, 'expected overflow');
});

test('agent pool: a team leaving is seen within a few agents, a single logout is soon forgotten', () => {
  const pool = new AgentPool();
  let t = 0;
  // A long steady shift: 40 agents, every one coming back after its call.
  for (let i = 0; i < 2000; i++) {
    const id = i % 40;
    pool.onBusy(id, t);
    pool.onWrapUp(id, t + 60_000);
    pool.onReady(id, t + 70_000);
    t += 1500;
  }
  t += 70_000;
  const steady = pool.leaveProbability(t);
  assert.ok(steady < 0.01, `steady ${steady}`);
  // One agent leaves for lunch, the others keep coming back: a blip, gone after a few dozen returns.
  pool.onBusy(100, t);
  pool.onWrapUp(100, t + 1000);
  pool.onLogout(100, t + 2000);
  assert.ok(pool.leaveProbability(t + 2000) < 0.2, 'one logout is not a team leaving');
  for (let i = 0; i < 30; i++) {
    pool.onBusy(i, t + 3000 + i);
    pool.onWrapUp(i, t + 4000 + i);
    pool.onReady(i, t + 5000 + i);
  }
  assert.ok(pool.leaveProbability(t + 6000) < 0.01, 'forgotten after 30 returns');
  // Then half the team leaves: five logouts after calls in a row (15 min of memory alone says ~1 %).
  for (let i = 0; i < 5; i++) {
    pool.onBusy(200 + i, t + 7000);
    pool.onWrapUp(200 + i, t + 8000);
    pool.onLogout(200 + i, t + 9000 + i * 100);
  }
  assert.ok(pool.leaveProbability(t + 10_000) > 0.4, `team leaving ${pool.leaveProbability(t + 10_000)}`);
});

test('agent pool: idle agents logging out at once count as a team leaving, and cut the releases', () => {
  const pool = new AgentPool();
  for (let id = 0; id < 10; id++) pool.onBusy(id, 0);
  const before = pool.releaseOutlook(100_000, [60_000]).mean[0] ?? 0;
  for (let id = 20; id < 25; id++) pool.onLogout(id, 100_000);
  assert.ok(pool.leaveProbability(100_000) > 0.4);
  const after = pool.releaseOutlook(100_000, [60_000]).mean[0] ?? 0;
  assert.ok(after < 0.6 * before, `releases ${after} vs ${before}`);
});

/** Settles `n` calls each launched with raw risk `risk`, abandoned with probability `p`. */
function settleCalls(book: CallBook, firstId: number, n: number, risk: number, p: number, r: () => number): void {
  for (let i = 0; i < n; i++) {
    const id = firstId + i;
    book.expectLaunches([{ risk, rawRisk: risk }]);
    book.onOriginated(id, id * 100);
    book.settle(id, r() < p);
  }
}

test('calibration: with the floor at 1 it only raises the risks, and quickly', () => {
  const book = new CallBook(1);
  const r = seededRandom(5);
  settleCalls(book, 0, 20_000, 0.01, 0.002, r);
  assert.equal(book.calibration(), 1, 'a model predicting 5× the abandons keeps its risks');
  settleCalls(book, 20_000, 2000, 0.01, 0.03, r);
  assert.ok(book.calibration() > 1.2, `under-prediction raises: ${book.calibration()}`);
  settleCalls(book, 22_000, 20_000, 0.01, 1, r);
  assert.equal(book.calibration(), 3, 'never above 3');
});

test('calibration: below 1 only on a long memory of evidence, never under the floor', () => {
  const book = new CallBook(0.1);
  const r = seededRandom(6);
  // 2,000 calls predicting 20 abandons, about 4 seen: the bound on so few keeps most of the risk.
  settleCalls(book, 0, 2000, 0.01, 0.002, r);
  const early = book.calibration();
  assert.ok(early > 0.4 && early < 1, `early ${early}`);
  // 40,000 calls: the upper bound on observed abandons sits at 0.2–0.4 of the prediction.
  settleCalls(book, 2000, 38_000, 0.01, 0.002, r);
  const late = book.calibration();
  assert.ok(late > 0.2 && late < 0.4 && late < early, `late ${late}`);
  // No abandons at all: the floor holds.
  const quiet = new CallBook(0.3);
  settleCalls(quiet, 0, 60_000, 0.01, 0, r);
  assert.equal(quiet.calibration(), 0.3);
  // Abandons return: recent calls raise the risks again long before the long memory would.
  settleCalls(book, 40_000, 1500, 0.01, 0.02, r);
  assert.ok(book.calibration() > 1, `raised again ${book.calibration()}`);
});
