import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Placement } from '@outbound/bus';
import type { EslEvent } from '@outbound/esl';
import { createLogger } from '@outbound/telemetry';
import { MediaController } from '../../src/adapters/media-controller.js';
import type { CallPublisher } from '../../src/adapters/call-publisher.js';
import type { EslPool } from '../../src/adapters/esl-pool.js';
import { OriginateQueue } from '../../src/adapters/originate-queue.js';
import { CAUSE_NODE_OVERLOADED, type CallEvent } from '../../src/domain/call-events.js';
import { nextOriginateAtMs } from '../../src/domain/originate-budget.js';

/**
 * The controller against a scripted node (no sockets): the node's events can be delivered while
 * Originate still waits for its reply, exactly the window in which calls.ringing used to overtake
 * calls.originated (16 of 300 calls at 10/s on a real FreeSWITCH).
 */
function scriptedNode(
  options: {
    gateways?: readonly string[];
    modules?: readonly string[];
    originatesPerSecond?: number;
    acceptTimeoutMs?: number;
    exists?: boolean;
    originateBacklogSeconds?: number;
    responsiveness?: { slowMs: number; holdMs: number };
    /** The node's connection fails as the originate is sent. */
    bgapiError?: Error;
    /** The placements bucket writes the claim but its reply is lost. */
    claimReplyLost?: boolean;
  } = {},
) {
  // The placements bucket as a map (its own test runs it on NATS: @outbound/bus placements).
  const placements = new Map<string, 'voided' | Placement>();
  const commands: string[] = [];
  const bgapiAtMs: number[] = [];
  let settleJob: (result: { ok: boolean; body: string }) => void = () => undefined;
  const connection = {
    api: async (command: string) => {
      commands.push(command);
      const gateway = /^sofia status gateway (\S+)/.exec(command)?.[1];
      if (gateway !== undefined)
        return {
          ok: true,
          body: (options.gateways ?? ['carrier1']).includes(gateway) ? 'Name\tx\n' : 'Invalid Gateway!\n',
        };
      if (command === 'show channels as json') return { ok: true, body: '{"row_count": 0}\n' };
      if (command.startsWith('uuid_exists ')) return { ok: true, body: options.exists === false ? 'false' : 'true' };
      const module = /^module_exists (\S+)/.exec(command)?.[1];
      if (module !== undefined) return { ok: true, body: String((options.modules ?? []).includes(module)) };
      return { ok: true, body: '+OK\n' };
    },
    bgapi: (command: string) => {
      commands.push(`bgapi ${command}`);
      bgapiAtMs.push(performance.now());
      if (options.bgapiError) return Promise.reject(options.bgapiError);
      return new Promise<{ ok: boolean; body: string }>((resolve) => {
        settleJob = resolve;
      });
    },
    sendmsg: async (uuid: string, headers: ReadonlyArray<readonly [string, string]>) => {
      commands.push(`sendmsg ${uuid} ${headers.map(([k, v]) => `${k}=${v}`).join(' ')}`);
    },
  };
  const pool = {
    names: () => ['fs1'],
    isHealthy: () => true,
    connection: () => connection,
  } as unknown as EslPool;
  const published: CallEvent[] = [];
  const publisher = {
    publish: async (event: CallEvent) => {
      published.push(event);
    },
  } as unknown as CallPublisher;
  const controller = new MediaController({
    pool,
    publisher,
    logger: createLogger({ service: 'media-test', level: 'silent' }),
    recordingsDir: '/tmp/media-recordings',
    acceptTimeoutMs: options.acceptTimeoutMs ?? 2_000,
    ...(options.originatesPerSecond === undefined ? {} : { originatesPerSecond: options.originatesPerSecond }),
    ...(options.originateBacklogSeconds === undefined
      ? {}
      : { originateBacklogSeconds: options.originateBacklogSeconds }),
    ...(options.responsiveness === undefined ? {} : { responsiveness: options.responsiveness }),
    placements: {
      claim: async (attemptId, placement) => {
        const existing = placements.get(attemptId);
        if (existing) return existing;
        placements.set(attemptId, placement);
        if (options.claimReplyLost) throw new Error('TIMEOUT');
        return 'claimed';
      },
      release: async (attemptId, callId) => {
        const existing = placements.get(attemptId);
        if (existing !== 'voided' && existing?.callId === callId) placements.set(attemptId, 'voided');
      },
    },
  });
  return {
    controller,
    placements,
    commands,
    bgapiAtMs,
    published,
    settleJob: (r: { ok: boolean; body: string }) => settleJob(r),
  };
}

