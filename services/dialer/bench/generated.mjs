// Runs our pacer, Erlang, the VICIdial baselines and progressive (the feasibility reference) over
// randomly generated workloads (generate-workloads.mjs) × seeds on pacing-bench's simulator, in
// parallel worker threads, and reports per workload whether every rolling hour stayed within the
// target, occupancy against Erlang and the worst hour. Ends with one JSON line (generated* figures).
//
//   node generated.mjs --bench <pacing-bench dir> --ours <path/to/pacer.mjs[:key=value...]>
//        [--gen-seed 1] [--count 100] [--seeds 3] [--jobs 2] [--only 3,17,42] [--ours-only]
//        [--save results.json] [--quiet] [--baselines-only | --baselines-from results.json]
//        [--baselines erlang,progressive]  (a subset, e.g. to judge a variant's holding and occupancy)
//
// The bench is used, not copied: its bench.mjs (loadPacer, runScenario) is imported from --bench.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateWorkloads } from './generate-workloads.mjs';

const ALL_BASELINES = ['progressive', 'erlang', 'vicidial-hard', 'vicidial-tapered', 'vicidial-average'];
const VICIDIAL = ['vicidial-hard', 'vicidial-tapered', 'vicidial-average'];
const KEEP = [
  'occupancy',
  'abandonRate',
  'worstWindowAbandonRate',
  'worstWindowStartMin',
  'targetMet',
  'humanAnswered',
  'abandonedQueue',
  'abandonedAmd',
  'wallMs',
];

if (!isMainThread) {
  const { bench, specs, target } = workerData;
  const { loadPacer, runScenario } = await import(pathToFileURL(join(bench, 'bench.mjs')).href);
  const pacers = new Map();
  for (const spec of specs) pacers.set(spec, await loadPacer(spec));
  parentPort.on('message', (job) => {
    if (job === null) return process.exit(0);
    const m = runScenario(job.workload, pacers.get(job.pacer), job.seed, { target, tickMs: 100 });
    const out = {};
    for (const k of KEEP) out[k] = m[k];
    parentPort.postMessage({ id: job.id, metrics: out });
  });
} else await main();

