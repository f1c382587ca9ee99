import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runChaos } from './support/chaos.js';

// The chaos suite, briefly (scripts/chaos runs every fault on a longer campaign): the dialer owner
// killed with its first originates waiting on a frozen media, then killed again, Redis flushed,
// the ESL connection cut, during one predictive campaign. Afterwards nothing
// is lost, missing, doubled or refused, and the campaign dialed again after each fault.

test('chaos, briefly: owner killed (also mid-dial), Redis flushed, ESL cut; nothing lost, missing, doubled or refused', async (t) => {
  const report = await runChaos({
    faults: ['dialer-owner-mid-dial', 'dialer-owner', 'redis', 'esl'],
    leads: 60,
    agents: 4,
    gapMs: 2_000,
    recoverWithinMs: 20_000,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  for (const r of report.faults)
    t.diagnostic(`${r.fault}: ${r.recoveredAfterMs === null ? 'not recovered' : `${r.recoveredAfterMs} ms`}`);
  t.diagnostic(JSON.stringify(report.figures));
  const f = report.figures;
  assert.equal(f.faults, 4);
  assert.notEqual(f.recoveredWithinSec, null, 'the campaign dialed again after every fault');
  assert.equal(f.leadsLost, 0);
  assert.equal(f.attemptsMissing, 0);
  assert.equal(f.dialedTwiceAtOnce, 0);
  assert.equal(f.refusedDialsPlaced, 0);
  assert.equal(report.summary['attemptsLeftOpen'], 0);
});
