import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AgentPool } from '../../src/domain/pacing/agent-pool.js';
import { AnswerEstimator } from '../../src/domain/pacing/answer-estimator.js';
import { DurationEstimator } from '../../src/domain/pacing/duration-estimator.js';
import { LaunchRate } from '../../src/domain/pacing/launch-rate.js';
import { normalCdf } from '../../src/domain/pacing/normal.js';
import { StaffingHistory } from '../../src/domain/pacing/staffing-history.js';

const near = (actual: number, expected: number, tolerance: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} not within ${tolerance} of ${expected}`);

test('normal CDF matches known values', () => {
  for (const [x, p] of [
    [0, 0.5],
    [1.6449, 0.95],
    [-1.96, 0.025],
    [3, 0.99865],
    [-9, 0],
  ] as const)
    near(normalCdf(x), p, 1e-4, `Φ(${x})`);
});

test('answer estimator: live probability and hazard by age', () => {
  const a = new AnswerEstimator(30_000);
  // Per 10 calls: 3 live at 8 s, 2 machine at 8 s, 1 failed at 3 s, 4 no-answer at 25 s.
  for (let i = 0; i < 50; i++) {
    for (let j = 0; j < 3; j++) a.record(8000, 'live');
    for (let j = 0; j < 2; j++) a.record(8000, 'machine');
    a.record(3000, 'failed');
    for (let j = 0; j < 4; j++) a.record(25_000, 'failed');
  }
  const cases: { ageMs: number; aheadMs: number; expected: number }[] = [
    { ageMs: 0, aheadMs: 30_000, expected: 0.3 },
    { ageMs: 0, aheadMs: 5000, expected: 0 },
    { ageMs: 5000, aheadMs: 5000, expected: 3 / 9 }, // the failure at 3 s is behind it
    { ageMs: 10_000, aheadMs: 20_000, expected: 0 }, // past the answer time: only no-answers left
  ];
  for (const c of cases) {
    const q = a.liveWithin(a.binOf(c.ageMs), Math.round(c.aheadMs / a.binMs));
    near(q, c.expected, 0.02, `live within ${c.aheadMs} ms at age ${c.ageMs}`);
  }
  near(a.liveProbability(), 0.3, 0.02, 'live probability');
  near(a.machineProbability(), 0.2, 0.02, 'machine probability');
  near(a.meanLiveDelayMs(), 8250, 1, 'mean delay (bin centre)');
  assert.equal(a.liveDelayQuantileBins(0.5), a.binOf(8000) + 1);
});

test('answer estimator follows a falling answer rate', () => {
  const a = new AnswerEstimator(30_000);
  const feed = (live: number, period: number, calls: number): void => {
    for (let i = 0; i < calls; i++) a.record(8000, i % period < live * period ? 'live' : 'failed');
  };
  feed(0.3, 10, 2000);
  near(a.liveProbability(), 0.3, 0.02, 'before the drop');
  feed(0.08, 25, 2000);
  near(a.liveProbability(), 0.08, 0.02, 'after the drop');
});

test('answer estimator reacts at once to an answer burst', () => {
  const a = new AnswerEstimator(30_000);
  for (let i = 0; i < 2000; i++) a.record(8000, i % 10 < 2 ? 'live' : 'failed');
  for (let i = 0; i < 80; i++) a.record(8000, i % 10 < 5 ? 'live' : 'failed');
  // The long memory alone would still say about 0.23.
  assert.ok(a.liveProbability() > 0.33, `burst seen: ${a.liveProbability()}`);
});

test('human share from dispositions starts cautious and converges', () => {
  const a = new AnswerEstimator(30_000);
  assert.equal(a.humanShare(), 1);
  for (let i = 0; i < 3000; i++) a.recordDisposition(i % 4 !== 0);
  near(a.humanShare(), 0.75, 0.02, 'human share');
});

test('duration estimator: conditional completion from a table of cases', () => {
  const d = new DurationEstimator(400);
  for (let i = 1; i <= 100; i++) d.add(i * 1000); // uniform 1..100 s
  const cases: { elapsedMs: number; aheadMs: number; expected: number }[] = [
    { elapsedMs: 0, aheadMs: 50_000, expected: 0.5 },
    { elapsedMs: 50_000, aheadMs: 25_000, expected: 0.5 },
    { elapsedMs: 90_000, aheadMs: 5000, expected: 0.5 },
    { elapsedMs: 0, aheadMs: 0, expected: 0 },
    { elapsedMs: 0, aheadMs: 200_000, expected: 1 },
  ];
  for (const c of cases)
    near(d.endsWithin(c.elapsedMs, c.aheadMs), c.expected, 0.02, `ends within ${c.aheadMs} after ${c.elapsedMs}`);
  near(d.meanMs, 50_500, 1, 'mean');
  // Beyond every sample: an exponential tail, never certainty.
  const tail = d.endsWithin(500_000, 10_000);
  assert.ok(tail > 0 && tail < 1);
});

test('duration estimator forgets old samples', () => {
  const d = new DurationEstimator(100);
  for (let i = 0; i < 100; i++) d.add(10_000);
  for (let i = 0; i < 100; i++) d.add(100_000);
  near(d.meanMs, 100_000, 1, 'mean after the shift');
  near(d.endsWithin(0, 50_000), 0, 0.01, 'old short calls forgotten');
});

test('agent pool: releases by state, with a fake clock', () => {
  const pool = new AgentPool();
  let t = 0;
  // Teach it: talk 60 s, wrap 10 s.
  for (let i = 0; i < 100; i++) {
    pool.onBusy(1, t);
    t += 60_000;
    pool.onWrapUp(1, t);
    t += 10_000;
    pool.onReady(1, t);
  }
  pool.onBusy(1, t); // just started talking
  pool.onBusy(2, t - 55_000); // 5 s of talk left
  pool.onWrapUp(3, t - 5000); // 5 s of wrap-up left
  const cases: { horizonMs: number; expected: number }[] = [
    { horizonMs: 1000, expected: 0 },
    { horizonMs: 6000, expected: 1 }, // agent 3
    { horizonMs: 16_000, expected: 2 }, // + agent 2
    { horizonMs: 71_000, expected: 3 }, // + agent 1
  ];
  const outlook = pool.releaseOutlook(
    t,
    cases.map((c) => c.horizonMs),
  );
  // A small prior on logouts keeps every release a little below certainty.
  cases.forEach((c, i) =>
    near(outlook.mean[i] ?? -1, c.expected, 0.1 * c.expected + 0.01, `releases within ${c.horizonMs}`),
  );
  assert.equal(pool.releasesSeen, 100);
});

test('agent pool learns that busy agents are leaving', () => {
  const pool = new AgentPool();
  const before = pool.leaveProbability(0);
  for (let id = 0; id < 10; id++) {
    pool.onBusy(id, 0);
    pool.onWrapUp(id, 60_000);
    pool.onLogout(id, 70_000);
  }
  assert.ok(pool.leaveProbability(70_000) > 0.4, 'many logouts after calls');
  assert.ok(pool.leaveProbability(5 * 3_600_000) < before + 0.01, 'forgotten hours later');
});

test('launch rate counts the last second only', () => {
  const r = new LaunchRate();
  const steps: { atMs: number; launch: number; expected: number }[] = [
    { atMs: 0, launch: 3, expected: 3 },
    { atMs: 500, launch: 2, expected: 5 },
    { atMs: 999, launch: 0, expected: 5 },
    { atMs: 1000, launch: 0, expected: 2 },
    { atMs: 1500, launch: 0, expected: 0 },
  ];
  for (const s of steps) {
    r.record(s.atMs, s.launch);
    assert.equal(r.inLastSecond(s.atMs), s.expected, `at ${s.atMs}`);
  }
});

test('answer estimator: a launch never placed is skipped, as if it had never been launched', () => {
  // Half the launches are refused by media (withdrawn); the rest answer live. The in-order level
  // must read the answered ones at once, exactly as an estimator that never saw the refused ones.
  const withRefusals = new AnswerEstimator(30_000);
  const without = new AnswerEstimator(30_000);
  for (let id = 0; id < 200; id++) {
    withRefusals.launched(id, id * 100);
    if (id % 2 === 0) without.launched(id, id * 100);
  }
  for (let id = 0; id < 200; id++) {
    if (id % 2 === 1) withRefusals.withdraw(id);
    else {
      withRefusals.record(5_000, id % 4 === 0 ? 'live' : 'failed', id, id * 100 + 5_000);
      without.record(5_000, id % 4 === 0 ? 'live' : 'failed', id, id * 100 + 5_000);
    }
  }
  assert.equal(withRefusals.liveLevel, without.liveLevel);
  assert.ok(without.liveLevel > 0.3, `the level moved towards the half that answered: ${without.liveLevel}`);
});

test('staffing history: the mean agents logged in over the minutes an answer rate reads', () => {
  const h = new StaffingHistory();
  assert.equal(h.meanOver(0, 600_000), 0, 'nothing recorded');
  // Snapshots every 100 ms from minute 5: 30 agents until minute 14, then 10.
  for (let t = 300_000; t <= 900_000; t += 100) h.record(t, t < 840_000 ? 30 : 10);
  // Minutes 5–15 (ten minutes): nine at 30, one at 10.
  near(h.meanOver(900_000, 600_000), 28, 0.01, 'ten minutes back');
  // Two minutes back reads from minute 13: one at 30, one at 10.
  near(h.meanOver(900_000, 120_000), 20, 0.01, 'two minutes back');
  // Only what was recorded counts: four minutes back from minute 9 is minutes 5–9, all at 30.
  const early = new StaffingHistory();
  for (let t = 300_000; t <= 540_000; t += 100) early.record(t, 30);
  near(early.meanOver(540_000, 600_000), 30, 1e-9, 'shorter history than the lookback');
});
