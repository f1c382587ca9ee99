import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizePhrase } from '@outbound/asr';
import { mayAccess } from '../../src/domain/access.js';
import {
  hitsFromKeywordMode,
  intentsOf,
  interleave,
  mergeHits,
  segmentsOf,
  spellablePhrases,
} from '../../src/domain/analysis.js';
import { Keyring, SealError, parseKeyring, sealedKeyId } from '../../src/domain/crypto.js';
import { DEFAULT_KEYWORDS, defaultPolicy, policyProblems, startsOn } from '../../src/domain/policy.js';
import { isExpired, retainUntil } from '../../src/domain/retention.js';
import { inWindow, parseWindow } from '../../src/domain/window.js';

const k1 = { id: 'k1', key: Buffer.alloc(32, 1) };
const k2 = { id: 'k2', key: Buffer.alloc(32, 2) };
const wav = Buffer.from('RIFF....WAVEfmt some audio bytes that stand for a call');

test('seal → open round trip; the sealed bytes name their key and hold no plain text', () => {
  const ring = new Keyring([k1, k2]);
  assert.equal(ring.activeKeyId, 'k2', 'the last key is active by default');
  const sealed = ring.seal(wav, 'rec-1');
  assert.equal(sealedKeyId(sealed), 'k2');
  assert.equal(sealed.indexOf(Buffer.from('some audio')), -1);
  assert.deepEqual(ring.open(sealed, 'rec-1'), wav);
  // Two seals of the same bytes differ (fresh IV each time).
  assert.notDeepEqual(ring.seal(wav, 'rec-1'), sealed);
});

test('a changed byte anywhere, or another recording id, is refused as TAMPERED', () => {
  const ring = new Keyring([k1]);
  const sealed = ring.seal(wav, 'rec-1');
  for (const at of [sealed.length - 1, 8, 20]) {
    const bad = Buffer.from(sealed);
    bad[at]! ^= 0x01;
    assert.throws(
      () => ring.open(bad, 'rec-1'),
      (e: unknown) => e instanceof SealError && e.code === 'TAMPERED',
    );
  }
  assert.throws(
    () => ring.open(sealed, 'rec-2'),
    (e: unknown) => e instanceof SealError && e.code === 'TAMPERED',
  );
});

test('a key id not in the keyring is refused as UNKNOWN_KEY; rotation keeps old files readable', () => {
  const old = new Keyring([k1]);
  const sealedOld = old.seal(wav, 'rec-1');
  const rotated = new Keyring([k1, k2]);
  assert.equal(rotated.activeKeyId, 'k2');
  assert.deepEqual(rotated.open(sealedOld, 'rec-1'), wav, 'k1 files still open after k2 became active');
  const onlyNew = new Keyring([k2]);
  assert.throws(
    () => onlyNew.open(sealedOld, 'rec-1'),
    (e: unknown) => e instanceof SealError && e.code === 'UNKNOWN_KEY',
  );
  assert.throws(
    () => rotated.open(Buffer.from('not sealed at all'), 'rec-1'),
    (e: unknown) => e instanceof SealError && e.code === 'MALFORMED',
  );
  assert.throws(() => new Keyring([k1], 'k9'), /active key/);
});

test('keyring configuration: problems named without echoing secrets', () => {
  const good = parseKeyring(`k1:${k1.key.toString('base64')}, k2:${k2.key.toString('base64')}`);
  assert.deepEqual(good.problems, []);
  assert.deepEqual(
    good.keys.map((k) => k.id),
    ['k1', 'k2'],
  );
  const bad = parseKeyring(`k1:c2hvcnQ=,bad id:${k1.key.toString('base64')},k1:${k1.key.toString('base64')}`);
  assert.equal(bad.problems.length, 2);
  assert.match(bad.problems[0]!, /k1 must be 32 bytes/);
  assert.ok(bad.problems.every((p) => !p.includes('c2hvcnQ')));
  assert.deepEqual(parseKeyring('').problems, ['must hold at least one key']);
});

test('retention: calendar days in UTC (a leap year keeps its extra day); due at the instant', () => {
  const start = Date.parse('2027-03-01T10:00:00Z');
  assert.equal(retainUntil(start, 365).toISOString(), '2028-02-29T10:00:00.000Z');
  assert.equal(retainUntil(start, 1095).toISOString(), '2030-02-28T10:00:00.000Z');
  const until = retainUntil(start, 1).getTime();
  assert.equal(isExpired(until, until - 1), false);
  assert.equal(isExpired(until, until), true);
});

