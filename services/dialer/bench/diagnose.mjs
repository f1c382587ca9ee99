// Replays one run (a generated or public workload, one seed) with our pacer on pacing-bench's
// simulator and prints, minute by minute around the worst rolling hour, what actually happened
// (true answer-rate multiplier and live rate, agents, live answers and abandons by answer minute)
// beside what the pacer believed and did (its onDecision records: live-rate estimate, threshold,
// headroom, committed risk, calibration, launches and the limit that stopped them).
//
//   node diagnose.mjs --bench <pacing-bench dir> --gen-seed 1 --index 4 --seed 3 [--ours pacer.mjs[:k=v...]]
//   node diagnose.mjs --bench <pacing-bench dir> --workload <file.json> --seed 2 [--from 60 --to 150]
//
// --pacer-dist <dir> loads the adapter from another build (a directory holding bench/pacer.mjs).
// --means: every 10 s of the run, what the model expected at each examined presentation delay (live
// answers from the calls in flight then, busy agents back) beside what followed, averaged over the
// run: the check that found releases at 59 % of what came (pacing README, "Releases").
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { generateWorkload } from './generate-workloads.mjs';

const { values: a } = parseArgs({
  options: {
    bench: { type: 'string' },
    ours: { type: 'string', default: new URL('./pacer.mjs', import.meta.url).pathname },
    'gen-seed': { type: 'string', default: '1' },
    index: { type: 'string' },
    workload: { type: 'string' },
    seed: { type: 'string', default: '1' },
    from: { type: 'string' },
    to: { type: 'string' },
    target: { type: 'string', default: '0.03' },
    ticks: { type: 'string' },
    means: { type: 'boolean', default: false },
  },
});
if (!a.bench || (!a.index && !a.workload))
  throw new Error('usage: diagnose.mjs --bench <dir> (--index i | --workload f)');
const bench = resolve(a.bench);
const { simulate, pacerConfig } = await import(pathToFileURL(join(bench, 'sim.mjs')).href);
const { normalizeWorkload } = await import(pathToFileURL(join(bench, 'workload.mjs')).href);
const { createRng } = await import(pathToFileURL(join(bench, 'rng.mjs')).href);
const { computeMetrics } = await import(pathToFileURL(join(bench, 'metrics.mjs')).href);

// A baseline name (erlang, progressive, ...) runs that baseline instead: truth columns only.
if (!a.ours.includes('/') && !a.ours.endsWith('.mjs')) a.ours = join(bench, 'baselines', `${a.ours}.mjs`);
const raw = a.workload
  ? JSON.parse(readFileSync(a.workload, 'utf8'))
  : generateWorkload(Number(a['gen-seed']), Number(a.index));
const w = normalizeWorkload(raw);
const seed = Number(a.seed);
const target = Number(a.target);
const [oursPath, ...kv] = a.ours.split(':');
const options = Object.fromEntries(kv.map((p) => p.split('=')));
const { default: createPacer } = await import(pathToFileURL(resolve(oursPath)).href);

// The modulation timeline exactly as the simulator draws it (stream 3 of the seed).
const mod = [];
if (w.answerModulation) {
  const m = w.answerModulation;
  const r = createRng(seed, 3);
  let t = 0;
  let high = false;
  while (t < w.shiftMin * 60000) {
    mod.push([t, high ? m.highMult : m.lowMult]);
    t += -Math.log(r()) * 60000 * (high ? m.meanHighMin : m.meanLowMin);
    high = !high;
  }
}
const modAt = (t) => {
  let x = 1;
  for (const [s, v] of mod) if (s <= t) x = v;
  return x;
};
const humanAt = (t) => {
  let o = w.segments[0].params.outcomes;
  for (const s of w.segments) if (s.startMs <= t) o = s.params.outcomes;
  return Math.min(o.human * modAt(t), o.human + o.noAnswer);
};

