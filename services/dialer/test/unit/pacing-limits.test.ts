// Property: whatever events and snapshots it is fed, the pacer never asks for more calls than the
// channel capacity, the calls-per-second cap (counting its own launches in the last second) and the
// dial ratio allow, and always answers a non-negative integer. Seeded, so failures reproduce.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createPacer, type PacerEvent, type PacingSnapshot } from '../../src/domain/pacing/index.js';
import { seededRandom } from '@outbound/testkit';

const CASES = 3000;
const TICKS = 40;

function runCase(seed: number): void {
  const r = seededRandom(seed);
  const int = (lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const channelCapacity = int(1, 80);
  const maxCps = int(1, 30);
  const maxDialRatio = 1 + r() * 5;
  const pacer = createPacer({
    channelCapacity: r() < 0.5 ? channelCapacity : Number.POSITIVE_INFINITY,
    maxCps: r() < 0.5 ? maxCps : Number.POSITIVE_INFINITY,
    maxDialRatio,
    minResolvedCalls: int(0, 20),
    minLiveAnswers: int(1, 5),
    minAgentReleases: int(1, 5),
    amd: r() < 0.3 ? { enabled: true, detectMs: 3000, humanFalsePositiveRate: 0.01 } : { enabled: false },
  });
  let now = int(0, 10_000_000);
  let nextCall = 0;
  const live: number[] = [];
  const launchTimes: number[] = [];
  const agents = int(0, 40);
  // A warm history: calls of every outcome and agents cycling, so predictive paths are reached.
  const history = int(0, 400);
  for (let i = 0; i < history; i++) {
    now += int(0, 3000);
    const id = nextCall++;
    const agentId = int(0, Math.max(0, agents - 1));
    const events: PacerEvent[] = [{ type: 'call_originated', tMs: now, callId: id }];
    const ring = int(0, 30_000);
    const outcome = r();
    if (outcome < 0.3) {
      events.push(
        { type: 'call_answered', tMs: now + ring, callId: id, detected: 'human', answeredAtMs: now + ring },
        r() < 0.1
          ? { type: 'call_abandoned', tMs: now + ring + 2000, callId: id, waitedMs: 2000 }
          : { type: 'call_connected_to_agent', tMs: now + ring, callId: id, agentId, waitedMs: int(0, 2000) },
      );
      if (r() < 0.5) {
        events.push({ type: 'agent_busy', tMs: now + ring, agentId, callId: id });
        events.push({ type: 'agent_wrapup', tMs: now + ring + int(0, 600_000), agentId });
        events.push(
          r() < 0.1
            ? { type: 'agent_logout', tMs: now + ring, agentId }
            : { type: 'agent_ready', tMs: now + ring, agentId, login: false },
        );
      }
      events.push({
        type: 'call_ended',
        tMs: now + ring,
        callId: id,
        reason: 'completed',
        agentId,
        disposition: pick(['human', 'machine'] as const),
      });
    } else if (outcome < 0.5) {
      events.push({
        type: 'call_answered',
        tMs: now + ring,
        callId: id,
        detected: 'machine',
        answeredAtMs: now + ring,
      });
      events.push({ type: 'call_ended', tMs: now + ring, callId: id, reason: 'amd_machine_hangup' });
    } else if (outcome < 0.9) {
      events.push({
        type: 'call_failed',
        tMs: now + ring,
        callId: id,
        cause: pick(['NO_ANSWER', 'USER_BUSY', 'UNALLOCATED_NUMBER', 'NETWORK_OUT_OF_ORDER'] as const),
      });
    } else live.push(id); // still in flight
    for (const e of events) pacer.onEvent(e);
  }
  for (let tick = 0; tick < TICKS; tick++) {
    now += pick([0, 100, 100, 100, 250, 1000]);
    const loggedIn = int(0, agents);
    const ready = int(0, loggedIn);
    const talking = int(0, loggedIn - ready);
    const capacity = int(0, 100);
    const snapshot: PacingSnapshot = {
      nowMs: now,
      agentsLoggedIn: loggedIn,
      agentsReady: ready,
      agentsTalking: talking,
      agentsWrapUp: loggedIn - ready - talking,
      callsRinging: int(0, Math.max(live.length, 3)),
      callsWaitingForAgent: int(0, 3),
      channelsInUse: int(0, capacity + 5), // may even exceed the capacity
      channelCapacity: capacity,
      maxCps: int(0, 40),
    };
    const n = pacer.decide(snapshot);
    const inLastSecond = launchTimes.filter((t) => t > now - 1000).length;
    const allowed = Math.max(
      0,
      Math.min(
        snapshot.channelCapacity - snapshot.channelsInUse,
        snapshot.maxCps - inLastSecond,
        Math.floor(maxDialRatio * loggedIn) - snapshot.callsRinging - snapshot.callsWaitingForAgent,
      ),
    );
    assert.ok(Number.isInteger(n) && n >= 0, `seed ${seed} tick ${tick}: ${n} is not a count`);
    assert.ok(n <= allowed, `seed ${seed} tick ${tick}: asked ${n}, limits allow ${allowed}`);
    for (let i = 0; i < n; i++) {
      launchTimes.push(now);
      const id = nextCall++;
      live.push(id);
      pacer.onEvent({ type: 'call_originated', tMs: now, callId: id });
    }
    // Some in-flight calls resolve between ticks.
    while (live.length > 0 && r() < 0.4) {
      const id = live.splice(int(0, live.length - 1), 1)[0] ?? 0;
      pacer.onEvent({ type: 'call_failed', tMs: now, callId: id, cause: 'NO_ANSWER' });
    }
  }
}

test(`never exceeds channel, CPS or dial-ratio limits (${CASES} seeded cases)`, () => {
  for (let seed = 1; seed <= CASES; seed++) runCase(seed);
});
