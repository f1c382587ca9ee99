import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameParser, SERVER_CONTENT_TYPES, contentType, type FrameResult } from '../src/index.js';
import { seededRandom } from '@outbound/testkit';
import { randomChunks, traceFiles } from './support/traces.js';

const KNOWN_COMMANDS = new Set([
  'auth',
  'api',
  'bgapi',
  'event',
  'filter',
  'sendmsg',
  'log',
  'nolog',
  'noevents',
  'exit',
  'bogus_command',
]);

function feed(parser: FrameParser, chunks: Buffer[]): FrameResult[] {
  return chunks.flatMap((chunk) => parser.push(chunk));
}

function bytewise(bytes: Buffer): Buffer[] {
  return Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1));
}

/** A comparable rendering of results, bodies included. */
function render(results: FrameResult[]): string[] {
  return results.map((result) =>
    result.kind === 'error'
      ? `error ${result.code}`
      : JSON.stringify([result.command, result.headers, result.body?.toString('base64')]),
  );
}

describe('golden: every captured server trace', () => {
  for (const { name, bytes } of traceFiles('.server.txt')) {
    it(`${name} parses the same whole, byte by byte and in random chunks`, () => {
      const wholeParser = new FrameParser();
      const whole = wholeParser.push(bytes);
      const truncated = wholeParser.end();
      assert.ok(whole.length > 0);
      for (const result of whole) {
        assert.equal(result.kind, 'frame', `unexpected fault in ${name}`);
        const type = result.kind === 'frame' ? contentType(result) : undefined;
        assert.ok(
          (SERVER_CONTENT_TYPES as readonly (string | undefined)[]).includes(type),
          `unknown content type ${type}`,
        );
      }
      // Only the shutdown capture ends inside a frame (README item 12).
      assert.equal(truncated?.code, name.startsWith('07d') ? 'TRUNCATED' : undefined);

      const expected = render(whole);
      assert.deepEqual(render(feed(new FrameParser(), bytewise(bytes))), expected);
      for (const seed of [1, 2, 3]) {
        const chunks = randomChunks(bytes, seededRandom(seed), 1 + seed * 700);
        assert.deepEqual(render(feed(new FrameParser(), chunks)), expected, `seed ${seed}`);
      }
    });
  }
});

describe('golden: every captured client trace', () => {
  for (const { name, bytes } of traceFiles('.client.txt')) {
    it(`${name} parses into known commands, whole and byte by byte`, () => {
      const whole = new FrameParser({ commands: true }).push(bytes);
      assert.ok(whole.length > 0);
      for (const result of whole) {
        assert.equal(result.kind, 'frame');
        const word = result.kind === 'frame' ? (result.command ?? '').split(' ')[0] : '';
        assert.ok(KNOWN_COMMANDS.has(word ?? ''), `unknown command word ${word}`);
      }
      assert.deepEqual(render(feed(new FrameParser({ commands: true }), bytewise(bytes))), render(whole));
    });
  }

  it('reads telnet-style CRLF commands like LF ones', () => {
    const lf = new FrameParser({ commands: true }).push(Buffer.from('bgapi status\nJob-UUID: abc\n\napi version\n\n'));
    const crlf = feed(
      new FrameParser({ commands: true }),
      bytewise(Buffer.from('\r\nbgapi status\r\nJob-UUID: abc\r\n\r\napi version\r\n\r\n')),
    );
    assert.deepEqual(render(crlf), render(lf));
    assert.equal(lf.length, 2);
  });
});