const minutes = new Map();
const row = (m) => {
  let r = minutes.get(m);
  if (!r) {
    r = {
      dec: 0,
      pred: 0,
      launch: 0,
      p: 0,
      thr: 0,
      head: Infinity,
      committed: 0,
      cal: 0,
      logged: 0,
      ready: 0,
      ringing: 0,
      waiting: 0,
      limits: {},
    };
    minutes.set(m, r);
  }
  return r;
};
// --ticks a,b (minutes): every decision with a launch in that span, one line each.
const [tickFrom, tickTo] = (a.ticks ?? '0,0').split(',').map((x) => Number(x) * 60000);
const onDecision = (d) => {
  if (d.atMs >= tickFrom && d.atMs < tickTo && (d.launch > 0 || d.atMs % 1000 === 0)) {
    const e = d.estimates;
    const s = d.snapshot;
    console.log(
      `t=${(d.atMs / 1000).toFixed(1)} launch ${d.launch} ${d.limitedBy} ready ${s.agentsReady} talk ${s.agentsTalking} wrap ${s.agentsWrapUp} ` +
        `ringing ${s.callsRinging} waiting ${s.callsWaitingForAgent} p ${e.liveAnswerProbability.toFixed(3)} ` +
        `m ${e.marginalAbandonRisk.toFixed(4)} thr ${e.marginalRiskThreshold.toFixed(4)} rel ${e.expectedAgentReleases.toFixed(1)} ` +
        `talkMs ${e.meanTalkMs.toFixed(0)} wrapMs ${e.meanWrapMs.toFixed(0)} delay ${e.meanTimeToLiveAnswerMs.toFixed(0)} ` +
        `head ${d.budget.headroom.toFixed(1)} expect ${d.budget.expectedAnswersPerHour.toFixed(0)}/h credit ${d.budget.futureAnswerShare.toFixed(2)} ` +
        `stress ${d.budget.stressTested ? 1 : 0} commit ${d.budget.committed.toFixed(2)} h ${d.budget.humanShare.toFixed(2)} cal ${e.calibration.toFixed(2)} ` +
        `jumps/h ${e.answerJumpsPerHour.toFixed(1)} peak ${e.answerPeakFactor.toFixed(2)} ` +
        `hidden ${e.answerHiddenHighShare.toFixed(3)} ×${e.answerHiddenHighFactor.toFixed(2)}`,
    );
  }
  const r = row(Math.floor(d.atMs / 60000));
  r.dec++;
  r.launch += d.launch;
  if (d.predictive) r.pred++;
  r.p += d.estimates.liveAnswerProbability;
  r.thr = Math.max(r.thr, d.estimates.marginalRiskThreshold);
  r.head = Math.min(r.head, d.budget.headroom);
  r.committed = Math.max(r.committed, d.budget.committed);
  r.cal = d.estimates.calibration;
  r.logged += d.snapshot.agentsLoggedIn;
  r.ready += d.snapshot.agentsReady;
  r.ringing += d.snapshot.callsRinging;
  r.waiting = Math.max(r.waiting, d.snapshot.callsWaitingForAgent);
  r.limits[d.limitedBy] = (r.limits[d.limitedBy] ?? 0) + 1;
};
const cfg = pacerConfig(w, { seed, tickMs: 100, targetAbandonRate: target, options });
const means = a.means ? meansProbe(cfg.abandonAfterMs) : null;
const pacer = createPacer(cfg, { onDecision: means ? (d) => (means.onDecision(d), onDecision(d)) : onDecision });
const trace = simulate(
  raw,
  means ? { onEvent: (e) => (means.onEvent(e), pacer.onEvent(e)), decide: (s) => pacer.decide(s) } : pacer,
  { seed, tickMs: 100 },
);
const metrics = computeMetrics(trace, { target });
const perMin = (times) => {
  const c = new Map();
  for (const t of times) c.set(Math.floor(t / 60000), (c.get(Math.floor(t / 60000)) ?? 0) + 1);
  return c;
};
const ans = perMin(trace.humanAnswerTimes);
const ab = perMin(trace.humanAbandonTimes);

