// A hindsight reference for what holding the law costs on the generated workloads: per workload and
// seed, the fixed dial ratio (VICIdial RATIO, pacing-bench's fixed-ratio baseline) with the highest
// occupancy among those whose every rolling hour stays within the target, found by running the very
// same calls at many ratios. No pacer can know that ratio in advance, and a pacer that varies its
// ratio can beat it, so it is a yardstick, not a bound. With a results file saved by generated.mjs
// (--results), our pacer's and Erlang's occupancy are set against it.
//
//   node lawful-reference.mjs --bench <pacing-bench dir> [--gen-seed 1] [--count 100] [--seeds 3]
//        [--jobs 2] [--results <generated.mjs --save file>] [--save reference.json]
//
// Ratios from 1 up in steps of 0.05 until two in a row break an hour (or 6, the dialer's cap), then
// steps of 0.01 around the best. A run where even ratio 1 breaks an hour has no reference.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateWorkloads } from './generate-workloads.mjs';

const MAX_RATIO = 6;

if (!isMainThread) {
  const { bench, target } = workerData;
  const { loadPacer, runScenario } = await import(pathToFileURL(join(bench, 'bench.mjs')).href);
  const base = await loadPacer('fixed-ratio');
  parentPort.on('message', (job) => {
    if (job === null) return process.exit(0);
    const seen = new Map();
    const run = (ratio) => {
      const r = Math.round(ratio * 100) / 100;
      if (!seen.has(r)) {
        const m = runScenario(job.workload, { ...base, options: { ratio: r } }, job.seed, { target, tickMs: 100 });
        seen.set(r, { ratio: r, occupancy: m.occupancy, worstHour: m.worstWindowAbandonRate, met: m.targetMet });
      }
      return seen.get(r);
    };
    let best = null;
    const consider = (ratio) => {
      const m = run(ratio);
      if (m.met && (!best || m.occupancy > best.occupancy)) best = m;
      return m.met;
    };
    let misses = 0;
    for (let r = 1; r <= MAX_RATIO + 1e-9 && misses < 2; r += 0.05) misses = consider(r) ? 0 : misses + 1;
    if (best) {
      const around = best.ratio;
      for (let r = Math.max(1, around - 0.04); r <= Math.min(MAX_RATIO, around + 0.04) + 1e-9; r += 0.01) consider(r);
    }
    parentPort.postMessage({ id: job.id, best, runs: seen.size });
  });
} else await main();

async function main() {
  const { values: a } = parseArgs({
    options: {
      bench: { type: 'string' },
      'gen-seed': { type: 'string', default: '1' },
      count: { type: 'string', default: '100' },
      seeds: { type: 'string', default: '3' },
      jobs: { type: 'string', default: String(Math.min(2, availableParallelism())) },
      results: { type: 'string' },
      save: { type: 'string' },
      target: { type: 'string', default: '0.03' },
    },
  });
  if (!a.bench) throw new Error('usage: lawful-reference.mjs --bench <pacing-bench dir> [--results file]');
  const bench = resolve(a.bench);
  const target = Number(a.target);
  const genSeed = Number(a['gen-seed']);
  const seeds = Array.from({ length: Number(a.seeds) }, (_, i) => i + 1);
  const workloads = generateWorkloads({ seed: genSeed, count: Number(a.count) });
  const jobs = workloads.flatMap((w, wi) => seeds.map((seed, si) => ({ wi, si, seed, workload: w })));
  const found = new Array(jobs.length);
  const t0 = performance.now();
  const order = jobs.map((j, id) => ({ ...j, id }));
  await Promise.all(
    Array.from({ length: Math.max(1, Number(a.jobs)) }, () => {
      const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { bench, target } });
      return new Promise((ok, fail) => {
        const next = () => {
          const job = order.shift();
          worker.postMessage(job ? { id: job.id, workload: job.workload, seed: job.seed } : null);
        };
        worker.on('message', ({ id, best, runs }) => {
          found[id] = { best, runs };
          next();
        });
        worker.on('error', fail);
        worker.on('exit', ok);
        next();
      });
    }),
  );

  const results = a.results ? JSON.parse(readFileSync(a.results, 'utf8')) : null;
  const byName = new Map((results?.perWorkload ?? []).map((p) => [p.name, p]));
  const rows = jobs.map((j, id) => {
    const rec = byName.get(workloads[j.wi].name);
    return {
      name: workloads[j.wi].name,
      seed: j.seed,
      reference: found[id].best,
      ours: rec?.runs?.[j.si],
      erlang: rec?.baselines?.erlang?.[j.si],
    };
  });
  const mean = (xs) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : NaN);
  const pts = (x) => (Number.isFinite(x) ? Math.round(100 * x * 100) / 100 : null);
  const held = rows.filter((r) => r.reference);
  const compared = held.filter((r) => r.ours && r.erlang);
  const erlangHeld = compared.filter((r) => r.erlang.targetMet);
  const erlangBroke = compared.filter((r) => !r.erlang.targetMet);
  const gap = (rs, f) => mean(rs.map(f));
  const table = [
    ['runs', 'n', 'reference', 'ours − ref', 'erlang − ref'],
    ...[
      ['all with a reference', compared],
      ['Erlang holds every hour', erlangHeld],
      ['Erlang breaks an hour', erlangBroke],
    ].map(([label, rs]) => [
      label,
      String(rs.length),
      `${(100 * gap(rs, (r) => r.reference.occupancy)).toFixed(1)}%`,
      (100 * gap(rs, (r) => r.ours.occupancy - r.reference.occupancy)).toFixed(2),
      (100 * gap(rs, (r) => r.erlang.occupancy - r.reference.occupancy)).toFixed(2),
    ]),
  ];
  console.log(
    `\n### lawful hindsight reference (generator seed ${genSeed}, ${workloads.length} workloads × ${seeds.length} seeds)`,
  );
  if (results) {
    const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
    for (const r of table)
      console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
  }
  console.log(`runs with no fixed ratio holding every hour: ${rows.length - held.length} of ${rows.length}`);
  if (a.save) writeFileSync(a.save, JSON.stringify({ genSeed, seeds, rows }, null, 1));
  console.log(
    JSON.stringify({
      generatorSeed: genSeed,
      referenceRuns: held.length,
      referenceMeanOccupancyPct: pts(mean(held.map((r) => r.reference.occupancy))),
      oursVsReferencePts: results ? pts(gap(compared, (r) => r.ours.occupancy - r.reference.occupancy)) : null,
      erlangVsReferencePts: results ? pts(gap(compared, (r) => r.erlang.occupancy - r.reference.occupancy)) : null,
      oursVsErlangPts: results ? pts(gap(compared, (r) => r.ours.occupancy - r.erlang.occupancy)) : null,
      referenceWallSec: Math.round((performance.now() - t0) / 1000),
    }),
  );
}
