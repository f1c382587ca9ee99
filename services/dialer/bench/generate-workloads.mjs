// Seeded generator of random pacing-bench workloads: campaigns drawn from the whole space the bench's
// workload format allows (see pacing-bench README "Workload schema" and workload.mjs), not only the
// corners the public workloads sit in. Same seed, same list, on any machine.
//
//   node generate-workloads.mjs --seed 1 --count 100 --out /tmp/generated   (one JSON file each)
//   import { generateWorkloads } from './generate-workloads.mjs'            (array of workloads)
//
// What is drawn, per workload (independently unless noted):
// - team: 2..150 agents (log-uniform, three size bands), logins at once or spread over up to 30 min,
//   and with some probability a staffing schedule (lunch dips, a team leaving, late joiners);
// - shift: 2..8 h;
// - outcome mix: live 4..45 %, machine 0..50 %, busy/invalid/network, the rest no-answer; sometimes
//   schedule entries that move the live rate, ring or talk times mid-shift;
// - ring time: lognormal, exponential or uniform, mean 3 s up to 95 % of the ring timeout (15..40 s),
//   so long rings near the timeout (many calls in flight per agent) are well represented;
// - talk and wrap-up: lognormal (cv 0.2..2.5), exponential, uniform or fixed; talk mean 20..600 s;
// - answer-rate modulation: repeated low/high bursts of 1..40 minutes (multipliers 0.2..1 and 1..2.5);
// - AMD: off or on, machine accuracy 50..99 %, human false-positive rate 0..2 %, detection 0.5..5 s;
// - channels and CPS: unbounded, or caps from below the team size up to several calls per agent.
//
// One constraint keeps the family meaningful: AMD false positives are abandons no pacer can avoid, so
// a campaign whose false positives alone would break the hourly 3 % in more than about 1 hour in 1000
// (judged at a third of the live answers per hour its smallest team, its CPS cap and its channels allow at
// its lowest live rate) is redrawn with a lower rate. Everything else is kept, even when it makes
// predictive dialing pointless or the law hard to hold for any pacer (a team of 2, caps below the
// team size, half the team leaving at once while calls ring for it); the bench reports progressive
// dialing beside ours as the reference of what is feasible.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';

