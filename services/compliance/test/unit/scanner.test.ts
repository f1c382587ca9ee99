import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SensitiveWordScanner } from '../../src/domain/scanner.js';
import { allPackVersions } from '../../src/domain/packs/index.js';

const scanner = new SensitiveWordScanner(allPackVersions);

test('scanner: finance words with code-point positions, in order', () => {
  const text = '您好，这款产品保证收益，而且保本保息。';
  const hits = scanner.scan('finance', text);
  assert.deepEqual(
    hits.map((h) => [h.word, h.start, h.end]),
    [
      ['保证收益', 7, 11],
      ['保本保息', 14, 18],
    ],
  );
  assert.equal([...text].slice(7, 11).join(''), '保证收益');
  assert.match(hits[0]!.list, /^CN@\d{4}-\d{2}\/finance$/);
});

test('scanner: positions count code points, so an emoji before a hit does not shift it by two', () => {
  const hits = scanner.scan('education', '😀百分百提分');
  assert.deepEqual(
    hits.map((h) => [h.start, h.end]),
    [[1, 6]],
  );
});

test('scanner: repeated words are all found; other industries’ words are not', () => {
  assert.equal(scanner.scan('education', '保过，真的保过').length, 2);
  assert.equal(scanner.scan('education', '保证收益').length, 0);
  assert.equal(scanner.scan('unknown-industry', '保证收益').length, 0);
});

test('scanner: Latin-script words match in any case and only where a word starts; Chinese anywhere', () => {
  const hits = (text: string) => scanner.scan('finance', text).map((h) => [h.word, h.start, h.end]);
  assert.deepEqual(hits('A Guaranteed Return, RISK FREE.'), [
    ['guaranteed return', 2, 19],
    ['risk free', 21, 30],
  ]);
  assert.deepEqual(hits('a brisk free ride'), [], 'inside another word: no hit');
  assert.deepEqual(hits('guaranteed returns'), [['guaranteed return', 0, 17]], 'an ending may follow');
  assert.deepEqual(hits('保证收益guaranteed return'), [
    ['保证收益', 0, 4],
    ['guaranteed return', 4, 21],
  ]);
});
