// Compares two saved runs of the generated family (generated.mjs --save), workload by workload: the
// runs each one held, the runs only one of them broke (worst hour; "progressive breaks it too" where
// the saved baselines say so), the mean occupancy difference, and the workloads whose occupancy moved
// most. This is how a pacer change is judged against the one before it on the same generator seed.
// Either may be a subset (--only): the workloads in both are compared.
// usage: node compare-runs.mjs <before.json> <after.json> [--top 10]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '10' } },
});
if (positionals.length !== 2) throw new Error('usage: compare-runs.mjs <before.json> <after.json> [--top N]');
const [before, after] = positionals.map((file) => JSON.parse(readFileSync(file, 'utf8')));
const top = Number(args.top);
if (!Number.isInteger(top) || top < 1) throw new Error(`--top must be a positive integer, got ${args.top}`);

const byName = new Map(after.perWorkload.map((w) => [w.name, w]));
// Workloads in both (one may be a subset, generated.mjs --only); none in common is a mistake.
const common = before.perWorkload.filter((w) => byName.has(w.name));
if (common.length === 0) throw new Error('no workload in both runs (another generator seed?)');

const mean = (xs) => xs.reduce((s, x) => s + x, 0) / xs.length;
const occupancy = (w) => mean(w.runs.map((r) => r.occupancy));
const pct = (x) => `${(100 * x).toFixed(2)}%`;
const progressiveBreaks = (w, seed) => w.baselines?.progressive?.[seed]?.targetMet === false;

let metBefore = 0;
let metAfter = 0;
const onlyBefore = [];
const onlyAfter = [];
const moved = [];
for (const b of common) {
  const a = byName.get(b.name);
  if (a.runs.length !== b.runs.length)
    throw new Error(
      `${b.name}: ${b.runs.length} seeds before, ${a.runs.length} after (run both with the same --seeds)`,
    );
  b.runs.forEach((rb, seed) => {
    const ra = a.runs[seed];
    if (rb.targetMet) metBefore++;
    if (ra.targetMet) metAfter++;
    const note = progressiveBreaks(b, seed) ? ' (progressive breaks it too)' : '';
    if (!rb.targetMet && ra.targetMet)
      onlyBefore.push(`${b.name} seed ${seed + 1}: ${pct(rb.worstWindowAbandonRate)}${note}`);
    if (rb.targetMet && !ra.targetMet)
      onlyAfter.push(`${b.name} seed ${seed + 1}: ${pct(ra.worstWindowAbandonRate)}${note}`);
  });
  moved.push({ name: b.name, before: occupancy(b), after: occupancy(a), description: b.description ?? '' });
}
const runs = common.reduce((n, w) => n + w.runs.length, 0);
const diff = mean(moved.map((m) => m.after - m.before));

console.log(`${common.length} workloads in both; runs with every hour held: ${metBefore} -> ${metAfter} of ${runs}`);
console.log(`mean occupancy: ${diff >= 0 ? '+' : ''}${(100 * diff).toFixed(2)} points`);
console.log(`broken only before (${onlyBefore.length}):`);
for (const line of onlyBefore) console.log(`  ${line}`);
console.log(`broken only after (${onlyAfter.length}):`);
for (const line of onlyAfter) console.log(`  ${line}`);
moved.sort((x, y) => x.after - x.before - (y.after - y.before));
const row = (m) =>
  `  ${m.name}  ${(100 * m.before).toFixed(1)} -> ${(100 * m.after).toFixed(1)} %  ${m.description.slice(0, 90)}`;
console.log(`occupancy lost most:`);
for (const m of moved.slice(0, top).filter((m) => m.after < m.before)) console.log(row(m));
console.log(`occupancy gained most:`);
const gained = moved.slice(-top).reverse();
for (const m of gained.filter((m) => m.after > m.before)) console.log(row(m));
console.log(JSON.stringify({ runs, metBefore, metAfter, meanOccupancyDiffPts: Math.round(10000 * diff) / 100 }));
