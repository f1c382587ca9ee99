import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createApp } from '../src/app.js';
import { parseScenario } from '../src/domain/scenario.js';
import type { GroundTruthRecord } from '../src/engine/switch-core.js';
import { eventOf } from './trace-frames.js';
import { eslClient } from './esl-client.js';

const scenario = parseScenario({
  rules: [
    {
      outcomes: [
        { outcome: 'human', weight: 2, ringMs: { min: 10, max: 60 }, talkMs: { min: 20, max: 80 } },
        { outcome: 'busy', weight: 1, ringMs: { min: 10, max: 40 } },
        { outcome: 'no_answer', weight: 1 },
      ],
    },
  ],
});

// originate_timeout counts wall-clock seconds (up to a second short, as FreeSWITCH does): 2 leaves at
// least a full second, so the 60 ms rings always answer whatever the phase of the clock.
async function runCalls(seed: number, calls: number): Promise<GroundTruthRecord[]> {
  const truth: GroundTruthRecord[] = [];
  const app = createApp({
    host: '127.0.0.1',
    port: 0,
    password: 'ClueCon',
    scenario,
    seed,
    onTruth: (r) => truth.push(r),
  });
  const { port } = await app.start();
  const c = await eslClient(port);
  for (let i = 0; i < calls; i += 1) {
    c.socket.write(
      `bgapi originate {origination_uuid=00000000-0000-4000-8000-${String(i).padStart(12, '0')},originate_timeout=2}sofia/external/1380000${String(i).padStart(4, '0')}@127.0.0.1:5090 &park()\n\n`,
    );
  }
  await c.until(() => truth.length === calls, 20_000);
  c.socket.destroy();
  await app.stop();
  return truth.sort((a, b) => a.uuid.localeCompare(b.uuid));
}

describe('switch-sim over TCP', () => {
  it('same seed → same ground truth (outcomes, causes, amd)', async () => {
    const shape = (records: GroundTruthRecord[]) => records.map((r) => [r.uuid, r.number, r.outcome, r.cause, r.amd]);
    const first = await runCalls(42, 20);
    const second = await runCalls(42, 20);
    assert.deepEqual(shape(first), shape(second));
    assert.ok(
      first.every((r) => /^\d{3}\*{4}\d{4}$/.test(r.number)),
      'numbers are masked',
    );
  });

  it('fans every event out to many concurrent subscribers, honouring filters', async () => {
    const app = createApp({ host: '127.0.0.1', port: 0, password: 'ClueCon', scenario, seed: 3 });
    const { port } = await app.start();
    const clients = await Promise.all(Array.from({ length: 25 }, () => eslClient(port)));
    const filtered = clients[0];
    assert.ok(filtered);
    const uuid = '00000000-0000-4000-8000-00000000abcd';
    filtered.socket.write(`filter Unique-ID ${uuid}\n\n`);
    await filtered.until(() => filtered.frames().length >= 4);
    const caller = clients[1];
    assert.ok(caller);
    caller.socket.write(
      `bgapi originate {origination_uuid=${uuid},originate_timeout=1}sofia/external/1@127.0.0.1:5090 &park()\n\n`,
    );
    caller.socket.write('bgapi originate {originate_timeout=1}sofia/external/2@127.0.0.1:5090 &park()\n\n');
    const destroyed = (frames: ReturnType<typeof caller.frames>, id?: string) =>
      frames
        .map(eventOf)
        .filter(
          (e) =>
            e?.name === 'CHANNEL_DESTROY' &&
            (id === undefined || e.headers.some(([n, v]) => n === 'Unique-ID' && v === id)),
        ).length;
    for (const c of clients.slice(1)) await c.until(() => destroyed(c.frames()) === 2);
    await filtered.until(() => destroyed(filtered.frames(), uuid) === 1);
    assert.equal(destroyed(filtered.frames()), 1, 'the filtered connection sees only its call');
    for (const c of clients) c.socket.destroy();
    await app.stop();
  });
});
