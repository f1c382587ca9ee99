import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';

import { adaptationSet, ADAPTATION_SENTENCES, ADAPTATION_VOICES } from '../adapt/sentences.js';
import { readSendump, writeMixtureWeights } from '../adapt/sendump.js';
import { KEYWORDS, reportSet, tuneSet } from '../bench/corpus.js';

const MODEL = '/usr/share/pocketsphinx/model/en-us';

describe('adaptation set', () => {
  test('shares no sentence with the benchmark and holds none of its keyword phrases', () => {
    const bench = new Set([...reportSet(), ...tuneSet()].map((u) => u.text.toLowerCase()));
    for (const s of ADAPTATION_SENTENCES) {
      assert.ok(!bench.has(s), s);
      for (const k of KEYWORDS) assert.ok(!s.includes(k), `${s} holds ${k}`);
    }
  });

  test('is deterministic, and leaving a voice out removes only its utterances', () => {
    const all = adaptationSet();
    assert.deepEqual(adaptationSet(), all);
    assert.equal(new Set(all.map((u) => u.id)).size, all.length);
    assert.deepEqual(new Set(all.map((u) => u.voice)), new Set(ADAPTATION_VOICES));
    const without = adaptationSet(['en+f3']);
    assert.ok(without.length > 0 && !without.some((u) => u.voice === 'en+f3'));
    assert.deepEqual(
      without,
      all.filter((u) => u.voice !== 'en+f3'),
    );
  });

  test('every word is in the engine dictionary', { skip: !existsSync(`${MODEL}/cmudict-en-us.dict`) }, () => {
    const words = new Set(
      readFileSync(`${MODEL}/cmudict-en-us.dict`, 'utf8')
        .split('\n')
        .map((l) => l.split(' ')[0]),
    );
    for (const s of ADAPTATION_SENTENCES) for (const w of s.split(' ')) assert.ok(words.has(w), w);
  });
});

describe('sendump to mixture_weights', { skip: !existsSync(`${MODEL}/en-us/sendump`) }, () => {
  test("reads Debian's en-us weights: 5126 senones, 3 streams, 128 densities, each row a distribution", () => {
    const m = readSendump(readFileSync(`${MODEL}/en-us/sendump`));
    assert.deepEqual([m.senones, m.features, m.densities], [5126, 3, 128]);
    for (const row of [0, 1, 777, m.senones * m.features - 1]) {
      let sum = 0;
      for (let d = 0; d < m.densities; d++) {
        const w = m.weights[row * m.densities + d]!;
        assert.ok(w > 0 && w <= 1);
        sum += w;
      }
      assert.ok(Math.abs(sum - 1) < 1e-4, `row ${row} sums to ${sum}`);
    }
    const file = writeMixtureWeights(m);
    const end = file.indexOf('endhdr\n') + 'endhdr\n'.length;
    assert.equal(file.readUInt32LE(end), 0x11223344);
    assert.deepEqual(
      [1, 2, 3, 4].map((i) => file.readUInt32LE(end + 4 * i)),
      [5126, 3, 128, m.weights.length],
    );
    assert.equal(file.length, end + 20 + 4 * m.weights.length);
  });

  test('refuses a file whose size does not match its dimensions', () => {
    const bytes = readFileSync(`${MODEL}/en-us/sendump`);
    assert.throws(() => readSendump(bytes.subarray(0, bytes.length - 1)), /size/);
  });
});
