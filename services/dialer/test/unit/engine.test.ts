// The engine over in-memory ports (the adapters have their own integration tests): a progressive
// campaign dials its leads, bridges answers to agents, abandons an answer no agent takes, records
// each attempt's outcome and the lead's next step, publishes attempts.completed, and finishes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '@outbound/testkit';
import { LinePool } from '../../src/domain/line-pool.js';
import { createEngine } from '../../src/use-cases/engine.js';
import { World, agent, deps, type Script } from '../support/engine-world.js';

test('engine: a progressive campaign dials every lead once, bridges answers, closes or reschedules leads, finishes', async () => {
  const scripts: Record<string, Script> = {
    'lead-0': 'answer',
    'lead-1': 'busy',
    'lead-2': 'answer',
    'lead-3': 'denied',
    'lead-4': 'invalid',
    'lead-5': 'answer',
  };
  const world = new World(scripts);
  world.setAgent(agent('a1'));
  world.setAgent(agent('a2'));
  const engine = createEngine(deps(world, 6));
  world.engineFact = (fact) => engine.onCallFact(fact);
  await engine.start();
  try {
    await waitFor(() => world.published.length === 6, { what: 'six attempts completed', timeoutMs: 20_000 });
    const byLead = new Map([...world.attemptRows.values()].map((a) => [a.leadId, a]));
    assert.equal(world.attemptRows.size, 6, 'one attempt per lead (the busy one is due again in 30 min)');
    assert.equal(byLead.get('lead-0')?.outcome, 'connected');
    assert.equal(byLead.get('lead-2')?.outcome, 'connected');
    assert.equal(byLead.get('lead-5')?.outcome, 'connected');
    assert.ok(byLead.get('lead-0')?.agentId?.startsWith('a'));
    assert.ok(byLead.get('lead-0')?.timeline.bridgedAt);
    assert.equal(byLead.get('lead-1')?.outcome, 'busy');
    assert.equal(byLead.get('lead-1')?.hangupCause, 'USER_BUSY');
    assert.equal(byLead.get('lead-3')?.outcome, 'denied');
    assert.deepEqual(byLead.get('lead-3')?.denialReasons, ['DO_NOT_CALL']);
    assert.equal(byLead.get('lead-4')?.outcome, 'invalid_number');
    assert.equal(world.refusedDialed, 0, 'no refused dial placed');
    assert.equal(world.maxConcurrentPerLead, 1, 'no lead in two calls at once');
    assert.equal(world.leadRows.get('lead-1')?.status, 'open');
    assert.equal(world.leadRows.get('lead-3')?.closedReason, 'do_not_call');
    assert.equal(world.leadRows.get('lead-4')?.closedReason, 'invalid_number');
    assert.equal(world.leadRows.get('lead-0')?.closedReason, 'connected');
    assert.equal(world.published.length, 6, 'attempts.completed for every attempt');
    assert.equal(world.abandonedEvents.length, 0);
    const figures = await engine.figures.current('camp1');
    assert.equal(figures.dialed, 5);
    assert.equal(figures.answered, 3);
    assert.equal(figures.connected, 3);
    assert.equal(figures.abandoned, 0);
    assert.deepEqual(figures.deniedByReason, { DO_NOT_CALL: 1 });
    assert.deepEqual(figures.failedByCause, { USER_BUSY: 1, UNALLOCATED_NUMBER: 1 });
    assert.equal([...world.agents.values()].filter((a) => a.state === 'ready').length, 2, 'agents free again');
    // The busy lead is due again later: the campaign keeps running until it is done.
    const busy = world.leadRows.get('lead-1')!;
    assert.ok(busy.nextAttemptAt.getTime() > Date.now() + 29 * 60_000);
    assert.equal(world.campaign.state, 'running');
    // Its time comes; this time it answers, and the campaign finishes.
    world.scripts['lead-1'] = 'answer';
    world.leadRows.set('lead-1', { ...busy, nextAttemptAt: new Date() });
    await waitFor(() => world.campaign.state === 'finished', { what: 'campaign finished', timeoutMs: 20_000 });
    const retried = [...world.attemptRows.values()].filter((a) => a.leadId === 'lead-1');
    assert.deepEqual(retried.map((a) => [a.attemptNumber, a.outcome]).sort(), [
      [1, 'busy'],
      [2, 'connected'],
    ]);
    assert.equal((await engine.figures.current('camp1')).state, 'finished');
  } finally {
    await engine.stop();
  }
});

