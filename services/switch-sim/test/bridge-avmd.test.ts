import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createApp } from '../src/app.js';
import { parseScenario } from '../src/domain/scenario.js';
import { CORE_DB_LAG_MS } from '../src/engine/call-leg.js';
import type { GroundTruthRecord } from '../src/engine/switch-core.js';
import type { EventView } from './trace-frames.js';
import { eslClient } from './esl-client.js';

const scenario = parseScenario({
  rules: [{ outcomes: [{ outcome: 'machine', ringMs: 20, beepMs: 150 }] }],
  agents: { answerMs: { min: 100, max: 300 } },
});

const header = (event: EventView, name: string): string | undefined => event.headers.find(([n]) => n === name)?.[1];
const is =
  (name: string, uuid: string, subclass?: string) =>
  (e: EventView): boolean =>
    e.name === name &&
    header(e, 'Unique-ID') === uuid &&
    (subclass === undefined || header(e, 'Event-Subclass') === subclass);

describe('bridging to agents and answering-machine beeps', () => {
  it('&bridge(user/<agent>): the agent answers within agents.answerMs, show calls pairs the legs, killing A hangs up B', async () => {
    const truth: GroundTruthRecord[] = [];
    const app = createApp({
      host: '127.0.0.1',
      port: 0,
      password: 'ClueCon',
      scenario,
      seed: 7,
      onTruth: (r) => truth.push(r),
    });
    const { port } = await app.start();
    const c = await eslClient(port);
    const a = '00000000-0000-4000-8000-0000000000a1';
    c.socket.write(
      `bgapi originate {origination_uuid=${a},originate_timeout=5}sofia/external/13800000001@127.0.0.1:5090 &bridge(user/1001)\n\n`,
    );
    await c.until(() => c.events().some(is('CHANNEL_BRIDGE', a)));
    const bridge = c.events().find(is('CHANNEL_BRIDGE', a));
    const b = bridge === undefined ? undefined : header(bridge, 'Bridge-B-Unique-ID');
    assert.ok(b !== undefined && b !== a, 'CHANNEL_BRIDGE names the agent leg');
    const agentLeg = c.events().find(is('CHANNEL_ANSWER', b));
    assert.equal(agentLeg === undefined ? undefined : header(agentLeg, 'Channel-Name'), 'user/1001');

    // `show` reads FreeSWITCH's core db, which trails the channel's events by CORE_DB_LAG_MS.
    await new Promise((resolve) => setTimeout(resolve, CORE_DB_LAG_MS + 20));
    c.socket.write('api show calls as json\n\n');
    await c.until(() => c.frames().some((f) => f.body.startsWith('{"row_count"')));
    const calls = JSON.parse(c.frames().find((f) => f.body.startsWith('{"row_count"'))?.body ?? '{}') as {
      row_count: number;
      rows: Array<Record<string, string>>;
    };
    assert.equal(calls.row_count, 1);
    assert.equal(calls.rows[0]?.['uuid'], a);
    assert.equal(calls.rows[0]?.['b_uuid'], b);

    c.socket.write(`api uuid_kill ${a}\n\n`);
    await c.until(
      () => c.events().some(is('CHANNEL_HANGUP_COMPLETE', a)) && c.events().some(is('CHANNEL_HANGUP_COMPLETE', b)),
    );
    assert.ok(c.events().some(is('CHANNEL_UNBRIDGE', a)), 'A unbridges');
    await c.until(() => truth.length === 2);
    const agent = truth.find((r) => r.uuid === b);
    assert.ok(
      agent !== undefined && agent.ringMs >= 100 && agent.ringMs <= 300 + 100,
      `agent answer time ${agent?.ringMs ?? '?'} ms within agents.answerMs`,
    );
    c.socket.destroy();
    await app.stop();
  });

  it('a machine beep (beepMs) is reported as CUSTOM avmd::beep only while avmd runs', async () => {
    const app = createApp({ host: '127.0.0.1', port: 0, password: 'ClueCon', scenario, seed: 7 });
    const { port } = await app.start();
    const c = await eslClient(port);
    const listening = '00000000-0000-4000-8000-0000000000b1';
    const deaf = '00000000-0000-4000-8000-0000000000b2';
    for (const uuid of [listening, deaf]) {
      c.socket.write(
        `bgapi originate {origination_uuid=${uuid},originate_timeout=5}sofia/external/13800000002@127.0.0.1:5090 &park()\n\n`,
      );
    }
    await c.until(() => c.events().some(is('CHANNEL_PARK', listening)));
    c.socket.write(`api avmd ${listening} start\n\n`);
    await c.until(() => c.events().some(is('CUSTOM', listening, 'avmd::beep')));
    // The other call's beep time has passed too by now (same plan, same moment): it must stay silent.
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(c.events().filter(is('CUSTOM', deaf, 'avmd::beep')).length, 0, 'no avmd, no beep event');
    assert.equal(c.events().filter(is('CUSTOM', listening, 'avmd::beep')).length, 1, 'one beep event');
    c.socket.destroy();
    await app.stop();
  });
});