function channelEvent(name: string, uuid: string, extra: Record<string, string> = {}): EslEvent {
  const headers = new Map<string, string>([['Event-Name', name], ['Unique-ID', uuid], ...Object.entries(extra)]);
  return { name, format: 'plain', uuid, headers, headerList: [...headers] } as unknown as EslEvent;
}

const command = {
  campaignId: 'c1',
  leadId: 'l1',
  attemptId: 'a1',
  destination: '+15550001234',
  gateway: 'carrier1',
  amd: false,
  ringTimeoutMs: 30_000,
};

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('calls.originated is published before the ringing/answer the node reported while Originate waited', async () => {
  const node = scriptedNode();
  const pending = node.controller.originate(command);
  await tick();
  const callId = /origination_uuid=([0-9a-f-]{36})/.exec(node.commands.find((c) => c.startsWith('bgapi')) ?? '')?.[1];
  assert.ok(callId, 'originate sent');
  // CHANNEL_CREATE and CHANNEL_PROGRESS in one read, before Originate's own continuation runs.
  node.controller.onEslEvent('fs1', channelEvent('CHANNEL_CREATE', callId));
  node.controller.onEslEvent('fs1', channelEvent('CHANNEL_PROGRESS', callId));
  node.controller.onEslEvent('fs1', channelEvent('CHANNEL_ANSWER', callId));
  await pending;
  node.settleJob({ ok: true, body: `+OK ${callId}\n` });
  await tick();
  assert.deepEqual(
    node.published.map((e) => e.kind),
    ['originated', 'ringing', 'answered'],
  );
});

test('a gateway the node does not have → FAILED_PRECONDITION GATEWAY_UNKNOWN, nothing dialled', async () => {
  const node = scriptedNode({ gateways: ['carrier1'] });
  await assert.rejects(
    node.controller.originate({ ...command, gateway: 'default' }),
    (error: Error & { reason?: string }) => {
      assert.match(error.message, /gateway default is not configured/);
      return true;
    },
  );
  assert.equal(node.commands.filter((c) => c.startsWith('bgapi')).length, 0);
  assert.deepEqual(node.published, []);
});

test('an attempt is placed once: one its dialer voided is refused, a repeated request gets the same call', async () => {
  const node = scriptedNode();
  node.placements.set('a-void', 'voided');
  await assert.rejects(
    node.controller.originate({ ...command, attemptId: 'a-void' }),
    (error: Error & { reason?: string }) => error.reason === 'ATTEMPT_VOIDED',
  );
  assert.equal(node.commands.filter((c) => c.startsWith('bgapi')).length, 0, 'nothing dialled');
  const first = node.controller.originate(command);
  await tick();
  const callId = /origination_uuid=([0-9a-f-]{36})/.exec(node.commands.find((c) => c.startsWith('bgapi')) ?? '')?.[1];
  assert.ok(callId);
  node.controller.onEslEvent('fs1', channelEvent('CHANNEL_CREATE', callId));
  assert.deepEqual(await first, { callId, node: 'fs1' });
  assert.deepEqual(await node.controller.originate(command), { callId, node: 'fs1' }, 'the same call');
  assert.equal(node.commands.filter((c) => c.startsWith('bgapi')).length, 1, 'dialled once');
});

test('a call its node did not take is not placed: UNAVAILABLE NODE_UNAVAILABLE, and its claim released', async () => {
  const node = scriptedNode({ bgapiError: new Error('connection closed') });
  await assert.rejects(node.controller.originate(command), (error: Error & { reason?: string }) => {
    assert.equal(error.reason, 'NODE_UNAVAILABLE');
    return true;
  });
  assert.equal(node.placements.get(command.attemptId), 'voided', 'the dialer, asking, learns it never went out');
});

test('a claim whose reply is lost: UNAVAILABLE PLACEMENTS_UNAVAILABLE, nothing dialled, and the claim made a void', async () => {
  const node = scriptedNode({ claimReplyLost: true });
  await assert.rejects(
    node.controller.originate(command),
    (error: Error & { reason?: string }) => error.reason === 'PLACEMENTS_UNAVAILABLE',
  );
  assert.equal(node.commands.filter((c) => c.startsWith('bgapi')).length, 0);
  assert.equal(node.placements.get(command.attemptId), 'voided', 'no dialer takes it for a live call');
});

test('CallExists asks the node (uuid_exists), also about a call this media never knew; an unknown node is NOT_FOUND', async () => {
  const gone = scriptedNode({ exists: false });
  assert.equal(await gone.controller.callExists('7831a5e5-80f3-4c75-8528-cce5d0b2f656', 'fs1'), false);
  assert.ok(gone.commands.includes('uuid_exists 7831a5e5-80f3-4c75-8528-cce5d0b2f656'));
  const live = scriptedNode({ exists: true });
  assert.equal(await live.controller.callExists('7831a5e5-80f3-4c75-8528-cce5d0b2f656', 'fs1'), true);
  await assert.rejects(live.controller.callExists('7831a5e5-80f3-4c75-8528-cce5d0b2f656', 'fs9'), /fs9/);
});