test('engine: an answer no agent takes in time is abandoned: message, hang-up, calls.abandoned, counted', async () => {
  const world = new World({ 'lead-0': 'answer' });
  world.agentAnswers = false;
  world.setAgent(agent('a1'));
  const engine = createEngine(deps(world, 1));
  world.engineFact = (fact) => engine.onCallFact(fact);
  await engine.start();
  try {
    await waitFor(() => world.published.length === 1, { what: 'attempt completed', timeoutMs: 20_000 });
    const attempt = world.published[0]!.attempt;
    assert.equal(attempt.outcome, 'abandoned');
    assert.ok(attempt.timeline.abandonedAt);
    assert.deepEqual(world.abandonedEvents, [attempt.attemptId]);
    assert.deepEqual(world.media, [`${attempt.callId}:play:abandon.wav`, `${attempt.callId}:hangup`]);
    const figures = await engine.figures.current('camp1');
    assert.equal(figures.abandoned, 1);
    assert.equal(figures.abandonRate, 1);
    assert.equal(world.agents.get('a1')?.state, 'ready', 'the agent whose phone failed is released');
    // A redelivered hang-up changes nothing.
    await engine.onCallFact({
      campaignId: 'camp1',
      leadId: 'lead-0',
      attemptId: attempt.attemptId,
      callId: attempt.callId!,
      node: 'n1',
      at: new Date(),
      kind: 'hangup',
      cause: 'NORMAL_CLEARING',
      billsec: 1,
      answered: true,
    });
    assert.equal(world.published.length, 1);
    assert.equal((await engine.figures.current('camp1')).abandoned, 1);
  } finally {
    await engine.stop();
  }
});

test('engine: agentless plays the prompt and takes one digit: 1 records intent A, 2 opts out and closes the lead', async () => {
  const world = new World({ 'lead-0': 'press1', 'lead-1': 'press2', 'lead-2': 'answer', 'lead-3': 'machine' });
  const engine = createEngine(
    deps(world, 4, {
      amd: true,
      modeSettings: {
        mode: 'agentless',
        maxConcurrentCalls: 2,
        callsPerSecond: 5,
        prompt: 'prompt.wav',
        digitTimeoutMs: 5_000,
      },
    }),
  );
  world.engineFact = (fact) => engine.onCallFact(fact);
  await engine.start();
  try {
    await waitFor(() => world.campaign.state === 'finished', { what: 'campaign finished', timeoutMs: 20_000 });
    const byLead = new Map([...world.attemptRows.values()].map((a) => [a.leadId, a]));
    assert.equal(byLead.get('lead-0')?.outcome, 'connected');
    assert.equal(byLead.get('lead-0')?.digits, '1');
    assert.equal(byLead.get('lead-0')?.disposition?.intent, 'A');
    assert.equal(byLead.get('lead-1')?.digits, '2');
    assert.deepEqual(world.optOuts, [{ leadId: 'lead-1', attemptId: byLead.get('lead-1')!.attemptId }]);
    assert.equal(world.leadRows.get('lead-1')?.closedReason, 'opted_out');
    assert.equal(byLead.get('lead-2')?.disposition, undefined);
    assert.equal(byLead.get('lead-3')?.outcome, 'machine');
    const machineCall = byLead.get('lead-3')!.callId!;
    assert.ok(!world.media.some((m) => m.startsWith(`${machineCall}:play`)), 'the machine hears no prompt');
    assert.ok(world.media.includes(`${machineCall}:hangup`), 'the machine is hung up (campaign action)');
    const prompted = [...world.media].filter((m) => m.endsWith(':play:prompt.wav')).length;
    assert.equal(prompted, 3);
    const figures = await engine.figures.current('camp1');
    assert.equal(figures.machines, 1);
    assert.equal(figures.connected, 3);
    assert.equal(figures.abandoned, 0);
  } finally {
    await engine.stop();
  }
});

test('engine: fenced out by a newer owner, the engine stops dialing the campaign at once', async () => {
  const leads = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`lead-${i}`, 'hold' as const]));
  const world = new World(leads);
  world.setAgent(agent('a1'));
  world.setAgent(agent('a2'));
  const engine = createEngine(deps(world, 20, { modeSettings: { mode: 'progressive', ratio: 1 } }));
  world.engineFact = (fact) => engine.onCallFact(fact);
  await engine.start();
  try {
    await waitFor(() => world.calls.size >= 2, { what: 'calls placed' });
    world.newerOwner = true;
    const placed = world.calls.size;
    // Agents free again would be dialed for at once, were the campaign still running here.
    for (const a of ['a1', 'a2']) world.setAgent(agent(a));
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(world.calls.size, placed, 'no call placed after the newer owner was seen');
    // Ticks every 5 ms would have tried ~40 times more, were the campaign still run here.
    assert.ok(world.refusedPops <= 2, `${world.refusedPops} pops after the fence was seen`);
  } finally {
    await engine.stop();
  }
});

test('engine: a customer gone before the bridge is not bridged again; the agent is free; the hang-up ends it', async () => {
  const world = new World({ 'lead-0': 'gone' });
  world.setAgent(agent('a1'));
  world.setAgent(agent('a2'));
  const engine = createEngine(deps(world, 1));
  world.engineFact = (fact) => engine.onCallFact(fact);
  await engine.start();
  try {
    await waitFor(() => world.published.length === 1, { what: 'attempt completed', timeoutMs: 20_000 });
    assert.equal(world.bridgeTries, 1, 'no second agent was tried for a call that is gone');
    assert.equal(world.published[0]!.attempt.agentId, 'a1');
    assert.deepEqual(
      [...world.agents.values()].map((a) => a.state),
      ['ready', 'ready'],
    );
  } finally {
    await engine.stop();
  }
});

