import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LinePool, type LineSpec } from '../../src/domain/line-pool.js';

const lines: LineSpec[] = [
  { name: 'a', gateway: 'carrier-a', lineClass: 'standard', channels: 3, callsPerSecond: 100, backup: 'b' },
  { name: 'b', gateway: 'carrier-b', lineClass: 'standard', channels: 2, callsPerSecond: 100 },
  { name: 'p', gateway: 'carrier-p', lineClass: 'premium', channels: 1, callsPerSecond: 100, backup: 'a' },
];
const options = { windowMs: 60_000, minCalls: 10, failureLimit: 0.1, probationMs: 30_000, probeCalls: 3 };

test('line pool: channels and calls per second are held per line; a class goes to its lines, then their backups', () => {
  const pool = new LinePool(lines, options);
  const taken = Array.from({ length: 6 }, () => pool.take('standard', 0)?.name);
  assert.deepEqual(taken, ['a', 'a', 'a', 'b', 'b', undefined]);
  assert.equal(pool.free('standard', 0), 0);
  pool.ended('a', 'answered', 10);
  assert.equal(pool.free('standard', 10), 1);
  assert.equal(pool.take('premium', 10)?.name, 'p');
  assert.equal(pool.take('premium', 10)?.name, 'a', 'premium overflows to its backup');
  const slow = new LinePool([{ name: 's', gateway: 'g', lineClass: 'standard', channels: 10, callsPerSecond: 2 }]);
  assert.deepEqual(
    [slow.take('standard', 0), slow.take('standard', 0), slow.take('standard', 0)].map((l) => l?.name),
    ['s', 's', undefined],
  );
  assert.equal(slow.take('standard', 500)?.name, 's', 'half a second later one more token');
});

test('line pool: failures reaching 10 % take a line out, its traffic moves to the backup, probation brings it back', () => {
  const pool = new LinePool(lines, options);
  let now = 0;
  const call = (result: 'answered' | 'unanswered' | 'failed') => {
    const line = pool.take('standard', now)!;
    now += 100;
    return { line: line.name, change: pool.ended(line.name, result, now) };
  };
  // 9 good calls, then the 10th fails: 1 of 10 = 10 % — out.
  for (let i = 0; i < 9; i++) assert.equal(call(i % 2 ? 'answered' : 'unanswered').change, undefined);
  const out = call('failed');
  assert.equal(out.change?.state, 'out');
  assert.equal(out.change?.line, 'a');
  assert.ok(Math.abs(out.change.failureRate - 0.1) < 1e-9);
  assert.ok(Math.abs(out.change.asr - 0.4) < 1e-9);
  assert.equal(pool.take('standard', now)?.name, 'b', 'traffic moves to the backup');
  pool.ended('b', 'answered', now);
  assert.deepEqual(pool.tick(now + 29_000), [], 'still resting');
  const probation = pool.tick(now + 30_000);
  assert.deepEqual(
    probation.map((h) => [h.line, h.state]),
    [['a', 'probation']],
  );
  now += 30_000;
  // Three probe calls at most, all fine: back in.
  const probes = [pool.take('standard', now), pool.take('standard', now), pool.take('standard', now)];
  assert.deepEqual(
    probes.map((l) => l?.name),
    ['a', 'a', 'a'],
  );
  assert.equal(pool.take('standard', now)?.name, 'b', 'no fourth probe while three are out');
  assert.equal(pool.ended('a', 'answered', now), undefined);
  assert.equal(pool.ended('a', 'unanswered', now), undefined);
  assert.equal(pool.ended('a', 'answered', now)?.state, 'in');
  // A failed probe sends it back out for another rest.
  const again = new LinePool(lines, { ...options, minCalls: 1 });
  again.take('standard', 0);
  assert.equal(again.ended('a', 'failed', 1)?.state, 'out');
  again.tick(30_001);
  again.take('standard', 30_001);
  assert.equal(again.ended('a', 'failed', 30_002)?.state, 'out');
});

test('line pool: old calls leave the window; a bad backup reference is refused at construction', () => {
  const pool = new LinePool(lines, { ...options, minCalls: 2 });
  pool.take('standard', 0);
  pool.ended('a', 'failed', 0);
  pool.take('standard', 70_000);
  // The failure is older than the window: one good call of one, not out.
  assert.equal(pool.ended('a', 'answered', 70_000), undefined);
  assert.equal(pool.health().find((h) => h.line === 'a')?.failureRate, 0);
  assert.throws(() => new LinePool([{ ...lines[0]!, backup: 'nowhere' }]), /backup nowhere is not a line/);
  assert.throws(() => new LinePool([lines[1]!, lines[1]!]), /declared twice/);
});

test('line pool: replicas sharing the lines each keep to their part of the channels and calls per second', () => {
  const pool = new LinePool([{ name: 's', gateway: 'g', lineClass: 'standard', channels: 10, callsPerSecond: 4 }]);
  pool.shareWith(2);
  // Half of 4 calls per second: two now, then one more each half second.
  assert.deepEqual(
    [pool.take('standard', 1_000), pool.take('standard', 1_000), pool.take('standard', 1_000)].map((l) => l?.name),
    ['s', 's', undefined],
  );
  for (let t = 1_500; t <= 2_500; t += 500) assert.equal(pool.take('standard', t)?.name, 's');
  // Half of 10 channels: five in use, none left however long one waits.
  assert.equal(pool.take('standard', 60_000), undefined);
  assert.equal(pool.free('standard', 60_000), 0);
  pool.shareWith(1);
  assert.equal(pool.free('standard', 120_000), 4, 'alone again: the whole line (tokens allowing)');
  const tiny = new LinePool([{ name: 't', gateway: 'g', lineClass: 'standard', channels: 1, callsPerSecond: 1 }]);
  tiny.shareWith(3);
  assert.equal(tiny.take('standard', 0)?.name, 't', 'every replica keeps at least one channel');
});
