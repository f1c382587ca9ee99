import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { testUrls, uniqueName } from '@outbound/testkit';
import { Keyspace, createRedis } from '../src/index.js';

// Real Redis (scripts/dev-up).
const redis = createRedis({ url: testUrls.redis, name: 'redis-test' });
after(() => redis.quit());

test('keys follow outbound:<service>:<kind>:<parts> and campaign keys share a hash slot', () => {
  const keys = new Keyspace('dialer');
  assert.equal(keys.key('lease', 'lead-1'), 'outbound:dialer:lease:lead-1');
  assert.equal(keys.campaignKey('c7', 'hopper'), 'outbound:dialer:{c7}:hopper');
  assert.throws(() => keys.key('lease', 'a:b'), /invalid key part/);
  assert.throws(() => keys.key('lease', 'a b'), /invalid key part/);
  assert.throws(() => new Keyspace(''), /invalid key part/);
});

test('counters are atomic under concurrency and expire', async () => {
  const key = new Keyspace('test').key('counter', uniqueName('k'));
  await Promise.all(Array.from({ length: 200 }, () => redis.incr(key)));
  assert.equal(await redis.get(key), '200');
  await redis.pexpire(key, 50_000);
  const ttl = await redis.pttl(key);
  assert.ok(ttl > 0 && ttl <= 50_000, `ttl ${ttl}`);
  await redis.del(key);
});

test('the connection carries its name', async () => {
  const name = await redis.client('GETNAME');
  assert.equal(name, 'redis-test');
});