test('engine: an answer heard early is bridged before its durable copy arrives; the copy then changes nothing', async () => {
  const world = new World({ 'lead-0': 'answer', 'lead-1': 'answer' });
  world.setAgent(agent('a1'));
  world.setAgent(agent('a2'));
  // The durable copy comes well after the abandon time (40 ms here): only the early one can save the call.
  world.earlyAnswers = { durableAfterMs: 300 };
  const engine = createEngine(deps(world, 2));
  const bridgedBeforeDurable: boolean[] = [];
  world.engineFact = async (fact) => {
    if (fact.kind === 'answered')
      bridgedBeforeDurable.push(world.attemptRows.get(fact.attemptId)?.timeline.bridgedAt !== undefined);
    await engine.onCallFact(fact);
  };
  await engine.start();
  try {
    await waitFor(() => world.published.length === 2 && bridgedBeforeDurable.length === 2, {
      what: 'both attempts completed and both durable answers delivered',
      timeoutMs: 20_000,
    });
    assert.deepEqual(bridgedBeforeDurable, [true, true], 'each call bridged on its early answer');
    assert.equal(world.bridgeTries, 2, 'one bridge per call: the durable copy served nothing again');
    assert.deepEqual(
      [...world.attemptRows.values()].map((a) => a.outcome),
      ['connected', 'connected'],
    );
    assert.ok(
      [...world.attemptRows.values()].every((a) => a.timeline.answeredAt),
      'the durable copy recorded it',
    );
    assert.equal(world.abandonedEvents.length, 0);
    const figures = await engine.figures.current('camp1');
    assert.equal(figures.answered, 2, 'counted once each');
    assert.equal(figures.connected, 2);
  } finally {
    await engine.stop();
  }
});

test('engine: with AMD, an answer whose verdict never comes is served after AMD_WAIT_MS, not abandoned', async () => {
  const world = new World({ 'lead-0': 'silent' });
  world.setAgent(agent('a1'));
  const engine = createEngine(deps(world, 1, { amd: true, modeSettings: { mode: 'progressive', ratio: 1 } }));
  world.engineFact = (fact) => engine.onCallFact(fact);
  await engine.start();
  try {
    await waitFor(() => world.campaign.state === 'finished', { what: 'campaign finished', timeoutMs: 20_000 });
    const [attempt] = [...world.attemptRows.values()];
    assert.equal(attempt?.outcome, 'connected');
    assert.equal(attempt?.agentId, 'a1');
    assert.equal(attempt?.amdVerdict, undefined, 'no verdict was heard');
    assert.equal(world.abandonedEvents.length, 0);
  } finally {
    await engine.stop();
  }
});

test('engine: with AMD a person is bridged after the verdict; a machine with leave_message hears the message', async () => {
  const world = new World({ 'lead-0': 'human', 'lead-1': 'machine' });
  world.setAgent(agent('a1'));
  const engine = createEngine(
    deps(world, 2, {
      amd: true,
      machineAction: 'leave_message',
      machineMessage: 'vm.wav',
      modeSettings: { mode: 'progressive', ratio: 2 },
    }),
  );
  world.engineFact = (fact) => engine.onCallFact(fact);
  await engine.start();
  try {
    await waitFor(() => world.campaign.state === 'finished', { what: 'campaign finished', timeoutMs: 20_000 });
    const byLead = new Map([...world.attemptRows.values()].map((a) => [a.leadId, a]));
    assert.equal(byLead.get('lead-0')?.outcome, 'connected');
    assert.equal(byLead.get('lead-0')?.amdVerdict, 'human');
    assert.equal(byLead.get('lead-0')?.agentId, 'a1');
    assert.equal(byLead.get('lead-1')?.outcome, 'machine');
    const machineCall = byLead.get('lead-1')!.callId!;
    assert.deepEqual(
      world.media.filter((m) => m.startsWith(`${machineCall}:`)),
      [`${machineCall}:play:vm.wav`, `${machineCall}:hangup`],
    );
    assert.equal(world.abandonedEvents.length, 0);
  } finally {
    await engine.stop();
  }
});