async function answeredWithAmd(modules: readonly string[]) {
  const node = scriptedNode({ modules });
  const pending = node.controller.originate({ ...command, amd: true });
  await tick();
  const callId = /origination_uuid=([0-9a-f-]{36})/.exec(node.commands.find((c) => c.startsWith('bgapi')) ?? '')?.[1];
  assert.ok(callId);
  node.controller.onEslEvent('fs1', channelEvent('CHANNEL_CREATE', callId));
  await pending;
  node.controller.onEslEvent('fs1', channelEvent('CHANNEL_ANSWER', callId));
  for (let i = 0; i < 5; i += 1) await tick();
  return { ...node, callId };
}

test('AMD uses what the node has: mod_amd runs `amd` and reads amd_result', async () => {
  const node = await answeredWithAmd(['mod_amd', 'mod_avmd']);
  assert.ok(node.commands.some((c) => c.startsWith(`sendmsg ${node.callId}`) && c.includes('execute-app-name=amd')));
  node.controller.onEslEvent(
    'fs1',
    channelEvent('CHANNEL_EXECUTE_COMPLETE', node.callId, {
      Application: 'amd',
      'Application-Response': '_none_',
      variable_amd_result: 'MACHINE',
    }),
  );
  await tick();
  const amd = node.published.find((e) => e.kind === 'amd');
  assert.equal(amd?.kind === 'amd' ? amd.verdict : undefined, 'machine');
});

test('AMD without mod_amd (FreeSWITCH 1.10.12): avmd listens for the beep, `amd` is never run', async () => {
  const node = await answeredWithAmd(['mod_avmd']);
  assert.ok(node.commands.includes(`avmd ${node.callId} start`), 'avmd started');
  assert.ok(!node.commands.some((c) => c.includes('execute-app-name=amd')), 'the missing amd app is not run');
  node.controller.onEslEvent('fs1', { ...channelEvent('CUSTOM', node.callId), subclass: 'avmd::beep' });
  await tick();
  const amd = node.published.find((e) => e.kind === 'amd');
  assert.equal(amd?.kind === 'amd' ? amd.verdict : undefined, 'machine');
});

test('AMD on a node with no detector: verdict unknown at once', async () => {
  const node = await answeredWithAmd([]);
  const amd = node.published.find((e) => e.kind === 'amd');
  assert.equal(amd?.kind === 'amd' ? amd.verdict : undefined, 'unknown');
  assert.ok(!node.commands.some((c) => c.includes('amd') && !c.startsWith('module_exists')));
});

test('Play of a file the node does not have → FAILED_PRECONDITION FILE_NOT_FOUND', async () => {
  const node = scriptedNode();
  const pending = node.controller.originate(command);
  await tick();
  const callId = /origination_uuid=([0-9a-f-]{36})/.exec(node.commands.find((c) => c.startsWith('bgapi')) ?? '')?.[1];
  assert.ok(callId);
  node.controller.onEslEvent('fs1', channelEvent('CHANNEL_CREATE', callId));
  await pending;
  node.controller.onEslEvent('fs1', channelEvent('CHANNEL_ANSWER', callId));
  const play = node.controller.play(callId, { file: '/no/such.wav' });
  await tick();
  node.controller.onEslEvent(
    'fs1',
    channelEvent('CHANNEL_EXECUTE_COMPLETE', callId, {
      Application: 'playback',
      'Application-Response': 'FILE NOT FOUND',
    }),
  );
  await assert.rejects(play, /no such file/);
  const ok = node.controller.play(callId, { tone: '%(500,500,440)' });
  await tick();
  node.controller.onEslEvent('fs1', channelEvent('PLAYBACK_START', callId, { 'Playback-File-Path': 'x' }));
  await ok;
});

test('originate budget: at most N in any second; the next slot opens when the oldest leaves the window', () => {
  const cases: Array<[number[], number, number, number]> = [
    [[], 0, 2, 0],
    [[0], 500, 2, 500],
    [[0, 100], 500, 2, 1000],
    [[0, 100, 900], 950, 2, 1100],
    [[0, 100], 1200, 2, 1200],
  ];
  for (const [recent, now, perSecond, expected] of cases)
    assert.equal(nextOriginateAtMs(recent, now, perSecond), expected, `${JSON.stringify(recent)} at ${now}`);
});