console.log(`${w.name} seed ${seed}: ${raw.description ?? ''}`);
console.log(
  JSON.stringify({
    answerModulation: w.answerModulation,
    agents: w.agents,
    amd: w.amd,
    schedule: w.schedule,
    outcomes: w.outcomes,
    ringSec: w.ringSec,
    maxRingSec: w.maxRingSec,
    talkSec: w.talkSec,
    channels: w.channels,
  }),
);
console.log(
  `occupancy ${(100 * metrics.occupancy).toFixed(1)} %, abandon ${(100 * metrics.abandonRate).toFixed(2)} %, ` +
    `worst hour ${(100 * metrics.worstWindowAbandonRate).toFixed(2)} % from min ${metrics.worstWindowStartMin}, ` +
    `queue ${metrics.abandonedQueue}, amd ${metrics.abandonedAmd}, answers ${metrics.humanAnswered}`,
);
const from = a.from !== undefined ? Number(a.from) : Math.max(0, metrics.worstWindowStartMin - 10);
const to = a.to !== undefined ? Number(a.to) : metrics.worstWindowStartMin + 65;
const f = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : '-');
console.log(
  'min  mult  pTrue  pEst  logged ready ringing wait launch  pred  thr    head  commit  cal  ans  ab  limits',
);
for (let m = from; m < to; m++) {
  const r = minutes.get(m) ?? row(m);
  const n = r.dec || NaN;
  const lim = Object.entries(r.limits)
    .sort((x, y) => y[1] - x[1])
    .map(([k, v]) => `${k.replace('abandon_budget', 'budget').replace('marginal_risk', 'risk')}:${v}`)
    .join(' ');
  console.log(
    [
      String(m).padStart(3),
      f(modAt(m * 60000), 2).padStart(5),
      f(humanAt(m * 60000), 3).padStart(6),
      f(r.p / n, 3).padStart(5),
      f(r.logged / n, 0).padStart(6),
      f(r.ready / n, 1).padStart(5),
      f(r.ringing / n, 1).padStart(7),
      String(r.waiting).padStart(4),
      String(r.launch).padStart(6),
      f(r.pred / n, 1).padStart(5),
      f(r.thr, 3).padStart(5),
      f(r.head, 1).padStart(7),
      f(r.committed, 2).padStart(7),
      f(r.cal, 2).padStart(4),
      String(ans.get(m) ?? 0).padStart(4),
      String(ab.get(m) ?? 0).padStart(3),
      ` ${lim}`,
    ].join(' '),
  );
}

if (means) means.report();

/** Predicted against realized: live answers from the calls in flight, and busy agents back. */
function meansProbe(graceMs) {
  const inFlight = new Set();
  const busy = new Set();
  const open = [];
  const done = [];
  let nextMs = 0;
  return {
    onEvent(e) {
      if (e.type === 'call_originated') inFlight.add(e.callId);
      if (e.type === 'call_answered' || e.type === 'call_failed' || e.type === 'call_not_placed')
        inFlight.delete(e.callId);
      if (e.type === 'agent_busy' || e.type === 'agent_wrapup') busy.add(e.agentId);
      for (let i = open.length - 1; i >= 0; i--) {
        const p = open[i];
        if (e.tMs > p.atMs + p.lastMs + graceMs) {
          done.push(...open.splice(i, 1));
          continue;
        }
        if (e.type === 'call_answered' && e.detected === 'human' && p.calls.has(e.callId))
          p.points.forEach((q) => (q.answers += e.tMs <= p.atMs + q.delayMs ? 1 : 0));
        if (e.type === 'agent_ready' && p.busy.delete(e.agentId))
          p.points.forEach((q) => (q.releases += e.tMs <= p.atMs + q.delayMs + graceMs ? 1 : 0));
      }
      if (e.type === 'agent_ready' || e.type === 'agent_logout') busy.delete(e.agentId);
    },
    onDecision(d) {
      const points = d.estimates.outlook;
      if (d.atMs < nextMs || points.length === 0) return;
      nextMs = d.atMs + 10_000;
      open.push({
        atMs: d.atMs,
        lastMs: Math.max(...points.map((q) => q.delayMs)),
        calls: new Set(inFlight),
        busy: new Set(busy),
        points: points.map((q) => ({ ...q, answers: 0, releases: 0 })),
      });
    },
    report() {
      if (done.length === 0) return console.log('means: no examined decisions');
      console.log(`means over ${done.length} decisions, 10 s apart (live answers from calls in flight; agents back):`);
      console.log('quantile  delay s  answers expected  came  ratio | releases expected  came  ratio');
      const quantiles = ['10 %', '30 %', '50 %', '70 %', '90 %'];
      done[0].points.forEach((_, i) => {
        const mean = (f) => done.reduce((x, p) => x + f(p.points[i]), 0) / done.length;
        const [delay, ea, ca, er, cr] = [
          mean((q) => q.delayMs / 1000),
          mean((q) => q.liveAnswersFromCallsInFlight),
          mean((q) => q.answers),
          mean((q) => q.agentReleases),
          mean((q) => q.releases),
        ];
        console.log(
          `${(quantiles[i] ?? String(i)).padStart(8)} ${delay.toFixed(1).padStart(8)} ${ea.toFixed(2).padStart(17)} ${ca.toFixed(2).padStart(5)} ` +
            `${(ca > 0 ? ea / ca : NaN).toFixed(2).padStart(6)} | ${er.toFixed(2).padStart(17)} ${cr.toFixed(2).padStart(5)} ${(cr > 0 ? er / cr : NaN).toFixed(2).padStart(6)}`,
        );
      });
    },
  };
}
