import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planDials, type DialPlanInput } from '../../src/domain/dial-plan.js';

const base: DialPlanInput = {
  mode: { mode: 'progressive', ratio: 1.5 },
  agentsReady: 4,
  inFlight: 0,
  unbridged: 0,
  channelsFree: 100,
  cpsBudget: 100,
  leadsAvailable: 1_000,
  abandon: 'continue',
};

test('dial-plan: each mode asks for its own count', () => {
  const rows: Array<[string, Partial<DialPlanInput>, number]> = [
    ['preview: one offer per ready agent', { mode: { mode: 'preview', offerTimeoutMs: 30_000 } }, 4],
    ['preview: no ready agent, nothing', { mode: { mode: 'preview', offerTimeoutMs: 30_000 }, agentsReady: 0 }, 0],
    ['progressive: ratio × ready', {}, 6],
    ['progressive: minus calls not yet with an agent', { inFlight: 5, unbridged: 2 }, 4],
    ['progressive: never negative', { unbridged: 10 }, 0],
    ['progressive: rounds down', { mode: { mode: 'progressive', ratio: 1.2 }, agentsReady: 3 }, 3],
    [
      'predictive: the pacer decides',
      { mode: { mode: 'predictive', targetAbandonRate: 0.03, maxDialRatio: 3 }, pacerLaunch: 7 },
      7,
    ],
    ['predictive: no decision, nothing', { mode: { mode: 'predictive', targetAbandonRate: 0.03, maxDialRatio: 3 } }, 0],
    [
      'agentless: concurrency left',
      {
        mode: { mode: 'agentless', maxConcurrentCalls: 10, callsPerSecond: 50, prompt: 'p', digitTimeoutMs: 5_000 },
        inFlight: 7,
        agentsReady: 0,
      },
      3,
    ],
    [
      'agentless: the campaign CPS',
      {
        mode: { mode: 'agentless', maxConcurrentCalls: 10, callsPerSecond: 2, prompt: 'p', digitTimeoutMs: 5_000 },
        agentsReady: 0,
      },
      2,
    ],
  ];
  for (const [name, patch, launch] of rows) assert.equal(planDials({ ...base, ...patch }).launch, launch, name);
});

test('dial-plan: channels, CPS and leads cap every mode, and say so', () => {
  assert.deepEqual(planDials({ ...base, channelsFree: 2 }), { launch: 2, limitedBy: 'channels' });
  assert.deepEqual(planDials({ ...base, cpsBudget: 1 }), { launch: 1, limitedBy: 'cps' });
  assert.deepEqual(planDials({ ...base, leadsAvailable: 3 }), { launch: 3, limitedBy: 'leads' });
  assert.deepEqual(planDials({ ...base, channelsFree: -3 }), { launch: 0, limitedBy: 'channels' });
  assert.deepEqual(planDials(base), { launch: 6, limitedBy: 'mode' });
});

test('dial-plan: compliance SLOW_DOWN halves the launches, STOP launches nothing', () => {
  assert.deepEqual(planDials({ ...base, abandon: 'slow_down' }), { launch: 3, limitedBy: 'abandon_slow_down' });
  assert.equal(planDials({ ...base, abandon: 'slow_down', agentsReady: 1 }).launch, 0);
  assert.deepEqual(planDials({ ...base, abandon: 'stop' }), { launch: 0, limitedBy: 'abandon_stop' });
  const agentless = {
    ...base,
    mode: { mode: 'agentless', maxConcurrentCalls: 10, callsPerSecond: 10, prompt: 'p', digitTimeoutMs: 5_000 },
  } as const;
  assert.equal(planDials({ ...agentless, abandon: 'stop' }).launch, 0);
  assert.equal(planDials({ ...agentless, abandon: 'slow_down' }).launch, 5);
});