test('originates are paced per node under the budget instead of being refused by the node', async () => {
  const node = scriptedNode({ originatesPerSecond: 2, acceptTimeoutMs: 10 });
  await Promise.all([0, 1, 2].map((i) => node.controller.originate({ ...command, attemptId: `a${String(i)}` })));
  assert.equal(node.bgapiAtMs.length, 3);
  const [first = 0, , third = 0] = node.bgapiAtMs;
  assert.ok(third - first >= 990, `third originate ${third - first} ms after the first`);
});

test('a node slow to take a call takes no new ones until the hold passes: UNAVAILABLE MEDIA_NODES_BUSY meanwhile', async () => {
  // The node never reports the channel: each Originate returns after the accept timeout (60 ms),
  // slower than the 50 ms that marks a node slow.
  const node = scriptedNode({ acceptTimeoutMs: 60, responsiveness: { slowMs: 50, holdMs: 300 } });
  await node.controller.originate(command);
  await assert.rejects(
    node.controller.originate({ ...command, attemptId: 'a2' }),
    (error: Error & { reason?: string }) => {
      assert.equal(error.constructor.name, 'UnavailableError');
      assert.equal(error.reason, 'MEDIA_NODES_BUSY');
      return true;
    },
  );
  assert.equal(node.bgapiAtMs.length, 1, 'the refused call was not dialled');
  await new Promise((resolve) => setTimeout(resolve, 320));
  await node.controller.originate({ ...command, attemptId: 'a3' });
  assert.equal(node.bgapiAtMs.length, 2, 'taken again once nothing was slow for the hold');
});

test('a command still unanswered past the limit marks its node slow at once (not only when it times out)', async () => {
  const node = scriptedNode({ acceptTimeoutMs: 200, responsiveness: { slowMs: 50, holdMs: 300 } });
  const first = node.controller.originate(command);
  await new Promise((resolve) => setTimeout(resolve, 70));
  await assert.rejects(node.controller.originate({ ...command, attemptId: 'a2' }), /too busy for a new call/);
  await first;
  assert.equal(node.bgapiAtMs.length, 1);
});

test("customer originates beyond the backlog are refused at once instead of queued past the caller's deadline", async () => {
  // 2 a second, 1 s of backlog: two go out, two wait, the fifth is refused.
  const node = scriptedNode({ originatesPerSecond: 2, acceptTimeoutMs: 10, originateBacklogSeconds: 1 });
  const calls = [1, 2, 3, 4].map((n) => node.controller.originate({ ...command, attemptId: `a${String(n)}` }));
  await tick();
  await assert.rejects(
    node.controller.originate({ ...command, attemptId: 'a5' }),
    (error: Error & { reason?: string }) => {
      assert.equal(error.reason, 'MEDIA_NODES_BUSY');
      return true;
    },
  );
  await Promise.all(calls);
  assert.equal(node.bgapiAtMs.length, 4);
});

test('a throttled originate (no channel, DESTINATION_OUT_OF_ORDER) is reported as node overload', async () => {
  const node = scriptedNode({ acceptTimeoutMs: 2_000 });
  const pending = node.controller.originate(command);
  await tick();
  node.settleJob({ ok: false, body: '-ERR DESTINATION_OUT_OF_ORDER\n' });
  await pending;
  for (let i = 0; i < 3; i += 1) await tick();
  const hangup = node.published.find((e) => e.kind === 'hangup');
  assert.equal(hangup?.kind === 'hangup' ? hangup.cause : undefined, CAUSE_NODE_OVERLOADED);
});

test('reconcile: a call placed just now that the lagging core db does not list yet is asked about, not ended', async () => {
  for (const exists of [true, false]) {
    const node = scriptedNode({ acceptTimeoutMs: 10, exists });
    const { callId } = await node.controller.originate(command);
    await node.controller.reconcile('fs1');
    await tick();
    assert.ok(node.commands.includes(`uuid_exists ${callId}`));
    const ended = node.published.some((e) => e.kind === 'hangup');
    assert.equal(ended, !exists, exists ? 'the live call is kept' : 'a call the node does not have is ended');
  }
});

test('originate queue: agent legs go before customers who queued earlier, under the same budget', async () => {
  const queue = new OriginateQueue(20);
  const order: string[] = [];
  const turns = [
    ...Array.from({ length: 22 }, (_, i) => queue.turn('customer').then(() => order.push(`c${String(i + 1)}`))),
  ];
  assert.equal(queue.customersWaiting, 2, 'twenty went at once, two wait for the next second');
  turns.push(queue.turn('agent-leg').then(() => order.push('agent')));
  await Promise.all(turns);
  assert.deepEqual(order.slice(20), ['agent', 'c21', 'c22']);
});
