import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AgentPool } from '../../src/domain/pacing/agent-pool.js';
import { AnswerEstimator } from '../../src/domain/pacing/answer-estimator.js';
import { DurationEstimator } from '../../src/domain/pacing/duration-estimator.js';
import { LaunchRate } from '../../src/domain/pacing/launch-rate.js';
import { normalCdf } from '../../src/domain/pacing/normal.js';
import { StaffingHistory } from '../../src/domain/pacing/staffing-history.js';
import { seededRandom } from '@outbound/testkit';

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
  for (let i = 1; i <= 100; i++) d.add(i * 1000, i * 1000); // uniform 1..100 s
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
  for (let i = 0; i < 100; i++) d.add(10_000, i * 10_000);
  for (let i = 0; i < 100; i++) d.add(100_000, 1_000_000 + i * 100_000);
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

test('duration estimator: a full memory beside running durations does not favour long ones', () => {
  // 60 agents, each wrapping up for an exponential 23 s, then talking 20 s, for two hours; the
  // memory (200) spans about 70 s of ends. Read every 5 s after the first 10 minutes and averaged
  // (one reading is 200 samples' worth of noise). Without delayed entry: a mean of 26.8 s, and
  // 0.316 for "ends within 10 s".
  const d = new DurationEstimator(200);
  const r = seededRandom(7);
  const wrapStart = Array.from({ length: 60 }, (_, i) => i * 700);
  const wrapEnd = wrapStart.map((s) => s - 23_000 * Math.log(1 - r()));
  const readings = { mean: 0, within10: 0, after30: 0, n: 0 };
  for (let now = 0; now <= 2 * 3_600_000; now += 1000) {
    for (let a = 0; a < 60; a++) {
      while ((wrapEnd[a] ?? Infinity) <= now) {
        const end = wrapEnd[a] ?? 0;
        d.add(end - (wrapStart[a] ?? 0), end);
        wrapStart[a] = end + 20_000;
        wrapEnd[a] = end + 20_000 - 23_000 * Math.log(1 - r());
      }
    }
    if (now % 5000 !== 0) continue;
    d.censor(
      now,
      wrapStart.filter((s) => s <= now).map((s) => now - s),
    );
    if (now < 600_000) continue;
    readings.mean += d.meanMs;
    readings.within10 += d.endsWithin(0, 10_000);
    readings.after30 += d.endsWithin(30_000, 10_000);
    readings.n++;
  }
  const expected = 1 - Math.exp(-10 / 23);
  near(readings.mean / readings.n, 23_000, 1000, 'mean wrap-up');
  near(readings.within10 / readings.n, expected, 0.02, 'ends within 10 s');
  near(readings.after30 / readings.n, expected, 0.03, 'memoryless: ends within 10 s after 30 s');
});

test('agent pool: a talking agent is back when its talk and a whole wrap-up fit, however the wrap-up varies', () => {
  const pool = new AgentPool();
  const r = seededRandom(11);
  let t = 0;
  // Talk 20 s; wrap-up exponential with a mean of 23 s.
  for (let i = 0; i < 400; i++) {
    pool.onBusy(1, t);
    t += 20_000;
    pool.onWrapUp(1, t);
    t -= 23_000 * Math.log(1 - r());
    pool.onReady(1, t);
  }
  pool.onBusy(2, t); // just started talking
  const [within30, within60] = pool.releaseOutlook(t, [30_000, 60_000]).mean;
  // Back within 30 s only if the wrap-up takes under 10 s (a third of them); at its mean (23 s)
  // the talk would have to end within 7 s, which it never does.
  near(within30 ?? -1, 1 - Math.exp(-10 / 23), 0.06, 'back within 30 s');
  near(within60 ?? -1, 1 - Math.exp(-40 / 23), 0.06, 'back within 60 s');
});

test('agent pool: releases of a large team with heavy-tailed talks are neither under- nor over-counted', () => {
  // 115 agents, talks lognormal (mean 130 s, cv 2.27), wrap-up 2.4 s, 5 s between calls; every
  // 10 s after the first half hour, releases expected within 12 s of busy agents against those that
  // came. Before delayed entry in the duration memory they read 27 % low (7.3 against 10.0).
  const r = seededRandom(5);
  const s2 = Math.log(1 + 2.27 ** 2);
  const talk = (): number =>
    Math.exp(Math.log(130) - s2 / 2 + Math.sqrt(s2 * -2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r())) * 1000;
  const pool = new AgentPool();
  const events: { t: number; type: 'busy' | 'wrap' | 'ready'; agent: number }[] = [];
  for (let agent = 0; agent < 115; agent++) events.push({ t: r() * 60_000, type: 'busy', agent });
  const probes: { t0: number; predicted: number; busy: Set<number>; came: number }[] = [];
  const busy = new Set<number>();
  let nextProbe = 1_800_000;
  const end = 3 * 3_600_000;
  for (;;) {
    events.sort((x, y) => x.t - y.t);
    const e = events.shift();
    if (!e || e.t > end) break;
    for (; nextProbe <= e.t; nextProbe += 10_000)
      probes.push({
        t0: nextProbe,
        predicted: pool.releaseOutlook(nextProbe, [12_000]).mean[0] ?? 0,
        busy: new Set(busy),
        came: 0,
      });
    if (e.type === 'busy') {
      pool.onBusy(e.agent, e.t);
      busy.add(e.agent);
      events.push({ t: e.t + talk(), type: 'wrap', agent: e.agent });
    } else if (e.type === 'wrap') {
      pool.onWrapUp(e.agent, e.t);
      events.push({ t: e.t + 2400, type: 'ready', agent: e.agent });
    } else {
      pool.onReady(e.agent, e.t);
      busy.delete(e.agent);
      for (const p of probes) if (p.busy.delete(e.agent) && e.t <= p.t0 + 12_000) p.came++;
      events.push({ t: e.t + 5000, type: 'busy', agent: e.agent });
    }
  }
  const settled = probes.filter((p) => p.t0 + 12_000 < end);
  const predicted = settled.reduce((sum, p) => sum + p.predicted, 0);
  const came = settled.reduce((sum, p) => sum + p.came, 0);
  near(predicted / came, 1, 0.05, `releases expected ÷ released (${predicted / settled.length} per probe)`);
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
