import assert from 'node:assert/strict';
import { test } from 'node:test';

import { normalizeForSpotting, spotKeywords } from '@outbound/asr';

const SET = new Map([
  ['不需要', 'refusal'],
  ['再考虑', 'thinking'],
  ['价格', 'price'],
  ['退订', 'unsubscribe'],
  ['not interested', 'refusal'],
  ['How much', 'price'],
  ['cost', 'price'],
  ['stop calling', 'unsubscribe'],
]);

test('normalising: case, width, punctuation, spaces between Han characters', () => {
  assert.equal(normalizeForSpotting('  I am NOT   interested!! '), 'i am not interested');
  assert.equal(normalizeForSpotting('不 需 要，谢谢'), '不需要谢谢');
  assert.equal(normalizeForSpotting('ＨＯＷ　ＭＵＣＨ？'), 'how much');
  assert.equal(normalizeForSpotting("don't"), "don't");
});

test('spotting, table of cases', () => {
  const cases: [string, string[]][] = [
    ['I am not interested, stop calling me', ['not interested', 'stop calling']],
    ['How   MUCH does it cost?', ['How much', 'cost']],
    ['the costume is nice', []],
    ['我不需要，谢谢', ['不需要']],
    ['不 需 要 , 我 再 考 虑 一 下', ['不需要', '再考虑']],
    ['这个价格太高了，请帮我退订', ['价格', '退订']],
    ['价格? price? how much?', ['价格', 'How much']],
    ['', []],
    ['   ', []],
  ];
  for (const [text, expected] of cases) {
    assert.deepEqual(
      spotKeywords(text, SET).map((h) => h.keyword),
      expected,
      text,
    );
  }
});

test('hits carry the intent and a count, and a plain object works as a set', () => {
  assert.deepEqual(spotKeywords({ text: '退订 退订! 不需要' }, { 退订: 'unsubscribe', 不需要: 'refusal' }), [
    { keyword: '退订', intent: 'unsubscribe', count: 2 },
    { keyword: '不需要', intent: 'refusal', count: 1 },
  ]);
});

test('an empty keyword or set finds nothing', () => {
  assert.deepEqual(spotKeywords('anything', { '': 'x', '  ': 'y' }), []);
  assert.deepEqual(spotKeywords('anything', new Map()), []);
});