test('engine: preview offers a lead to the ready agent; accept dials and bridges to that agent, skip gives the lead back', async () => {
  const world = new World({ 'lead-0': 'answer', 'lead-1': 'answer' });
  world.setAgent(agent('a1'));
  const engine = createEngine(deps(world, 2, { modeSettings: { mode: 'preview', offerTimeoutMs: 60_000 } }));
  world.engineFact = (fact) => engine.onCallFact(fact);
  await engine.start();
  try {
    const first = await waitFor(() => world.offers[0], { what: 'first offer' });
    assert.equal(first.agentId, 'a1');
    assert.equal(world.agents.get('a1')?.state, 'reserved');
    assert.equal(world.calls.size, 0, 'nothing dialed before the agent decides');
    await assert.rejects(engine.preview.accept('a2', first.attemptId), /not offered/);
    await engine.preview.skip('a1', first.attemptId, 'not now');
    const skipped = world.attemptRows.get(first.attemptId);
    assert.equal(skipped?.outcome, 'denied');
    assert.equal(skipped?.hangupCause, 'PREVIEW_SKIPPED');
    assert.equal(world.leadRows.get(first.leadId)?.status, 'open', 'the lead is back');

    const second = await waitFor(() => world.offers[1], { what: 'second offer' });
    assert.notEqual(second.leadId, first.leadId, 'the next offer is another lead');
    const accepted = await engine.preview.accept('a1', second.attemptId);
    assert.equal(accepted.attemptId, second.attemptId);
    await waitFor(() => world.attemptRows.get(second.attemptId)?.outcome, { what: 'accepted call ended' });
    const done = world.attemptRows.get(second.attemptId)!;
    assert.equal(done.outcome, 'connected');
    assert.equal(done.agentId, 'a1');
    assert.equal(world.refusedDialed, 0);
    await waitFor(() => world.agents.get('a1')?.state === 'ready' || world.offers.length > 2, { what: 'agent free' });
  } finally {
    await engine.stop();
  }
});

/** One agent, one call held with it; then its owner stops (its calls live on for the next one). */
async function ownerDiedMidCall(world: World) {
  world.setAgent(agent('a1'));
  const first = createEngine(deps(world, 1));
  world.engineFact = (fact) => first.onCallFact(fact);
  await first.start();
  const held = await waitFor(
    () => [...world.attemptRows.values()].find((a) => a.leadId === 'lead-0' && a.timeline.bridgedAt),
    { what: 'the held call bridged' },
  );
  await first.stop();
  return held;
}

test('engine: a restarted engine adopts the call in flight; its hang-up ends the attempt once, no lead dialed twice', async () => {
  const world = new World({ 'lead-0': 'hold', 'lead-1': 'busy' });
  world.setAgent(agent('a1'));
  world.setAgent(agent('a2'));
  const first = createEngine(deps(world, 2));
  world.engineFact = (fact) => first.onCallFact(fact);
  await first.start();
  const held = await waitFor(
    () => [...world.attemptRows.values()].find((a) => a.leadId === 'lead-0' && a.timeline.bridgedAt),
    { what: 'the held call bridged' },
  );
  await waitFor(() => world.attemptRows.size === 2 && world.published.length === 1, { what: 'busy attempt ended' });
  // The process dies mid-call (its in-memory state is gone); a new one starts over the same stores.
  await first.stop();
  const second = createEngine(deps(world, 2));
  world.engineFact = (fact) => second.onCallFact(fact);
  await second.start();
  try {
    assert.equal(world.agents.get(held.agentId!)?.state, 'talking');
    await world.hangup(held.callId!, 'NORMAL_CLEARING', true);
    const ended = world.attemptRows.get(held.attemptId)!;
    assert.equal(ended.outcome, 'connected');
    assert.equal(world.agents.get(held.agentId!)?.state, 'ready', 'the agent is told the call ended');
    assert.equal(world.published.filter((p) => p.attempt.attemptId === held.attemptId).length, 1);
    assert.equal(world.calls.size, 2, 'nothing dialed again');
    assert.equal(world.maxConcurrentPerLead, 1);
    // A late redelivery of the answer changes nothing.
    await second.onCallFact({ ...world.fact(held.callId!, 'answered') });
    assert.equal(world.attemptRows.get(held.attemptId)?.outcome, 'connected');
    assert.equal(world.leadRows.get('lead-0')?.closedReason, 'connected');
  } finally {
    await second.stop();
  }
});

/** What an owner killed after the compliance check leaves: its lead in flight, an attempt with no call on it. */
function killedBeforeMediaReplied(world: World): string {
  world.leadRows.set('lead-0', {
    campaignId: 'camp1',
    leadId: 'lead-0',
    listId: 'list1',
    priority: 0,
    nextAttemptAt: new Date(),
    attempts: 1,
    status: 'in_flight',
  });
  world.attemptRows.set('att-unconfirmed', {
    attemptId: 'att-unconfirmed',
    campaignId: 'camp1',
    leadId: 'lead-0',
    attemptNumber: 1,
    dialMode: 'progressive',
    denialReasons: [],
    timeline: { queuedAt: new Date(), checkedAt: new Date() },
  });
  return 'att-unconfirmed';
}

test('engine: an adopted attempt media never placed is voided and ended at once; its lead is dialed again', async () => {
  const world = new World({ 'lead-0': 'answer' });
  world.setAgent(agent('a1'));
  const attemptId = killedBeforeMediaReplied(world);
  const engine = createEngine(deps(world, 1));
  world.engineFact = (fact) => engine.onCallFact(fact);
  await engine.start();
  try {
    // Within the test's few seconds, not after the 90 s the attempt's facts were once waited for.
    const again = await waitFor(() => [...world.calls.values()].find((c) => c.leadId === 'lead-0'), {
      what: 'lead-0 dialed again',
    });
    const voided = world.attemptRows.get(attemptId)!;
    assert.equal(voided.outcome, 'failed');
    assert.equal(voided.hangupCause, 'ATTEMPT_VOIDED');
    assert.notEqual(again.attemptId, attemptId, 'a new attempt');
    assert.equal(world.placementRows.get(attemptId), 'voided', 'a late originate of it would be refused');
    assert.equal(world.maxConcurrentPerLead, 1);
  } finally {
    await engine.stop();
  }
});