async function main() {
  const { values: a } = parseArgs({
    options: {
      bench: { type: 'string' },
      ours: { type: 'string' },
      'gen-seed': { type: 'string', default: '1' },
      count: { type: 'string', default: '100' },
      seeds: { type: 'string', default: '3' },
      jobs: { type: 'string', default: String(Math.min(2, availableParallelism())) },
      only: { type: 'string' },
      'ours-only': { type: 'boolean', default: false },
      'baselines-from': { type: 'string' },
      'baselines-only': { type: 'boolean', default: false },
      save: { type: 'string' },
      quiet: { type: 'boolean', default: false },
      baselines: { type: 'string', default: ALL_BASELINES.join(',') },
      target: { type: 'string', default: '0.03' },
    },
  });
  if (!a.bench || !a.ours) throw new Error('usage: generated.mjs --bench <pacing-bench dir> --ours <pacer.mjs>');
  const bench = resolve(a.bench);
  const [oursPath, ...oursOpts] = a.ours.split(':');
  const ours = [resolve(oursPath), ...oursOpts].join(':');
  const target = Number(a.target);
  const BASELINES = a.baselines.split(',').filter(Boolean);
  const unknown = BASELINES.filter((b) => !ALL_BASELINES.includes(b));
  if (unknown.length) throw new Error(`unknown baseline(s) ${unknown.join(', ')} (known: ${ALL_BASELINES.join(', ')})`);
  const genSeed = Number(a['gen-seed']);
  const seeds = Array.from({ length: Number(a.seeds) }, (_, i) => i + 1);
  let workloads = generateWorkloads({ seed: genSeed, count: Number(a.count) });
  if (a.only) {
    const keep = new Set(a.only.split(',').map(Number));
    workloads = workloads.filter((_, i) => keep.has(i));
  }
  // --baselines-from <file saved by --save>: reuse baseline runs of the same workloads and seeds
  // (they do not depend on our pacer), run only ours.
  const reused = a['baselines-from'] ? JSON.parse(readFileSync(a['baselines-from'], 'utf8')) : null;
  const specs = a['baselines-only'] ? BASELINES : a['ours-only'] || reused ? [ours] : [ours, ...BASELINES];

  // Jobs, most expensive first (our pacer's cost grows with team size and shift length).
  const jobs = [];
  for (const [wi, w] of workloads.entries())
    for (const pacer of specs)
      for (const seed of seeds)
        jobs.push({
          id: jobs.length,
          wi,
          pacer,
          seed,
          cost: (pacer === ours ? 6 : 1) * w.shiftMin * (10 + w.agents.count),
        });
  const order = jobs.slice().sort((x, y) => y.cost - x.cost);
  const results = new Array(jobs.length);
  const t0 = performance.now();
  let done = 0;
  const nJobs = Math.max(1, Number(a.jobs));
  await Promise.all(
    Array.from({ length: nJobs }, () => {
      const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { bench, specs, target } });
      return new Promise((ok, fail) => {
        const next = () => {
          const job = order.shift();
          if (!job) {
            worker.postMessage(null);
            return;
          }
          worker.postMessage({ id: job.id, workload: workloads[job.wi], pacer: job.pacer, seed: job.seed });
        };
        worker.on('message', ({ id, metrics }) => {
          results[id] = metrics;
          done++;
          if (!a.quiet && done % 50 === 0)
            process.stderr.write(`  ${done}/${jobs.length} runs, ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
          next();
        });
        worker.on('error', fail);
        worker.on('exit', ok);
        next();
      });
    }),
  );

  // Per workload: our runs, Erlang's, the best VICIdial variant's and progressive's.
  const get = (wi, pacer) => {
    if (pacer !== ours && reused) {
      const rec = reused.perWorkload.find((p) => p.name === workloads[wi].name);
      return rec?.baselines?.[pacer] ?? [];
    }
    return jobs.filter((j) => j.wi === wi && j.pacer === pacer).map((j) => results[j.id]);
  };
  const withBaselines = !a['ours-only'];
  const mean = (xs) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : NaN);
  const pct = (x, d = 1) => (Number.isFinite(x) ? `${(100 * x).toFixed(d)}%` : '-');
  const rows = [];
  const perWorkload = [];
  let runs = 0;
  let met = 0;
  let worst = 0;
  const failures = [];
  const occGaps = [];
  const baseMet = Object.fromEntries(BASELINES.map((b) => [b, 0]));
  for (const [wi, w] of workloads.entries()) {
    const o = get(wi, ours);
    runs += o.length;
    const oMet = o.filter((m) => m.targetMet).length;
    met += oMet;
    const oWorst = Math.max(...o.map((m) => m.worstWindowAbandonRate));
    worst = Math.max(worst, oWorst);
    o.forEach((m, i) => {
      if (!m.targetMet)
        failures.push(
          `${w.name} seed ${seeds[i]}: worst hour ${pct(m.worstWindowAbandonRate, 2)} at min ${m.worstWindowStartMin}` +
            ` (queue ${m.abandonedQueue}, amd ${m.abandonedAmd}, answers ${m.humanAnswered}): ${w.description}`,
        );
    });
    const rec = {
      name: w.name,
      description: w.description,
      seedsMet: oMet,
      worstHour: oWorst,
      occupancy: mean(o.map((m) => m.occupancy)),
      runs: o,
    };
    if (withBaselines) {
      rec.baselines = Object.fromEntries(BASELINES.map((b) => [b, get(wi, b)]));
      for (const b of BASELINES) baseMet[b] += get(wi, b).filter((m) => m.targetMet).length;
      const erl = mean(get(wi, 'erlang').map((m) => m.occupancy));
      const vici = Math.max(
        ...VICIDIAL.filter((b) => BASELINES.includes(b)).map((b) => mean(get(wi, b).map((m) => m.occupancy))),
      );
      rec.erlang = erl;
      rec.bestVicidial = vici;
      rec.progressive = mean(get(wi, 'progressive').map((m) => m.occupancy));
      rec.progressiveSeedsMet = get(wi, 'progressive').filter((m) => m.targetMet).length;
      rec.erlangSeedsMet = get(wi, 'erlang').filter((m) => m.targetMet).length;
      occGaps.push(rec.occupancy - erl);
    }
    perWorkload.push(rec);
    rows.push([
      w.name,
      String(w.agents.count),
      `${oMet}/${o.length}`,
      pct(oWorst, 2),
      pct(rec.occupancy),
      !withBaselines ? '' : pct(rec.erlang),
      !withBaselines ? '' : `${rec.erlangSeedsMet}/${o.length}`,
      !withBaselines ? '' : pct(rec.bestVicidial),
      !withBaselines ? '' : pct(rec.progressive),
      !withBaselines ? '' : `${rec.progressiveSeedsMet}/${o.length}`,
      w.description.replace(/^\d+ agents, /, ''),
    ]);
  }
  if (!a.quiet) {
    const headers = [
      'workload',
      'agents',
      'met',
      'worst 60m',
      'occ',
      'erlang',
      'e met',
      'best vici',
      'progr',
      'p met',
      'campaign',
    ];
    const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padStart(widths[i]))).join('  ');
    console.log(
      `\n### generated workloads (generator seed ${genSeed}, ${workloads.length} workloads × ${seeds.length} seeds)`,
    );
    console.log(line(headers));
    for (const r of rows) console.log(line(r));
    if (failures.length) {
      console.log(`\nruns with an hour over ${pct(target)}:`);
      for (const f of failures) console.log(`  ${f}`);
    }
  }
  const r2 = (x) => Math.round(x * 100) / 100;
  const summary = {
    generatorSeed: genSeed,
    generatedWorkloads: workloads.length,
    generatedRuns: runs,
    generatedMetEveryHourPct: r2((100 * met) / runs),
    generatedWorstHourPct: r2(100 * worst),
    generatedMeanOccVsErlangPts: occGaps.length ? r2(100 * mean(occGaps)) : null,
    generatedMeanOccupancyPct: r2(100 * mean(perWorkload.map((p) => p.occupancy))),
    generatedBaselinesMetEveryHourPct: !withBaselines
      ? null
      : Object.fromEntries(BASELINES.map((b) => [b, r2((100 * baseMet[b]) / runs)])),
    generatedWallSec: Math.round((performance.now() - t0) / 1000),
  };
  if (a.save) writeFileSync(a.save, JSON.stringify({ summary, seeds, perWorkload }, null, 1));
  console.log(JSON.stringify(summary));
}