test('policy: defaults, finance kept ≥ 3 years, duplicate phrases refused, start event by mode', () => {
  const finance = defaultPolicy('c1', { mode: 'on_answer', retentionDays: 365, industry: 'finance' });
  assert.equal(finance.retentionDays, 1095);
  assert.equal(defaultPolicy('c1', { mode: 'off', retentionDays: 365, industry: 'general' }).retentionDays, 365);
  assert.deepEqual(
    policyProblems({ campaignId: 'c', mode: 'on_answer', retentionDays: 365, industry: 'finance', keywords: [] }).map(
      (p) => p.field,
    ),
    ['retention_days'],
  );
  assert.deepEqual(
    policyProblems({
      campaignId: 'c',
      mode: 'on_answer',
      retentionDays: 30,
      industry: 'general',
      keywords: [
        { phrase: 'Price', intent: 'price' },
        { phrase: 'price ', intent: 'price' },
      ],
    }).map((p) => p.field),
    ['keywords[1].phrase'],
  );
  assert.equal(startsOn('on_answer'), 'answered');
  assert.equal(startsOn('on_bridge'), 'bridged');
  assert.equal(startsOn('off'), undefined);
});

test('low-priority window: plain and past midnight, on the zone wall clock', () => {
  const night = parseWindow('22:00-06:00');
  assert.ok(typeof night !== 'string');
  const at = (iso: string) => Date.parse(iso);
  assert.equal(inWindow(night, 'UTC', at('2026-12-04T23:30:00Z')), true);
  assert.equal(inWindow(night, 'UTC', at('2026-12-04T05:59:00Z')), true);
  assert.equal(inWindow(night, 'UTC', at('2026-12-04T06:00:00Z')), false);
  // 15:00 UTC is 23:00 in Shanghai.
  assert.equal(inWindow(night, 'Asia/Shanghai', at('2026-12-04T15:00:00Z')), true);
  assert.equal(inWindow(undefined, 'UTC', 0), true);
  const day = parseWindow('09:00-17:30');
  assert.ok(typeof day !== 'string');
  assert.equal(inWindow(day, 'UTC', at('2026-12-04T17:29:00Z')), true);
  assert.equal(inWindow(day, 'UTC', at('2026-12-04T17:30:00Z')), false);
  for (const bad of ['22-06', '25:00-01:00', '10:00-10:00']) assert.equal(typeof parseWindow(bad), 'string', bad);
});

test('segments split at pauses, sides interleaved by time', () => {
  const w = (word: string, startMs: number, endMs: number) => ({ word, startMs, endMs });
  const customer = segmentsOf([w('not', 1000, 1200), w('interested', 1200, 1800), w('bye', 4000, 4300)], 'customer');
  assert.deepEqual(
    customer.map((s) => [s.text, s.startMs, s.endMs]),
    [
      ['not interested', 1000, 1800],
      ['bye', 4000, 4300],
    ],
  );
  const agent = segmentsOf([w('hello', 200, 600)], 'agent');
  assert.deepEqual(
    interleave(customer, agent).map((s) => s.speaker),
    ['agent', 'customer', 'customer'],
  );
});

test('intents: keyword mode and free text merged per keyword (the larger count), tags by frequency', () => {
  const keywords = DEFAULT_KEYWORDS;
  const spotted = hitsFromKeywordMode(
    [
      { word: 'not interested', startMs: 0, endMs: 1 },
      { word: 'NOT INTERESTED', startMs: 5, endMs: 6 },
      { word: 'price', startMs: 9, endMs: 10 },
    ],
    keywords,
    normalizePhrase,
  );
  assert.deepEqual(spotted, [
    { keyword: 'not interested', intent: 'not_interested', count: 2 },
    { keyword: 'price', intent: 'price', count: 1 },
  ]);
  const merged = mergeHits(
    [
      { keyword: 'not interested', intent: 'not_interested', count: 1 },
      { keyword: '退订', intent: 'unsubscribe', count: 1 },
    ],
    spotted,
  );
  assert.deepEqual(intentsOf(merged), [
    { tag: 'not_interested', count: 2 },
    { tag: 'price', count: 1 },
    { tag: 'unsubscribe', count: 1 },
  ]);
  assert.deepEqual(spellablePhrases(keywords), [
    'not interested',
    "don't need",
    'think about it',
    'price',
    'how much',
    'unsubscribe',
    'stop calling',
  ]);
});

test('access: supervisors, compliance and admins reach all; an agent only the calls they took', () => {
  assert.equal(mayAccess({ id: 's1', role: 'supervisor' }, {}).allowed, true);
  assert.equal(mayAccess({ id: 'c1', role: 'compliance' }, {}).allowed, true);
  assert.equal(mayAccess({ id: 'a1', role: 'agent' }, { agentId: 'a1' }).allowed, true);
  assert.equal(mayAccess({ id: 'a1', role: 'agent' }, { agentId: 'a2' }).allowed, false);
  assert.equal(mayAccess({ id: 'a1', role: 'agent' }, {}).allowed, false);
});