test('engine: with the placements out of reach, an adopted attempt with no call waits for its facts, then ends', async () => {
  const world = new World({ 'lead-0': 'answer' });
  world.setAgent(agent('a1'));
  const attemptId = killedBeforeMediaReplied(world);
  const engineDeps = deps(world, 1);
  const engine = createEngine({
    ...engineDeps,
    placements: { void: () => Promise.reject(new Error('bucket unreachable')) },
    options: { ...engineDeps.options, adoptGraceMs: 300 },
  });
  world.engineFact = (fact) => engine.onCallFact(fact);
  await engine.start();
  try {
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(world.attemptRows.get(attemptId)?.outcome, undefined, 'not ended before the grace');
    await waitFor(() => world.attemptRows.get(attemptId)?.outcome === 'failed', { what: 'ended after the grace' });
    assert.equal(world.attemptRows.get(attemptId)?.hangupCause, 'NOT_ORIGINATED');
  } finally {
    await engine.stop();
  }
});

test('engine: an adopted attempt media did place learns its call from the placement, and is not dialed again', async () => {
  const world = new World({ 'lead-0': 'answer' });
  world.setAgent(agent('a1'));
  const attemptId = killedBeforeMediaReplied(world);
  // Media placed it; the owner died before writing the call id, and the call's facts wait in its
  // unacknowledged deliveries.
  world.placementRows.set(attemptId, { callId: 'call-placed', node: 'n7' });
  world.calls.set('call-placed', { attemptId, leadId: 'lead-0' });
  world.inCallNow.add('lead-0');
  const engine = createEngine(deps(world, 1));
  world.engineFact = (fact) => engine.onCallFact(fact);
  await engine.start();
  try {
    await waitFor(() => world.attemptRows.get(attemptId)?.callId === 'call-placed', { what: 'the call id recorded' });
    assert.equal(world.attemptRows.get(attemptId)?.node, 'n7');
    assert.equal(engine.views()[0]?.activeCalls, 1, 'the call is held');
    await world.hangup('call-placed', 'NO_ANSWER', false);
    assert.equal(world.attemptRows.get(attemptId)?.outcome, 'no_answer');
    assert.equal(world.calls.size, 1, 'nothing dialed while it was placed');
  } finally {
    await engine.stop();
  }
});

test('engine: a call media placed although its Originate failed (the reply lost) is held, not ended or dialed again', async () => {
  const world = new World({ 'lead-0': 'answer', 'lead-1': 'busy' });
  world.setAgent(agent('a1'));
  world.repliesLost = true;
  const engine = createEngine(deps(world, 2));
  world.engineFact = (fact) => engine.onCallFact(fact);
  await engine.start();
  try {
    await waitFor(() => [...world.attemptRows.values()].filter((a) => a.outcome).length === 2, {
      what: 'both attempts ended',
    });
    const ended = [...world.attemptRows.values()].map((a) => [a.leadId, a.outcome, a.callId !== undefined]);
    assert.deepEqual(
      ended.sort(),
      [
        ['lead-0', 'connected', true],
        ['lead-1', 'busy', true],
      ],
      'ended by their calls, not as failed originates',
    );
    assert.equal(world.calls.size, 2, 'each lead dialed once');
  } finally {
    await engine.stop();
  }
});

test('engine: an Originate that failed before media placed anything voids the attempt: a late originate of it is refused', async () => {
  const world = new World({ 'lead-0': 'answer' });
  world.setAgent(agent('a1'));
  world.mediaUnavailable = true;
  const engine = createEngine(deps(world, 1));
  world.engineFact = (fact) => engine.onCallFact(fact);
  await engine.start();
  try {
    const failed = await waitFor(() => [...world.attemptRows.values()].find((a) => a.outcome), {
      what: 'the attempt ended',
    });
    assert.equal(failed.hangupCause, 'MEDIA_UNAVAILABLE');
    assert.equal(world.placementRows.get(failed.attemptId), 'voided');
  } finally {
    await engine.stop();
  }
});

