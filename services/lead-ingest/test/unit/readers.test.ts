import assert from 'node:assert/strict';
import { test } from 'node:test';
import iconv from 'iconv-lite';
import { readCsv } from '../../src/adapters/readers/csv.js';

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