/** mulberry32 seeded with a mixed (seed, index): a small, portable generator. */
function rngFor(seed, index) {
  let a = (Math.imul(seed ^ 0x5bd1e995, 0x27d4eb2d) + Math.imul(index + 1, 0x165667b1)) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const round = (x, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

function drawer(r) {
  const uni = (lo, hi) => lo + (hi - lo) * r();
  const logUni = (lo, hi) => Math.exp(uni(Math.log(lo), Math.log(hi)));
  const int = (lo, hi) => lo + Math.floor(r() * (hi - lo + 1));
  const chance = (p) => r() < p;
  const pick = (xs) => xs[Math.floor(r() * xs.length)];
  /** A duration distribution with the given mean (seconds), of a random shape. */
  const duration = (mean, { cvLo = 0.2, cvHi = 1.5, allowFixed = true } = {}) => {
    const shape = r();
    if (shape < 0.55) return { dist: 'lognormal', mean: round(mean, 1), cv: round(uni(cvLo, cvHi)) };
    if (shape < 0.75) return { dist: 'exponential', mean: round(mean, 1) };
    if (shape < 0.92 || !allowFixed) {
      const half = mean * uni(0.2, 0.95);
      return { dist: 'uniform', min: round(mean - half, 1), max: round(mean + half, 1) };
    }
    return { dist: 'fixed', value: round(mean, 1) };
  };
  return { uni, logUni, int, chance, pick, duration };
}

/** Live answers per hour a campaign can surely reach: a third of the least of what its smallest team
 *  can take, what its CPS cap can dial and what its channels can hold, at its lowest live rate. */
function cautiousAnswersPerHour(w, { agents, talkMean, wrapMean, ringMean, human, machine }) {
  const team = Math.min(agents, ...w.agents.schedule.map((s) => s.count));
  const lowHuman =
    human *
    Math.min(1, w.answerModulation?.lowMult ?? 1, ...w.schedule.map((e) => (e.outcomes?.human ?? human) / human));
  const byAgents = (team * 3600) / Math.max(5, talkMean + wrapMean);
  const byCps = w.channels.maxCps * 3600 * lowHuman;
  // Channel-seconds per dial: rings (no-answers ring out), live talk, machines to AMD or agents.
  const perDial = ringMean + lowHuman * talkMean + machine * 5 + (1 - lowHuman - machine) * 0.5 * w.maxRingSec;
  const byChannels = (w.channels.capacity * 3600 * lowHuman) / Math.max(1, perDial);
  return Math.min(byAgents, byCps, byChannels) / 3;
}

/** P(Poisson(mean) > limit), the chance an hour breaks on false positives alone. */
function poissonTail(mean, limit) {
  let term = Math.exp(-mean);
  let cdf = term;
  for (let k = 1; k <= Math.floor(limit); k++) {
    term *= mean / k;
    cdf += term;
  }
  return Math.max(0, 1 - cdf);
}

export function generateWorkload(seed, index) {
  const r = rngFor(seed, index);
  const { uni, logUni, int, chance, pick, duration } = drawer(r);
  const band = r();
  const agents = band < 0.35 ? int(2, 10) : band < 0.8 ? int(10, 40) : int(40, 150);
  const shiftMin = pick([120, 180, 240, 300, 360, 480]);
  const talkMean = logUni(20, 600);
  const wrapMean = chance(0.15) ? uni(0, 3) : logUni(3, 90);
  const maxRingSec = int(15, 40);
  // Ring time: mostly short, a third of campaigns with long rings close to the timeout.
  const ringMean = chance(0.35) ? uni(0.5, 0.95) * maxRingSec : uni(3, Math.min(15, 0.6 * maxRingSec));
  const ringSec = duration(ringMean, { cvLo: 0.1, cvHi: 0.9, allowFixed: false });

  let human = uni(0.04, 0.45);
  let machine = chance(0.2) ? uni(0, 0.05) : uni(0.05, 0.5);
  let busy = uni(0, 0.12);
  let invalid = uni(0, 0.12);
  let network = uni(0, 0.05);
  const total = human + machine + busy + invalid + network;
  if (total > 0.97) {
    const k = 0.97 / total;
    [human, machine, busy, invalid, network] = [human, machine, busy, invalid, network].map((x) => x * k);
  }
  const outcomes = {
    human: round(human, 3),
    machine: round(machine, 3),
    busy: round(busy, 3),
    invalid: round(invalid, 3),
    network: round(network, 3),
  };

  const w = {
    name: `gen-s${seed}-${String(index).padStart(3, '0')}`,
    description: '',
    shiftMin,
    agents: {
      count: agents,
      wrapSec: wrapMean < 3 ? { dist: 'fixed', value: round(wrapMean, 1) } : duration(wrapMean, { cvHi: 1 }),
      loginSpreadMin: chance(0.3) ? int(1, 30) : 0,
      schedule: [],
    },
    outcomes,
    ringSec,
    maxRingSec,
    failSec: { busy: round(uni(1, 10), 1), invalid: round(uni(0.5, 5), 1), network: round(uni(0.3, 3), 1) },
    talkSec: duration(talkMean, { cvHi: 2.5 }),
    machineHandleSec: round(uni(3, 20), 1),
    amd: { enabled: false },
    abandonAfterSec: 2,
    channels: { capacity: 1e9, maxCps: 1e9 },
    schedule: [],
  };

  // Staffing changes: lunch dips, part of the team leaving, late joiners.
  if (chance(0.35)) {
    const n = int(1, 3);
    let at = 0;
    for (let i = 0; i < n; i++) {
      at += int(20, Math.max(21, Math.floor(shiftMin / (n + 1))));
      if (at >= shiftMin - 10) break;
      w.agents.schedule.push({ atMin: at, count: Math.max(1, Math.round(agents * uni(0.3, 1.4))) });
    }
  }

  // Mid-shift changes of the call mix (a list segment with other answer rates, other talk times).
  if (chance(0.3)) {
    const n = int(1, 2);
    let at = 0;
    for (let i = 0; i < n; i++) {
      at += int(30, Math.max(31, Math.floor(shiftMin / (n + 1))));
      if (at >= shiftMin - 10) break;
      const e = { atMin: at };
      const what = r();
      // The other outcomes stay; the live share may take at most what no-answer leaves.
      const room = 1 - (outcomes.machine + outcomes.busy + outcomes.invalid + outcomes.network) - 0.005;
      if (what < 0.5) e.outcomes = { human: round(Math.min(0.6, room, human * uni(0.25, 1.8)), 3) };
      else if (what < 0.75) e.talkSec = duration(talkMean * uni(0.5, 2), { cvHi: 2 });
      else e.ringSec = duration(Math.min(0.9 * maxRingSec, ringMean * uni(0.5, 2)), { cvHi: 0.8, allowFixed: false });
      w.schedule.push(e);
    }
  }

  // Answer rate swinging up and down in bursts, again and again through the shift.
  if (chance(0.5)) {
    w.answerModulation = {
      lowMult: round(uni(0.2, 1)),
      highMult: round(uni(1, 2.5)),
      meanLowMin: round(logUni(1, 40), 1),
      meanHighMin: round(logUni(1, 30), 1),
    };
  }

  // Trunk and CPS caps: none, generous, or binding (even below the team size).
  const capRoll = r();
  if (capRoll < 0.35) w.channels.capacity = Math.max(2, Math.round(agents * uni(0.8, 2.5)));
  else if (capRoll < 0.6) w.channels.capacity = Math.round(agents * uni(3, 10)) + 5;
  const cpsRoll = r();
  if (cpsRoll < 0.25) w.channels.maxCps = Math.max(1, Math.round(agents * uni(0.03, 0.3)));
  else if (cpsRoll < 0.5) w.channels.maxCps = Math.round(agents * uni(0.3, 2)) + 2;

  if (chance(0.5)) {
    let fp = chance(0.2) ? 0 : uni(0, 0.02);
    // Redraw downwards while false positives alone would break an hour too often (see header).
    const hourly = cautiousAnswersPerHour(w, { agents, talkMean, wrapMean, ringMean, human, machine });
    while (fp > 0 && poissonTail(fp * hourly, 0.03 * hourly) > 0.001) fp *= 0.7;
    if (fp < 0.0005) fp = 0;
    w.amd = {
      enabled: true,
      machineAccuracy: round(uni(0.5, 0.99), 3),
      humanAccuracy: round(1 - fp, 4),
      detectSec: round(uni(0.5, 5), 1),
    };
  }

  w.description =
    `${agents} agents, ${shiftMin} min, live ${Math.round(outcomes.human * 100)} %, ` +
    `ring ${Math.round(ringMean)}/${maxRingSec} s, talk ${Math.round(talkMean)} s, wrap ${Math.round(wrapMean)} s` +
    (w.answerModulation ? ', bursts' : '') +
    (w.agents.schedule.length ? ', staffing changes' : '') +
    (w.schedule.length ? ', mix changes' : '') +
    (w.amd.enabled ? `, AMD fp ${round((1 - w.amd.humanAccuracy) * 100)} %` : '') +
    (w.channels.capacity < 1e9 ? `, ${w.channels.capacity} channels` : '') +
    (w.channels.maxCps < 1e9 ? `, ${w.channels.maxCps} cps` : '');
  return w;
}

/** `count` workloads for generator seed `seed`; workload i depends only on (seed, i). */
export function generateWorkloads({ seed = 1, count = 100 } = {}) {
  return Array.from({ length: count }, (_, i) => generateWorkload(seed, i));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values: a } = parseArgs({
    options: {
      seed: { type: 'string', default: '1' },
      count: { type: 'string', default: '100' },
      out: { type: 'string' },
    },
  });
  const list = generateWorkloads({ seed: Number(a.seed), count: Number(a.count) });
  if (a.out) {
    mkdirSync(a.out, { recursive: true });
    for (const w of list) writeFileSync(join(a.out, `${w.name}.json`), JSON.stringify(w, null, 1) + '\n');
    console.error(`wrote ${list.length} workloads to ${a.out}`);
  } else console.log(JSON.stringify(list, null, 1));
}