test('engine: a call its node no longer has (its hang-up seen by nobody) is ended; a live silent one is kept', async () => {
  const world = new World({ 'lead-0': 'hold', 'lead-1': 'hold' });
  world.setAgent(agent('a1'));
  world.setAgent(agent('a2'));
  const engineDeps = deps(world, 2);
  const engine = createEngine({
    ...engineDeps,
    options: { ...engineDeps.options, silentCheckMs: 20, aliveCheckMs: 60 },
  });
  world.engineFact = (fact) => engine.onCallFact(fact);
  await engine.start();
  try {
    const held = await waitFor(
      () => {
        const bridged = [...world.attemptRows.values()].filter((a) => a.timeline.bridgedAt);
        return bridged.length === 2 ? bridged : undefined;
      },
      { what: 'both calls bridged' },
    );
    const [lost, live] = held as [(typeof held)[0], (typeof held)[0]];
    // Media restarted as the first call ended: the node no longer has it, and no hang-up came.
    world.inCallNow.delete(lost.leadId);
    const ended = await waitFor(() => world.attemptRows.get(lost.attemptId)?.outcome, { what: 'the lost call ended' });
    assert.equal(ended, 'connected', 'it reached its agent');
    assert.equal(world.attemptRows.get(lost.attemptId)?.hangupCause, 'MEDIA_RECONCILED_GONE');
    assert.notEqual(world.agents.get(lost.agentId!)?.state, 'talking', "its agent's call is over");
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(world.attemptRows.get(live.attemptId)?.outcome, undefined, 'the live call, silent as long, is kept');
    assert.equal(world.calls.size, 2, 'nothing dialed again');
  } finally {
    await engine.stop();
  }
});

test('engine: a call another replica ended (its hang-up came while no replica ran the campaign) is let go here too', async () => {
  const world = new World({ 'lead-0': 'hold' });
  const held = await ownerDiedMidCall(world);
  // The next owner adopts the call, still open in its row.
  const ownerDeps = deps(world, 1);
  const owner = createEngine({ ...ownerDeps, options: { ...ownerDeps.options, silentCheckMs: 30 } });
  await owner.start();
  try {
    // Silent calls are read again, and an open one is kept.
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal(owner.views()[0]?.activeCalls, 1, 'the open call is kept');
    // Its hang-up reaches a replica that runs no campaign (as with the owner not yet serving its
    // facts): that replica ends the stored attempt and the owner hears nothing of it.
    const elsewhere = createEngine(deps(world, 1));
    world.engineFact = (fact) => elsewhere.onCallFact(fact);
    await world.hangup(held.callId!, 'NORMAL_CLEARING', true);
    assert.equal(world.attemptRows.get(held.attemptId)?.outcome, 'connected', 'ended by the other replica');
    await waitFor(() => owner.views()[0]?.activeCalls === 0, { what: 'the owner lets the ended call go' });
    assert.equal(world.agents.get(held.agentId!)?.state, 'ready');
    assert.equal(
      world.attemptRows.get(held.attemptId)?.outcome,
      'connected',
      'its outcome as the other replica wrote it',
    );
    assert.equal(world.published.filter((p) => p.attempt.attemptId === held.attemptId).length, 1, 'announced once');
    assert.equal(world.calls.size, 1, 'nothing dialed again');
  } finally {
    await owner.stop();
  }
});

test("engine: a hang-up whose answered and bridged facts wait in a dead owner's deliveries still records both", async () => {
  const world = new World({ 'lead-0': 'hold' });
  const held = await ownerDiedMidCall(world);
  // The owner died with the answered and bridged facts taken from the bus but not written: the row
  // has neither.
  const { answeredAt, bridgedAt } = held.timeline as { answeredAt: Date; bridgedAt: Date };
  const { answeredAt: _lost, bridgedAt: _lostToo, ...timeline } = held.timeline;
  world.attemptRows.set(held.attemptId, { ...held, timeline });
  const second = createEngine(deps(world, 1));
  world.engineFact = (fact) => second.onCallFact(fact);
  await second.start();
  try {
    await second.onCallFact(
      world.fact(held.callId!, 'hangup', {
        cause: 'NORMAL_CLEARING',
        answered: true,
        answeredAt,
        bridge: { at: bridgedAt, agentCallId: held.agentCallId! },
      }),
    );
    const ended = world.attemptRows.get(held.attemptId)!;
    assert.equal(ended.timeline.answeredAt?.getTime(), answeredAt.getTime(), 'the hang-up brings the answer time');
    assert.equal(ended.timeline.bridgedAt?.getTime(), bridgedAt.getTime(), 'and the bridge');
    assert.equal(ended.outcome, 'connected', 'a customer who reached an agent is not abandoned');
    assert.equal((await second.figures.current('camp1')).abandoned, 0);
    assert.notEqual(world.agents.get(held.agentId!)?.state, 'talking', 'the agent is told the call ended');
    assert.equal(world.published.filter((p) => p.attempt.attemptId === held.attemptId).length, 1);
  } finally {
    await second.stop();
  }
});

