import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { maskPhone } from '@outbound/phone/mask';
import { maskName } from '@outbound/telemetry';
import { DecryptError, PiiCipher, dialString } from '../../src/adapters/pii-cipher.js';
import { loadConfig } from '@outbound/config';
import { configShape } from '../../src/config.js';

const k1 = { id: 'k1', key: randomBytes(32) };
const k2 = { id: 'k2', key: randomBytes(32) };
const blind = randomBytes(32);

test('seal/open round trip; ciphertext holds neither number nor name', () => {
  const cipher = new PiiCipher([k1], 'k1', blind);
  const sealed = cipher.seal({ e164: '+8613800138000', extension: '', name: '张三' });
  assert.ok(!sealed.includes(Buffer.from('13800138000')) && !sealed.includes(Buffer.from('张三')));
  assert.deepEqual(cipher.open(sealed), { e164: '+8613800138000', extension: '', name: '张三' });
  assert.notDeepEqual(
    cipher.seal({ e164: '+8613800138000', extension: '', name: '张三' }),
    sealed,
    'fresh IV per value',
  );
});

test('an extension is sealed with its number and opens apart from it; a value sealed before extensions existed still opens', () => {
  const cipher = new PiiCipher([k1], 'k1', blind);
  const pii = { e164: '+861065529988', extension: '8001', name: '王五' };
  assert.deepEqual(cipher.open(cipher.seal(pii)), pii);
  assert.deepEqual(cipher.open(cipher.seal({ ...pii, extension: '' })), { ...pii, extension: '' });
  assert.equal(dialString('+861065529988', '8001'), '+861065529988;ext=8001');
  assert.equal(dialString('+861065529988', ''), '+861065529988');
});

test('key rotation: new values use the active key, old key ids still open', () => {
  const old = new PiiCipher([k1], 'k1', blind).seal({ e164: '+8613900139000', extension: '', name: 'Li' });
  const rotated = new PiiCipher([k1, k2], 'k2', blind);
  const fresh = rotated.seal({ e164: '+8613900139000', extension: '', name: 'Li' });
  assert.deepEqual([PiiCipher.keyIdOf(old), PiiCipher.keyIdOf(fresh)], ['k1', 'k2']);
  assert.deepEqual(rotated.open(old), { e164: '+8613900139000', extension: '', name: 'Li' });
  assert.throws(() => new PiiCipher([k2], 'k2', blind).open(old), DecryptError);
  const tampered = Buffer.from(fresh);
  tampered[tampered.length - 1]! ^= 1;
  assert.throws(() => rotated.open(tampered), DecryptError);
});

test('blind index: equal numbers match, keyed, and external id changes the dedup key', () => {
  const a = new PiiCipher([k1], 'k1', blind);
  assert.deepEqual(a.blindIndex('+8613800138000'), a.blindIndex('+8613800138000'));
  assert.notDeepEqual(
    a.blindIndex('+8613800138000'),
    new PiiCipher([k1], 'k1', randomBytes(32)).blindIndex('+8613800138000'),
  );
  assert.notDeepEqual(a.blindIndex('+8613800138000', 'C1'), a.blindIndex('+8613800138000'));
  assert.equal(a.blindIndex('+8613800138000').length, 16, 'the first 128 bits of the HMAC');
});

test('masking as shown to callers without permission', () => {
  assert.equal(maskPhone('+8613800138000'), '+86138****8000');
  assert.equal(maskName('欧阳娜娜'), '欧***');
});

test('config: a bad key names its variable and does not echo it', () => {
  const env = { PII_KEYS: 'k1:notbase64', BLIND_INDEX_KEY: 'short' };
  assert.throws(
    () => loadConfig(configShape, env),
    (error: Error) =>
      /PII_KEYS: key k1 must be 32 bytes/.test(error.message) &&
      /BLIND_INDEX_KEY/.test(error.message) &&
      !error.message.includes('notbase64'),
  );
  const good = loadConfig(configShape, {
    PII_KEYS: `k1:${k1.key.toString('base64')},k2:${k2.key.toString('base64')}`,
    BLIND_INDEX_KEY: blind.toString('base64'),
  });
  assert.deepEqual(
    good.piiKeys.map((k) => k.id),
    ['k1', 'k2'],
  );
});
