import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  FrameParser,
  contentType,
  decodeEvent,
  encodeCommand,
  encodeEventFrame,
  fsUrlEncode,
  safeUrlDecode,
  DEFAULT_RECONNECT_POLICY,
  EslInvalidCommandError,
  EslTimeoutError,
  type EslCommand,
  type EslFrame,
} from '../src/index.js';
import { backoffDelayMs } from '@outbound/errors';
import { traceFiles } from './support/traces.js';

function frames(bytes: Buffer): EslFrame[] {
  return new FrameParser().push(bytes).filter((result): result is EslFrame => result.kind === 'frame');
}

describe('FreeSWITCH URL encoding', () => {
  const cases: Array<[string, string]> = [
    ['2026-11-23 10:57:50', '2026-11-23%2010%3A57%3A50'],
    ["a,b/c(d)-e.f_g~h'i*j!k$", "a,b/c(d)-e.f_g~h'i*j!k$"],
    ['{x=1;y=2}&<>"#%+?@[\\]^`|', '%7Bx%3D1%3By%3D2%7D%26%3C%3E%22%23%25%2B%3F%40%5B%5C%5D%5E%60%7C'],
    ['line\r\nnext', 'line%0D%0Anext'],
    ['é', '%C3%A9'],
  ];
  for (const [raw, encoded] of cases) {
    it(`encodes ${JSON.stringify(raw)}`, () => {
      assert.equal(fsUrlEncode(raw), encoded);
      assert.deepEqual(safeUrlDecode(encoded), { ok: true, value: raw });
    });
  }
  it('keeps a malformed escape raw instead of throwing', () => {
    assert.deepEqual(safeUrlDecode('100%zz'), { ok: false, value: '100%zz' });
    assert.deepEqual(safeUrlDecode('%E0%A4%A'), { ok: false, value: '%E0%A4%A' });
  });
});

describe('events from every captured trace', () => {
  for (const { name, bytes } of traceFiles('.server.txt')) {
    it(`${name}: decodes every event and re-encodes it byte for byte`, () => {
      let events = 0;
      for (const frame of frames(bytes)) {
        const type = contentType(frame);
        if (type !== 'text/event-plain' && type !== 'text/event-json') continue;
        const decoded = decodeEvent(frame);
        assert.equal(decoded.kind, 'event');
        if (decoded.kind !== 'event') continue;
        events++;
        const { event } = decoded;
        assert.equal(event.format, type === 'text/event-plain' ? 'plain' : 'json');
        assert.ok(event.name.length > 0);
        if (event.name === 'BACKGROUND_JOB') {
          assert.ok(event.jobUuid);
          assert.ok(event.body !== undefined);
        }
        const original = Buffer.concat([
          Buffer.from(`Content-Length: ${frame.body?.length}\nContent-Type: ${type}\n\n`),
          frame.body ?? Buffer.alloc(0),
        ]);
        const reencoded = encodeEventFrame(event, event.format).toString();
        if (reencoded !== original.toString()) {
          // JSON.parse keeps one value per repeated key, so only those events may differ, and only by the repeats.
          assert.equal(event.format, 'json');
          const [, json = ''] = reencoded.split('\n\n');
          assert.deepEqual(JSON.parse(json), JSON.parse(frame.body?.toString() ?? ''));
          assert.ok(json.length < (frame.body?.length ?? 0));
        }
      }
      assert.ok(events > 0 || /^0[17][ab]/.test(name), 'trace has events');
    });
  }

  it('reads one header lazily exactly as the full decode does (every trace event, every name)', () => {
    const plainEvents = traceFiles('.server.txt').flatMap(({ bytes }) =>
      frames(bytes).filter((frame) => contentType(frame) === 'text/event-plain'),
    );
    assert.ok(plainEvents.length > 100);
    for (const frame of plainEvents) {
      const full = decodeEvent(frame);
      const lazy = decodeEvent(frame);
      assert.ok(full.kind === 'event' && lazy.kind === 'event');
      const all = new Map(full.event.headers);
      for (const name of all.keys()) assert.equal(lazy.event.headers.get(name), all.get(name), name);
      for (const missing of ['Nope', 'Event', 'variable_', 'ame'])
        assert.equal(lazy.event.headers.get(missing), all.get(missing));
    }
  });

  it('reads one header lazily exactly as the full decode does (generated header blocks)', () => {
    const names = ['Event', 'Name', 'A', 'AB', 'B-A', 'variable_x', 'X:Y', ''];
    const values = ['', ' ', 'v', 'a%20b', '%zz', 'x: y', 'A: 1', '%E0%A4%A', 'é'];
    let seed = 7;
    const pick = <T>(list: readonly T[]): T => list[(seed = (seed * 1103515245 + 12345) % 2 ** 31) % list.length]!;
    for (let round = 0; round < 2000; round++) {
      const lines = Array.from(
        { length: 1 + (round % 9) },
        () => `${pick(names)}:${pick(['', ' ', '  '])}${pick(values)}`,
      );
      const body = Buffer.from(`Event-Name: E\n${lines.join(pick(['\n', '\r\n']))}\n\n`);
      const decode = () => decodeEvent({ kind: 'frame', headers: [['Content-Type', 'text/event-plain']], body });
      const full = decode();
      const lazy = decode();
      assert.ok(full.kind === 'event' && lazy.kind === 'event');
      const all = new Map(full.event.headers);
      for (const name of [...names, 'Event-Name', 'Z'])
        assert.equal(lazy.event.headers.get(name), all.get(name), `${name} in ${JSON.stringify(lines)}`);
    }
  });

  it('keeps repeated headers in order and the last value in the map', () => {
    const body = 'Event-Name: COMMAND\nX: 1\nEvent-Name: PRIVATE_COMMAND\nX: 2\n\n';
    const decoded = decodeEvent({
      kind: 'frame',
      headers: [['Content-Type', 'text/event-plain']],
      body: Buffer.from(body),
    });
    assert.equal(decoded.kind, 'event');
    if (decoded.kind !== 'event') return;
    assert.equal(decoded.event.name, 'PRIVATE_COMMAND');
    assert.deepEqual(
      decoded.event.headerList.map(([headerName]) => headerName),
      ['Event-Name', 'X', 'Event-Name', 'X'],
    );
  });

  it('reports bad JSON, missing names and short bodies as results', () => {
    const json = (text: string): EslFrame => ({
      kind: 'frame',
      headers: [['Content-Type', 'text/event-json']],
      body: Buffer.from(text),
    });
    const plain = (text: string): EslFrame => ({
      kind: 'frame',
      headers: [['Content-Type', 'text/event-plain']],
      body: Buffer.from(text),
    });
    assert.equal(decodeEvent(json('{"Event-Name":')).kind, 'error');
    assert.equal(decodeEvent(json('[1]')).kind, 'error');
    assert.equal(decodeEvent(plain('Foo: bar\n\n')).kind, 'error');
    assert.equal(decodeEvent(plain('Event-Name: X\nContent-Length: 99\n\nshort')).kind, 'error');
    const bad = decodeEvent(plain('Event-Name: X\nCaller: %zz%\n\n'));
    assert.equal(bad.kind === 'event' ? bad.event.undecodedHeaders?.[0] : undefined, 'Caller');
  });
});

