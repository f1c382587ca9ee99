// scripts/chaos: every fault in turn on a longer campaign; a table, then one JSON line.

import { FAULTS, runChaos } from './chaos.js';

const report = await runChaos({
  faults: FAULTS,
  leads: Number(process.env['CHAOS_LEADS'] ?? 200),
  agents: Number(process.env['CHAOS_AGENTS'] ?? 6),
  gapMs: Number(process.env['CHAOS_GAP_MS'] ?? 3_000),
  recoverWithinMs: 30_000,
  log: (line) => process.stderr.write(`${line}\n`),
});
const rows = report.faults.map(
  (r) =>
    `${r.fault.padEnd(14)} ${r.recoveredAfterMs === null ? 'not recovered' : `${(r.recoveredAfterMs / 1000).toFixed(1)} s`}`,
);
process.stdout.write(`${'fault'.padEnd(14)} dialing again after\n${rows.join('\n')}\n`);
const s = report.summary;
process.stdout.write(
  `campaign: ${String(s['dialed'])} dialed, ${String(s['attempts'])} attempts, ${String(s['groundTruthCalls'])} calls in switch-sim's ground truth, ` +
    `abandon rate ${(100 * report.figures.abandonRate).toFixed(2)} %\n`,
);
process.stdout.write(`${JSON.stringify(report.figures)}\n`);
const f = report.figures;
const healthy =
  f.recoveredWithinSec !== null &&
  f.leadsLost === 0 &&
  f.attemptsMissing === 0 &&
  f.dialedTwiceAtOnce === 0 &&
  f.refusedDialsPlaced === 0;
process.exit(healthy ? 0 : 1);