test('engine: facts late for an ended attempt (its owner died before writing them) still fill its record, and change nothing else', async () => {
  const world = new World({ 'lead-0': 'busy' });
  world.setAgent(agent('a1'));
  const engine = createEngine(deps(world, 1));
  world.engineFact = (fact) => engine.onCallFact(fact);
  await engine.start();
  try {
    const ended = await waitFor(() => [...world.attemptRows.values()].find((a) => a.outcome && a.callId), {
      what: 'the busy attempt ended',
    });
    const callId = ended.callId!;
    // What a replica killed between originate and its write leaves: an ended row with no call on it.
    const { callId: _lost, ...withoutCall } = ended;
    const { originatedAt: _notWritten, ...timeline } = ended.timeline;
    world.attemptRows.set(ended.attemptId, { ...withoutCall, timeline });
    await engine.onCallFact(world.fact(callId, 'hangup', { cause: 'USER_BUSY', answered: false }));
    assert.equal(world.attemptRows.get(ended.attemptId)?.callId, callId, 'the hang-up names the call');
    await engine.onCallFact(world.fact(callId, 'originated'));
    const row = world.attemptRows.get(ended.attemptId)!;
    assert.ok(row.timeline.originatedAt, 'the late originated fact fills the time');
    assert.equal(row.outcome, ended.outcome);
    assert.equal(world.published.filter((p) => p.attempt.attemptId === ended.attemptId).length, 1);
    assert.equal(world.calls.size, 1, 'nothing dialed again');
  } finally {
    await engine.stop();
  }
});

test('engine: at start, attempts ended but never announced get their attempts.completed', async () => {
  const world = new World({});
  world.leadRows.set('lead-7', {
    campaignId: 'camp1',
    leadId: 'lead-7',
    listId: 'list1',
    priority: 0,
    nextAttemptAt: new Date(),
    attempts: 1,
    status: 'closed',
    closedReason: 'invalid_number',
  });
  world.attemptRows.set('att-crashed', {
    attemptId: 'att-crashed',
    campaignId: 'camp1',
    leadId: 'lead-7',
    attemptNumber: 1,
    dialMode: 'progressive',
    outcome: 'invalid_number',
    hangupCause: 'UNALLOCATED_NUMBER',
    denialReasons: [],
    timeline: { queuedAt: new Date(), endedAt: new Date() },
  });
  const engine = createEngine(deps(world, 0));
  await engine.start();
  try {
    assert.deepEqual(
      world.published.map((p) => [p.attempt.attemptId, p.closedReason]),
      [['att-crashed', 'invalid_number']],
    );
    assert.equal(world.attemptRows.get('att-crashed')?.published, true);
    assert.equal(await engine.republish(), 0, 'nothing left to publish');
  } finally {
    await engine.stop();
  }
});

test('engine: a predictive campaign is paced by the pacer, every decision goes to the log, every lead is dialed once', async () => {
  const scripts: Record<string, Script> = {};
  for (let i = 0; i < 12; i++) scripts[`lead-${i}`] = i % 3 === 0 ? 'busy' : 'answer';
  const world = new World(scripts);
  for (const id of ['a1', 'a2', 'a3']) world.setAgent(agent(id));
  const engine = createEngine(
    deps(world, 12, {
      modeSettings: { mode: 'predictive', targetAbandonRate: 0.03, maxDialRatio: 3 },
      retryRules: [],
    }),
  );
  world.engineFact = (fact) => engine.onCallFact(fact);
  await engine.start();
  try {
    await waitFor(() => world.campaign.state === 'finished', { what: 'campaign finished', timeoutMs: 20_000 });
    assert.equal(world.attemptRows.size, 12);
    assert.equal(world.maxConcurrentPerLead, 1);
    const outcomes = [...world.attemptRows.values()].map((a) => a.outcome);
    assert.equal(outcomes.filter((o) => o === 'busy').length, 4);
    assert.equal(
      outcomes.filter((o) => o === 'connected').length + outcomes.filter((o) => o === 'abandoned').length,
      8,
    );
    assert.ok(world.decisions.length > 0, 'pacing decisions logged');
    assert.equal(
      world.decisions.reduce((a, d) => a + d.launch, 0) >= 12,
      true,
      'the decisions launched at least every dial placed',
    );
    const figures = await engine.figures.current('camp1');
    assert.equal(figures.dialed, 12);
    assert.equal(figures.connected + figures.abandoned, 8);
  } finally {
    await engine.stop();
  }
});

test('engine: a predictive campaign taken up again counts the abandons of its open hour, from the attempts store', async () => {
  /** The first decision of a predictive campaign whose store holds `abandons` of 40 answers 30 minutes ago. */
  const firstDecision = async (abandons: number) => {
    const world = new World({ 'lead-0': 'answer' });
    world.setAgent(agent('a1'));
    const engine = createEngine(
      deps(world, 1, {
        modeSettings: { mode: 'predictive', targetAbandonRate: 0.03, maxDialRatio: 3 },
        retryRules: [],
      }),
    );
    const answeredAt = new Date(Date.now() - 30 * 60_000);
    for (let i = 0; i < 40; i++)
      world.attemptRows.set(`before-${i}`, {
        attemptId: `before-${i}`,
        campaignId: 'camp1',
        leadId: `earlier-${i}`,
        attemptNumber: 1,
        dialMode: 'predictive',
        denialReasons: [],
        outcome: i < abandons ? 'abandoned' : 'connected',
        timeline: { queuedAt: answeredAt, answeredAt, endedAt: answeredAt },
      });
    world.engineFact = (fact) => engine.onCallFact(fact);
    await engine.start();
    try {
      await waitFor(() => world.decisions.length > 0, { what: 'a pacing decision', timeoutMs: 10_000 });
      return world.decisions[0]!;
    } finally {
      await engine.stop();
    }
  };
  const none = await firstDecision(0);
  const five = await firstDecision(5);
  // The hour from 30 minutes ago is still open: 5 abandons of 40 answers is over 3 % already.
  assert.ok(
    (five.budget.tightestWindowStartMs ?? 0) < -29 * 60_000,
    `the tightest window began before the restart (${five.budget.tightestWindowStartMs})`,
  );
  assert.ok(five.budget.headroom < 0, `no headroom left: ${five.budget.headroom}`);
  assert.ok(
    five.budget.headroom < none.budget.headroom - 3,
    `headroom ${five.budget.headroom} with the abandons, ${none.budget.headroom} without`,
  );
});

