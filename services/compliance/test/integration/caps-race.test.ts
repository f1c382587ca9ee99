import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { createRedis } from '@outbound/redis';
import { testUrls, uniqueName } from '@outbound/testkit';

const worker = new URL('../fixtures/race-worker.js', import.meta.url).pathname;
const redis = createRedis({ url: testUrls.redis, name: 'caps-race-test' });
after(() => redis.disconnect());

async function race(
  scenario: 'same-number' | 'same-caller-id',
  processes: number,
  attemptsEach: number,
): Promise<{ reserved: number; prefix: string }> {
  const prefix = uniqueName('race');
  const children: ChildProcess[] = [];
  const lines: Array<AsyncIterator<string>> = [];
  for (let w = 0; w < processes; w++) {
    const child = spawn(process.execPath, [worker, prefix, scenario, String(attemptsEach), String(w)], {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...process.env, REDIS_URL: testUrls.redis },
    });
    children.push(child);
    lines.push(createInterface({ input: child.stdout })[Symbol.asyncIterator]());
  }
  for (const it of lines) assert.equal((await it.next()).value, 'ready');
  for (const child of children) child.stdin!.end('go\n');
  let reserved = 0;
  for (const it of lines) reserved += (JSON.parse((await it.next()).value as string) as { reserved: number }).reserved;
  await Promise.all(children.map((c) => (c.exitCode === null ? once(c, 'exit') : Promise.resolve())));
  return { reserved, prefix };
}

test('race: 4 processes × 25 concurrent checks for one number (cap 3 a day) reserve exactly 3', async () => {
  const { reserved, prefix } = await race('same-number', 4, 25);
  assert.equal(reserved, 3);
  const keys = await redis.keys(`${prefix}:compliance:attempts:*`);
  assert.equal(keys.length, 1);
  const ttl = await redis.pttl(keys[0]!);
  assert.ok(ttl > 0 && ttl <= 86_400_000, 'the attempts key expires');
});

test('race: 4 processes × 20 checks of different numbers on one caller ID (cap 50 a day) reserve exactly 50', async () => {
  const { reserved } = await race('same-caller-id', 4, 20);
  assert.equal(reserved, 50);
});
