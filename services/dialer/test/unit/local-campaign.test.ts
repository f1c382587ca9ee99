import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalCampaign, type CampaignPorts, type Lead } from '../../src/local-campaign/campaign.js';

// Ports are the campaign's own seam to media; a recording fake with a manual clock is enough here.
const allowAll: CampaignPorts['checkDial'] = async (leads) =>
  leads.map((lead) => ({ allowed: true as const, checkId: `chk-${lead.leadId}` }));

function harness(leadCount: number, agents: number, checkDial: CampaignPorts['checkDial'] = allowAll) {
  let now = 1_000_000;
  let next = 0;
  const log: string[] = [];
  const ports: CampaignPorts = {
    checkDial,
    originate: async (lead, checkId) => {
      log.push(`originate ${lead.leadId} ${checkId}`);
      return `uuid-${++next}`;
    },
    bridge: async (callId, endpoint) => {
      log.push(`bridge ${callId} ${endpoint}`);
    },
    hangup: async (callId, cause) => {
      log.push(`hangup ${callId} ${cause}`);
    },
    now: () => now,
    onError: (what) => log.push(`error ${what}`),
  };
  const leads: Lead[] = Array.from({ length: leadCount }, (_, i) => ({
    leadId: `L${i + 1}`,
    attemptId: `A${i + 1}`,
    phone: '+8613900000000',
  }));
  const campaign = new LocalCampaign(leads, agents, ports, {
    abandonAfterMs: 2_000,
    wrapUpMs: 10,
    channelCapacity: 50,
    maxCps: 10,
  });
  // Two turns: the compliance verdict, then the originate reply.
  const settle = async () => {
    for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
  };
  return {
    campaign,
    log,
    advance: (ms: number) => {
      now += ms;
    },
    settle,
  };
}

test('launches no more than the leads allow and finishes when every call has ended', async () => {
  const { campaign, log, settle } = harness(3, 2);
  let hungUp = 0;
  for (let round = 0; round < 100 && !campaign.finished; round++) {
    campaign.tick();
    await settle();
    const placed = log.filter((l) => l.startsWith('originate')).length;
    assert.ok(placed <= 3, 'never more calls than leads');
    while (hungUp < placed) campaign.onHangup(`uuid-${++hungUp}`, 'USER_BUSY');
  }
  assert.ok(campaign.finished);
  assert.equal(campaign.summary().dialed, 3);
  assert.equal(campaign.summary().failedByCause['USER_BUSY'], 3);
});

test('an answered call goes to the longest-idle agent; one nobody takes in 2 s is abandoned', async () => {
  const { campaign, log, advance, settle } = harness(2, 1);
  campaign.tick();
  await settle();
  campaign.tick();
  await settle();
  const ids = log.filter((l) => l.startsWith('originate')).map((_, i) => `uuid-${i + 1}`);
  assert.ok(ids.length >= 1);
  campaign.onAnswered(ids[0]!);
  assert.ok(log.includes(`bridge ${ids[0]} user/1001`), log.join('\n'));
  if (ids[1]) {
    campaign.onAnswered(ids[1]);
    advance(2_001);
    campaign.tick();
    assert.ok(log.includes(`hangup ${ids[1]} NORMAL_CLEARING`), log.join('\n'));
    assert.equal(campaign.summary().abandoned, 1);
  }
  assert.equal(campaign.summary().connected, 1);
});

test('a lead compliance refuses is never dialed, and the refusal is counted by reason', async () => {
  const { campaign, log, settle } = harness(4, 4, async (leads) =>
    leads.map((lead) =>
      lead.leadId === 'L2'
        ? { allowed: false as const, reasons: ['DO_NOT_CALL', 'OUTSIDE_CALLING_WINDOW'] }
        : { allowed: true as const, checkId: `chk-${lead.leadId}` },
    ),
  );
  let hungUp = 0;
  for (let round = 0; round < 100 && !campaign.finished; round++) {
    campaign.tick();
    await settle();
    const placed = log.filter((l) => l.startsWith('originate')).length;
    while (hungUp < placed) campaign.onHangup(`uuid-${++hungUp}`, 'NO_ANSWER');
  }
  assert.ok(campaign.finished);
  const originated = log.filter((l) => l.startsWith('originate'));
  assert.ok(!originated.some((l) => l.startsWith('originate L2 ')), originated.join('\n'));
  assert.ok(
    originated.every((l) => / chk-L\d+$/.test(l)),
    'every dial carries its compliance check id',
  );
  assert.equal(campaign.summary().dialed, 3);
  assert.deepEqual(campaign.summary().deniedByReason, { DO_NOT_CALL: 1, OUTSIDE_CALLING_WINDOW: 1 });
});

test('a failed compliance check dials nothing', async () => {
  const { campaign, log, settle } = harness(2, 2, async () => {
    throw new Error('compliance unavailable');
  });
  for (let round = 0; round < 20 && !campaign.finished; round++) {
    campaign.tick();
    await settle();
  }
  assert.equal(log.filter((l) => l.startsWith('originate')).length, 0);
  assert.ok(log.includes('error checkDial'));
  assert.equal(campaign.summary().deniedByReason['CHECK_FAILED'], 2);
});
