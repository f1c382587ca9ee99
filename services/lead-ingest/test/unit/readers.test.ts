import assert from 'node:assert/strict';
import { test } from 'node:test';
import iconv from 'iconv-lite';
import { readCsv } from '../../src/adapters/readers/csv.js';
import { detectEncoding } from '../../src/adapters/readers/encoding.js';
import { looksBinary } from '../../src/adapters/readers/source.js';

/** A source that yields its chunks, then fails as a client gone mid-stream does. */
async function* failingAfter(chunks: Buffer[]): AsyncGenerator<Buffer> {
  for (const chunk of chunks) yield chunk;
  throw new Error('client went away mid-stream');
}

async function drain(rows: AsyncIterable<unknown>): Promise<number> {
  let n = 0;
  for await (const _row of rows) n++;
  return n;
}

for (const encoding of ['utf-8', 'gb18030']) {
  test(`a ${encoding} source failing mid-file fails the read instead of hanging`, { timeout: 10_000 }, async () => {
    const text = `姓名,手机\n${Array.from({ length: 20_000 }, (_, i) => `张${i},1380013${String(i).padStart(4, '0')}`).join('\n')}\n`;
    const bytes = iconv.encode(text, encoding);
    // Past the 64 KiB the reader peeks at first, so the failure comes while rows are being read.
    const rows = readCsv(failingAfter([bytes.subarray(0, 100_000), bytes.subarray(100_000, 200_000)]), { encoding });
    await assert.rejects(drain(rows), (error: Error) => {
      assert.ok(!/1380013/.test(error.message), 'no number in the error');
      return true;
    });
  });
}

test('binary or text is judged by content: a few NUL bytes are text, UTF-16 without a BOM is text, noise is binary', () => {
  const text = Buffer.from(`name,phone\n${'张三,13800138000\n'.repeat(200)}`);
  const withNuls = Buffer.from(text);
  withNuls[20] = 0;
  withNuls[400] = 0;
  assert.equal(looksBinary(withNuls), false);
  const utf16 = Buffer.from('name,phone\r\n张三,13800138000\r\n'.repeat(20), 'utf16le');
  assert.equal(looksBinary(utf16), false);
  assert.equal(detectEncoding(utf16), 'utf-16le');
  assert.equal(detectEncoding(Buffer.from(utf16).swap16()), 'utf-16be');
  const noise = Buffer.alloc(2048);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 7919) % 251;
  assert.equal(looksBinary(noise), true);
  assert.equal(detectEncoding(text), 'utf-8');
});