/** Line `a` (gateway gw-a) backed by `b` (gw-b), two channels each, out at 10 % failures after three calls. */
const lineWithBackup = () =>
  new LinePool(
    [
      { name: 'a', gateway: 'gw-a', lineClass: 'standard', channels: 2, callsPerSecond: 1_000, backup: 'b' },
      { name: 'b', gateway: 'gw-b', lineClass: 'standard', channels: 2, callsPerSecond: 1_000 },
    ],
    { windowMs: 60_000, minCalls: 3, failureLimit: 0.1, probationMs: 600_000, probeCalls: 2 },
  );

test('engine: a line whose calls fail is taken out, traffic moves to its backup, lines.health says so', async () => {
  const scripts: Record<string, Script> = Object.fromEntries(
    Array.from({ length: 12 }, (_, i) => [`lead-${i}`, 'busy'] as const),
  );
  const world = new World(scripts);
  world.setAgent(agent('a1'));
  world.failingGateways.add('gw-a');
  const lines = lineWithBackup();
  const engine = createEngine({ ...deps(world, 12), lines });
  world.engineFact = (fact) => engine.onCallFact(fact);
  await engine.start();
  try {
    await waitFor(() => world.gateways.filter((g) => g === 'gw-b').length >= 6, {
      what: 'calls on the backup',
      timeoutMs: 20_000,
    });
    assert.deepEqual(world.lineChanges, [{ line: 'a', state: 'out' }]);
    const firstOnBackup = world.gateways.indexOf('gw-b');
    assert.ok(firstOnBackup >= 3, 'the failing line carried calls until its window showed it');
    // Once out, no new call on the line (at most the two it already carried were placed after the first backup call).
    assert.ok(!world.gateways.slice(firstOnBackup + 2).includes('gw-a'), world.gateways.join(' '));
    const failed = [...world.attemptRows.values()].filter((a) => a.hangupCause === 'NETWORK_OUT_OF_ORDER');
    assert.ok(failed.length >= 3 && failed.every((a) => a.outcome === 'network_failure'));
    assert.equal(world.maxConcurrentPerLead, 1);
  } finally {
    await engine.stop();
  }
});

test('engine: calls media could not take (busy, draining, no switch) are due again, say nothing about the line, and pause the launches', async () => {
  const scripts: Record<string, Script> = Object.fromEntries(
    Array.from({ length: 6 }, (_, i) => [`lead-${i}`, 'busy'] as const),
  );
  const world = new World(scripts);
  world.setAgent(agent('a1'));
  world.mediaUnavailable = true;
  const lines = lineWithBackup();
  const engine = createEngine({ ...deps(world, 6), lines });
  world.engineFact = (fact) => engine.onCallFact(fact);
  await engine.start();
  try {
    await waitFor(() => world.refusedOriginates >= 1, { what: 'an originate refused', timeoutMs: 20_000 });
    // The pause after a refusal doubles while refusals go on (0.5, 1, 2 s ...): in the next 1.2 s
    // the campaign tries at most twice more, where its ticks (every 10 ms here) would try each time.
    const first = world.refusedOriginates;
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    assert.ok(world.refusedOriginates - first <= 2, `${String(world.refusedOriginates - first)} more tries in 1.2 s`);
    assert.deepEqual(world.lineChanges, [], 'no line taken out for media refusing calls');
    const ended = [...world.attemptRows.values()].filter((a) => a.outcome !== undefined);
    assert.ok(ended.length >= 1);
    for (const attempt of ended) {
      assert.equal(attempt.outcome, 'failed');
      assert.equal(attempt.hangupCause, 'MEDIA_UNAVAILABLE');
    }
    world.mediaUnavailable = false;
    // The lead is due again later (30 s), not closed: nothing reached it.
    const lead = world.leadRows.get(ended[0]!.leadId);
    assert.equal(lead?.status, 'open');
    assert.ok(lead && lead.nextAttemptAt.getTime() - ended[0]!.timeline.endedAt!.getTime() >= 29_000);
  } finally {
    await engine.stop();
  }
});
