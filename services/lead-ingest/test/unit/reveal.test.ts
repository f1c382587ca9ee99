import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { PermissionDeniedError } from '@outbound/errors';
import { parseTokenGrants } from '../../src/domain/grants.js';
import { RevealPolicy } from '../../src/domain/reveal.js';

const sha = (token: string) => createHash('sha256').update(token).digest('hex');

test('grants parse from name:sha256hex pairs; bad entries are named, never echoed', () => {
  const { grants, problems } = parseTokenGrants(`ops:${sha('t1')}, auditor.2:${sha('t2')}`);
  assert.deepEqual(
    grants.map((g) => g.principal),
    ['ops', 'auditor.2'],
  );
  assert.deepEqual(problems, []);
  const bad = parseTokenGrants(`ops:${sha('t1').toUpperCase()},nohash,:${sha('x')},ok:12`);
  assert.equal(bad.grants.length, 0);
  assert.deepEqual(bad.problems, [
    'the hash of ops must be 64 lower-case hex digits (SHA-256 of the token)',
    'entry 2 must be name:sha256hex with a short name',
    'entry 3 must be name:sha256hex with a short name',
    'the hash of ok must be 64 lower-case hex digits (SHA-256 of the token)',
  ]);
});

test('masked unless asked; asking needs a granted token; the principal names who saw', () => {
  const policy = new RevealPolicy(parseTokenGrants(`ops:${sha('t1')},qa:${sha('t2')}`).grants);
  assert.equal(policy.principalFor(false, undefined), undefined);
  assert.equal(policy.principalFor(false, 't1'), undefined);
  assert.equal(policy.principalFor(true, 't1'), 'ops');
  assert.equal(policy.principalFor(true, 't2'), 'qa');
  assert.throws(() => policy.principalFor(true, undefined), PermissionDeniedError);
  assert.throws(() => policy.principalFor(true, 't3'), PermissionDeniedError);
  assert.throws(() => new RevealPolicy([]).principalFor(true, 't1'), PermissionDeniedError);
});