describe('command encoding', () => {
  const cases: Array<[EslCommand, string]> = [
    [{ type: 'auth', password: 'ClueCon' }, 'auth ClueCon\n\n'],
    [{ type: 'api', command: 'status' }, 'api status\n\n'],
    [{ type: 'bgapi', command: 'status', jobUuid: 'f91e' }, 'bgapi status\nJob-UUID: f91e\n\n'],
    [
      { type: 'event', format: 'json', events: ['CHANNEL_ANSWER'], customSubclasses: ['avmd::beep'] },
      'event json CHANNEL_ANSWER CUSTOM avmd::beep\n\n',
    ],
    [{ type: 'filter', header: 'Unique-ID', value: 'a8' }, 'filter Unique-ID a8\n\n'],
    [{ type: 'filterDelete', header: 'Unique-ID' }, 'filter delete Unique-ID\n\n'],
    [
      {
        type: 'sendmsg',
        uuid: 'a8',
        headers: [
          ['call-command', 'hangup'],
          ['hangup-cause', 'NORMAL_CLEARING'],
        ],
      },
      'sendmsg a8\ncall-command: hangup\nhangup-cause: NORMAL_CLEARING\n\n',
    ],
    [
      { type: 'sendmsg', uuid: 'a8', headers: [['call-command', 'execute']], body: 'hé' },
      'sendmsg a8\ncall-command: execute\nContent-Length: 3\n\nhé',
    ],
    [{ type: 'exit' }, 'exit\n\n'],
  ];
  for (const [command, wire] of cases) {
    it(`${command.type} → ${JSON.stringify(wire.split('\n')[0])}`, () => {
      const bytes = encodeCommand(command);
      assert.equal(bytes.toString(), wire);
      const [parsed] = new FrameParser({ commands: true }).push(bytes);
      assert.equal(parsed?.kind, 'frame');
    });
  }
  it('reads two commands sent without a blank line between as the first one, as FreeSWITCH does', () => {
    const results = new FrameParser({ commands: true }).push(Buffer.from('api status\napi version\n\n'));
    assert.equal(results.length, 1);
    const [frame] = results;
    assert.ok(frame?.kind === 'frame');
    assert.equal(frame.command, 'api status');
    assert.deepEqual(frame.headers, []);
  });
  it('still refuses a server header line without a colon', () => {
    const [result] = new FrameParser().push(Buffer.from('Content-Type: api/response\nnot a header\n\n'));
    assert.equal(result?.kind, 'error');
  });
  it('refuses a line break that would inject a second command', () => {
    assert.throws(() => encodeCommand({ type: 'api', command: 'status\n\napi hupall' }), EslInvalidCommandError);
  });
  it('writes the exact bytes of the 06 trace', () => {
    const [trace] = traceFiles('.client.txt').filter(({ name }) => name.startsWith('06'));
    const wire = trace?.bytes.toString() ?? '';
    const command = encodeCommand({
      type: 'sendmsg',
      uuid: 'a8276d6f-fc51-4826-a624-bbd1b3e62f68',
      headers: [
        ['call-command', 'hangup'],
        ['hangup-cause', 'NORMAL_CLEARING'],
      ],
    });
    assert.ok(wire.includes(command.toString()));
  });
});

describe('helpers', () => {
  it('masks numbers but keeps uuids in error messages', () => {
    const error = new EslTimeoutError('api uuid_kill 12345678-1234-4826-a624-000000139000 13812341234', 50);
    assert.match(error.message, /12345678-1234-4826-a624-000000139000/);
    assert.ok(!error.message.includes('13812341234'), error.message);
    assert.match(error.message, /138\*\*\*\*1234/);
  });
  it('backs off exponentially, capped, with jitter below the nominal delay', () => {
    const policy = { ...DEFAULT_RECONNECT_POLICY, initialDelayMs: 100, maxDelayMs: 1_000, jitter: 0.5 };
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((attempt) => backoffDelayMs(policy, attempt, () => 0)),
      [100, 200, 400, 800, 1000],
    );
    assert.equal(
      backoffDelayMs(policy, 10, () => 1),
      500,
    );
  });
});
