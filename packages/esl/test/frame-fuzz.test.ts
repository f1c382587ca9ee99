import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameParser, decodeEvent, type FrameResult } from '../src/index.js';
import { seededRandom } from '@outbound/testkit';
import { randomChunks, traceFiles } from './support/traces.js';

const ALPHABET = Buffer.from('Content-Length: 12\nContent-Type: text/event-plain\n\n%zz:\r\x00\xff');

function pushAll(parser: FrameParser, chunks: Buffer[]): FrameResult[] {
  const out: FrameResult[] = [];
  for (const chunk of chunks) {
    const results = parser.push(chunk);
    for (const result of results) {
      out.push(result);
      if (result.kind === 'frame') decodeEvent(result);
    }
    // A fatal fault means the connection would be dropped; start afresh like a reconnect.
    if (parser.failed) parser.reset();
  }
  return out;
}

describe('fuzz: the parser never throws and stays bounded', () => {
  for (const seed of [11, 22, 33, 44, 55]) {
    it(`random bytes, seed ${seed}`, () => {
      const random = seededRandom(seed);
      const bytes = Buffer.from(
        Array.from({ length: 200_000 }, () => ALPHABET[Math.floor(random() * ALPHABET.length)] ?? 0),
      );
      const parser = new FrameParser({ maxHeaderBytes: 4096, maxBodyBytes: 4096 });
      assert.doesNotThrow(() => pushAll(parser, randomChunks(bytes, random, 500)));
    });
  }

  it('every truncation of a real trace ends in a frame boundary or TRUNCATED', () => {
    const [trace] = traceFiles('.server.txt').filter(({ name }) => name.startsWith('01'));
    const bytes = trace?.bytes ?? Buffer.alloc(0);
    for (let cut = 0; cut < bytes.length; cut += 37) {
      const parser = new FrameParser();
      parser.push(bytes.subarray(0, cut));
      const fault = parser.end();
      assert.ok(fault === undefined || fault.code === 'TRUNCATED');
    }
  });

  it('skips a body over the limit without buffering it, then resyncs', () => {
    const parser = new FrameParser({ maxBodyBytes: 1024 });
    const huge = Buffer.alloc(10 * 1024 * 1024, 0x61);
    const before = process.memoryUsage().arrayBuffers;
    const results = pushAll(parser, [
      Buffer.from(`Content-Type: api/response\nContent-Length: ${huge.length}\n\n`),
      ...randomChunks(huge, seededRandom(5), 65_536),
      Buffer.from('Content-Type: command/reply\nReply-Text: +OK\n\n'),
    ]);
    assert.deepEqual(
      results.map((result) => (result.kind === 'error' ? result.code : 'frame')),
      ['BODY_TOO_LARGE', 'frame'],
    );
    assert.ok(process.memoryUsage().arrayBuffers - before < 2 * huge.length);
  });

  it('fails fast on an absurd Content-Length and on an endless header block', () => {
    const absurd = new FrameParser().push(Buffer.from('Content-Length: 99999999999999999999\n\n'));
    assert.deepEqual(
      absurd.map((result) => result.kind === 'error' && result.fatal && result.code),
      ['BAD_CONTENT_LENGTH'],
    );
    const parser = new FrameParser({ maxHeaderBytes: 64 * 1024 });
    const endless = pushAll(
      parser,
      Array.from({ length: 100 }, () => Buffer.from('X-Filler: 0123456789\n'.repeat(100))),
    );
    assert.equal(endless[0]?.kind === 'error' ? endless[0].code : undefined, 'HEADER_TOO_LARGE');
  });

  it('reports a header line without a colon and carries on', () => {
    const results = new FrameParser().push(Buffer.from('garbage\n\nContent-Type: command/reply\nReply-Text: +OK\n\n'));
    assert.deepEqual(
      results.map((result) => (result.kind === 'error' ? result.code : 'frame')),
      ['BAD_HEADER_LINE', 'frame'],
    );
  });

  it('decodes a body split inside a multi-byte character', () => {
    const body = Buffer.from('Event-Name: CUSTOM\nText: h%C3%A9\nContent-Length: 3\n\nhé');
    const frame = Buffer.concat([
      Buffer.from(`Content-Length: ${body.length}\nContent-Type: text/event-plain\n\n`),
      body,
    ]);
    const cut = frame.indexOf(Buffer.from('é', 'utf8')) + 1;
    const results = pushAll(new FrameParser(), [frame.subarray(0, cut), frame.subarray(cut)]);
    const decoded = results[0]?.kind === 'frame' ? decodeEvent(results[0]) : undefined;
    assert.equal(decoded?.kind === 'event' ? decoded.event.body : undefined, 'hé');
    assert.equal(decoded?.kind === 'event' ? decoded.event.headers.get('Text') : undefined, 'hé');
  });
});
