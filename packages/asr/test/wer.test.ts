import assert from 'node:assert/strict';
import { test } from 'node:test';

import { normalizeWords, numberToWords, wordErrorRate, wordErrors } from '@outbound/asr';

test('numbers are spelt out', () => {
  assert.equal(numberToWords(0), 'zero');
  assert.equal(numberToWords(42), 'forty two');
  assert.equal(numberToWords(105), 'one hundred five');
  assert.equal(numberToWords(2026), 'two thousand twenty six');
  assert.deepEqual(normalizeWords('It costs 20 Dollars, OK?'), ['it', 'costs', 'twenty', 'dollars', 'ok']);
  assert.deepEqual(normalizeWords("'quoted' don't"), ['quoted', "don't"]);
});

test('word errors: substitutions, deletions, insertions', () => {
  assert.deepEqual(wordErrors('stop calling me', 'stop calling me'), {
    substitutions: 0,
    deletions: 0,
    insertions: 0,
    referenceWords: 3,
  });
  assert.deepEqual(wordErrors('stop calling me', 'stop falling me'), {
    substitutions: 1,
    deletions: 0,
    insertions: 0,
    referenceWords: 3,
  });
  assert.deepEqual(wordErrors('stop calling me', 'stop me'), {
    substitutions: 0,
    deletions: 1,
    insertions: 0,
    referenceWords: 3,
  });
  assert.deepEqual(wordErrors('stop calling me', 'please stop calling me now'), {
    substitutions: 0,
    deletions: 0,
    insertions: 2,
    referenceWords: 3,
  });
  assert.deepEqual(wordErrors('a b', ''), { substitutions: 0, deletions: 2, insertions: 0, referenceWords: 2 });
  assert.deepEqual(wordErrors('', 'a'), { substitutions: 0, deletions: 0, insertions: 1, referenceWords: 0 });
});

test('corpus word error rate sums errors over reference words', () => {
  assert.equal(
    wordErrorRate([
      { reference: 'How much does it cost?', hypothesis: 'how much does it cost' },
      { reference: 'call me back later', hypothesis: 'call me back' },
      { reference: 'I have 2 dogs', hypothesis: 'i have two dogs' },
    ]),
    1 / 13,
  );
  assert.equal(wordErrorRate([]), 0);
});
