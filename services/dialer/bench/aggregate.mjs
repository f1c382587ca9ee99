// Reads pacing-bench `compare.mjs --json` output on stdin, prints one table per workload and ends
// with exactly one line: a JSON summary of our pacer against the bar (every seed within the abandon
// target overall and in every rolling hour; occupancy >= erlang - 2 points and >= every vicidial-*).
// With --generated <file> (the output of generated.mjs, whose last line is its JSON summary) the
// generated-family figures (generatedWorkloads, generatedMetEveryHourPct, generatedWorstHourPct,
// generatedMeanOccVsErlangPts, ...) are added to that line.
// usage: node compare.mjs ... --json | node aggregate.mjs --ours <pacer label> [--generated <file>]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({ options: { ours: { type: 'string' }, generated: { type: 'string' } } });
if (!args.ours) throw new Error('usage: aggregate.mjs --ours <pacer label as compare.mjs prints it>');

let input = '';
for await (const chunk of process.stdin) input += chunk;
const report = JSON.parse(input);

const pct = (x, digits = 1) => (Number.isFinite(x) ? `${(100 * x).toFixed(digits)}%` : '-');
const pts = (x) => Math.round(x * 1000) / 10; // share -> points, one decimal
const label = (p) => (p === args.ours ? 'ours' : p);

function printTable(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padStart(widths[i])).join('  ');
  console.log(line(headers));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

const perWorkload = {};
for (const { workload, oracle, rows } of report.results) {
  const ours = rows.find((r) => r.pacer === args.ours)?.mean;
  const erlang = rows.find((r) => r.pacer === 'erlang')?.mean;
  const vicidial = rows.filter((r) => r.pacer.startsWith('vicidial-')).map((r) => r.mean.occupancy);
  if (!ours || !erlang) throw new Error(`${workload}: results for ours and erlang are required`);
  console.log(
    `\n### ${workload}` + (oracle ? `  (hindsight-best fixed ratio occupancy ${pct(oracle.occupancy)})` : ''),
  );
  printTable(
    ['pacer', 'occ', 'aband all', 'worst 60m', 'met', '% of best'],
    rows.map(({ pacer, mean: m }) => [
      label(pacer),
      pct(m.occupancy),
      pct(m.abandonRate, 2),
      pct(m.worstWindowAbandonRate, 2),
      `${Math.round(100 * m.targetMet)}%`,
      Number.isFinite(m.pctOfOracle) ? `${m.pctOfOracle.toFixed(1)}%` : '-',
    ]),
  );
  const vsErlang = pts(ours.occupancy - erlang.occupancy);
  const vsVicidial = vicidial.length ? pts(ours.occupancy - Math.max(...vicidial)) : null;
  perWorkload[workload] = {
    occupancy: pts(ours.occupancy),
    abandonRatePct: Math.round(ours.abandonRate * 1e4) / 100,
    worstHourAbandonRatePct: Math.round(ours.worstWindowAbandonRate * 1e4) / 100,
    seedsMetEveryHour: Math.round(ours.targetMet * 1000) / 1000,
    pctOfHindsightBest: Number.isFinite(ours.pctOfOracle) ? Math.round(ours.pctOfOracle * 10) / 10 : null,
    occupancyVsErlangPts: vsErlang,
    occupancyVsBestVicidialPts: vsVicidial,
    barMet: ours.targetMet === 1 && vsErlang >= -2 && (vsVicidial === null || vsVicidial >= 0),
  };
}

const figures = Object.values(perWorkload);
const best = figures.map((f) => f.pctOfHindsightBest).filter((x) => x !== null);
const vicidialGaps = figures.map((f) => f.occupancyVsBestVicidialPts).filter((x) => x !== null);
const summary = {
  pacer: args.ours,
  seeds: report.seeds,
  target: report.target,
  workloads: figures.length,
  workloadsMetEveryHour: figures.filter((f) => f.seedsMetEveryHour === 1).length,
  meanPctOfHindsightBest: best.length ? Math.round((best.reduce((a, b) => a + b, 0) / best.length) * 10) / 10 : null,
  minOccupancyVsErlangPts: Math.min(...figures.map((f) => f.occupancyVsErlangPts)),
  minOccupancyVsBestVicidialPts: vicidialGaps.length ? Math.min(...vicidialGaps) : null,
  workloadsMeetingBar: figures.filter((f) => f.barMet).length,
};
if (args.generated) {
  const lines = readFileSync(args.generated, 'utf8').trim().split('\n');
  Object.assign(summary, JSON.parse(lines[lines.length - 1] ?? '{}'));
}
summary.perWorkload = perWorkload;
console.log('');
console.log(JSON.stringify(summary));
