import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ORIGINATE_USAGE, parseOriginate } from '../src/domain/dial-string.js';
import { playbackMs } from '../src/engine/applications.js';
import { readPcm16Mono, resamplePcm, WAV_HEADER_BYTES, wavBytes } from '../src/domain/wav.js';
import { DEFAULT_CUSTOMER_SPEECH, recordingScript } from '../src/engine/recording.js';
import { maskNumber, parseScenario, planAgentCall, planCall, ScenarioError } from '../src/domain/scenario.js';

describe('dial strings', () => {
  const cases: Array<[string, (r: ReturnType<typeof parseOriginate>) => void]> = [
    [
      '{origination_uuid=u1,ignore_early_media=true,originate_timeout=20}sofia/external/1000@127.0.0.1:5090 &park()',
      (r) => {
        assert.ok(r.ok);
        assert.deepEqual(r.request.variables, [
          ['origination_uuid', 'u1'],
          ['ignore_early_media', 'true'],
          ['originate_timeout', '20'],
        ]);
        assert.deepEqual(r.request.endpoint, {
          kind: 'sofia',
          profile: 'external',
          user: '1000',
          host: '127.0.0.1',
          port: 5090,
        });
        assert.deepEqual(r.request.destination, { kind: 'app', app: 'park', arg: '' });
      },
    ],
    [
      "{a='x,y',b=c\\,d}[leg=1]sofia/gateway/gw1/13800001234 &bridge(user/1001)",
      (r) => {
        assert.ok(r.ok);
        assert.deepEqual(r.request.variables, [
          ['a', 'x,y'],
          ['b', 'c,d'],
          ['leg', '1'],
        ]);
        assert.deepEqual(r.request.endpoint, { kind: 'gateway', gateway: 'gw1', number: '13800001234' });
        assert.deepEqual(r.request.destination, { kind: 'app', app: 'bridge', arg: 'user/1001' });
      },
    ],
    [
      'user/1001 &playback(tone_stream://%(500,500,440);loops=6)',
      (r) => {
        assert.ok(r.ok);
        assert.deepEqual(r.request.endpoint, { kind: 'user', id: '1001' });
        // FreeSWITCH ends the argument at the first ')'.
        assert.deepEqual(r.request.destination, { kind: 'app', app: 'playback', arg: 'tone_stream://%(500,500,440' });
      },
    ],
    [
      'loopback/9999/default 1000 XML default',
      (r) => {
        assert.ok(r.ok);
        assert.deepEqual(r.request.endpoint, { kind: 'loopback', target: '9999/default' });
        assert.deepEqual(r.request.destination, { kind: 'extension', extension: '1000' });
      },
    ],
    [
      'sofia/external/x &park()',
      (r) => {
        assert.ok(r.ok);
        assert.deepEqual(r.request.endpoint, { kind: 'sofia', profile: 'external', user: 'x' });
      },
    ],
    ['', (r) => assert.deepEqual(r, { ok: false, reply: ORIGINATE_USAGE })],
    ['bogus/thing &park()', (r) => assert.deepEqual(r, { ok: false, reply: '-ERR CHAN_NOT_IMPLEMENTED\n' })],
  ];
  for (const [input, check] of cases) it(JSON.stringify(input), () => check(parseOriginate(input)));
});

describe('scenario validation', () => {
  const bad: Array<[unknown, string]> = [
    [[], '$'],
    [{}, '$.rules'],
    [{ rules: [{ outcomes: [{ outcome: 'sleepy' }] }] }, '$.rules[0].outcomes[0].outcome'],
    [{ rules: [{ outcomes: [{ outcome: 'human', ringMs: { min: 5, max: 1 } }] }] }, '$.rules[0].outcomes[0].ringMs'],
    [{ rules: [{ match: { regex: '(' }, outcomes: [{ outcome: 'human' }] }] }, '$.rules[0].match.regex'],
    [
      { rules: [{ outcomes: [{ outcome: 'human', dtmf: [{ atMs: 1, digits: 'x' }] }] }] },
      '$.rules[0].outcomes[0].dtmf[0].digits',
    ],
  ];
  for (const [input, path] of bad) {
    it(`rejects at ${path}`, () => {
      assert.throws(
        () => parseScenario(input),
        (error: unknown) => error instanceof ScenarioError && error.path === path,
      );
    });
  }

  it('same seed and call key → same plan; different seed → independent draws', () => {
    const scenario = parseScenario({
      rules: [
        {
          outcomes: [
            { outcome: 'human', weight: 1, ringMs: { min: 0, max: 10_000 } },
            { outcome: 'busy', weight: 1 },
          ],
        },
      ],
    });
    const plans = (seed: number) =>
      Array.from({ length: 50 }, (_, i) =>
        planCall(scenario, { number: `1380000${i}`, elapsedMs: 0, seed, key: `1380000${i}#1` }),
      );
    assert.deepEqual(plans(7), plans(7));
    assert.notDeepEqual(plans(7), plans(8));
  });

  it('schedule switches rules by elapsed time and rules match by prefix and port', () => {
    const scenario = parseScenario({
      rules: [
        { match: { prefix: '139' }, outcomes: [{ outcome: 'decline' }] },
        { match: { port: 5091 }, outcomes: [{ outcome: 'busy' }] },
        { outcomes: [{ outcome: 'human' }] },
      ],
      schedule: [{ fromMs: 1000, rules: [{ outcomes: [{ outcome: 'no_answer' }] }] }],
    });
    const plan = (number: string, elapsedMs: number, port?: number) =>
      planCall(scenario, { number, elapsedMs, seed: 1, key: number, ...(port === undefined ? {} : { port }) }).outcome;
    assert.equal(plan('13912345678', 0), 'decline');
    assert.equal(plan('busy', 0, 5091), 'busy');
    assert.equal(plan('13812345678', 0), 'human');
    assert.equal(plan('13812345678', 1500), 'no_answer');
  });

  it('agent legs draw their answer time from agents.answerMs, per seed and call', () => {
    const withAgents = parseScenario({
      rules: [{ outcomes: [{ outcome: 'busy' }] }],
      agents: { answerMs: { min: 300, max: 1200 }, talkMs: 5000 },
    });
    const ring = (seed: number, key: string): number => planAgentCall(withAgents, { seed, key }).ringMs;
    const draws = Array.from({ length: 20 }, (_, i) => ring(1, `user/1001#${i + 1}`));
    assert.ok(
      draws.every((ms) => ms >= 300 && ms <= 1200),
      'within the range',
    );
    assert.ok(new Set(draws).size > 10, 'spread over the range, not always the minimum');
    assert.equal(ring(1, 'user/1001#1'), draws[0], 'same seed and call → same answer time');
    assert.equal(planAgentCall(withAgents, { seed: 1, key: 'user/1001#1' }).talkMs, 5000);
  });

  it('masks numbers', () => {
    assert.equal(maskNumber('13812341234'), '138****1234');
  });
});

describe('playback durations', () => {
  it('silence, tones with their loops, anything else one second', () => {
    assert.equal(playbackMs('silence_stream://1500'), 1500);
    assert.equal(playbackMs('tone_stream://%(300,100,800)'), 400);
    assert.equal(playbackMs('tone_stream://%(300,100,800);loops=3'), 1200);
    assert.equal(playbackMs('tone_stream://%(300,100,800);loops=-1'), 400);
    assert.equal(playbackMs('/usr/share/sounds/welcome.wav'), 1000);
  });
});

describe('recorded audio', () => {
  const rate = 8000;
  const rms = (values: number[]): number =>
    Math.sqrt(values.reduce((s, v) => s + v * v, 0) / Math.max(1, values.length));
  const channel = (wav: Buffer, channels: number, which: number, from: number, to: number): number[] => {
    const out: number[] = [];
    for (let i = from; i < to; i += 1) out.push(wav.readInt16LE(WAV_HEADER_BYTES + (i * channels + which) * 2));
    return out;
  };

  it('stereo keeps the customer on channel 0 and our side on channel 1, each at its offset', () => {
    const loud = new Int16Array(800).fill(8000);
    const wav = wavBytes(
      { samples: rate, channels: 2, sampleRate: rate },
      { customer: [{ atSample: 4000, pcm: loud }], agent: [{ atSample: 0, pcm: loud }] },
    );
    assert.equal(wav.length, WAV_HEADER_BYTES + rate * 2 * 2);
    assert.equal(rms(channel(wav, 2, 0, 0, 800)), 0, 'customer silent while the agent speaks');
    assert.equal(rms(channel(wav, 2, 1, 0, 800)), 8000);
    assert.equal(rms(channel(wav, 2, 0, 4000, 4800)), 8000);
    assert.equal(rms(channel(wav, 2, 1, 4000, 4800)), 0);
  });

  it('mono mixes both sides, clipped to 16 bits; speech past the end is cut', () => {
    const loud = new Int16Array(100).fill(30000);
    const wav = wavBytes(
      { samples: 150, channels: 1, sampleRate: rate },
      { customer: [{ atSample: 100, pcm: loud }], agent: [{ atSample: 100, pcm: loud }] },
    );
    assert.equal(wav.length, WAV_HEADER_BYTES + 150 * 2);
    assert.deepEqual(new Set(channel(wav, 1, 0, 100, 150)), new Set([32767]));
  });

  it('without voices the customer talks in 440 Hz bursts and our side answers in the pauses', () => {
    const wav = wavBytes({ samples: rate * 2, channels: 2, sampleRate: rate });
    assert.ok(rms(channel(wav, 2, 0, 0, rate)) > 1000);
    assert.equal(rms(channel(wav, 2, 1, 0, rate)), 0);
    assert.ok(rms(channel(wav, 2, 1, rate, rate + rate / 2)) > 1000);
  });

  it('resampling keeps the duration and a low tone; streamed WAV headers (size unknown) are read', () => {
    const from = 22050;
    const tone = Int16Array.from({ length: from }, (_, i) =>
      Math.round(8000 * Math.sin((2 * Math.PI * 300 * i) / from)),
    );
    const out = resamplePcm(tone, from, rate);
    assert.equal(out.length, rate);
    assert.ok(Math.abs(rms([...out]) - rms([...tone])) < 600, 'a 300 Hz tone passes the low-pass');
    const streamed = wavBytes(
      { samples: 10, channels: 1, sampleRate: 16000 },
      { customer: [{ atSample: 0, pcm: new Int16Array(10).fill(7) }], agent: [] },
    );
    streamed.writeUInt32LE(0x7fffffff, 40);
    assert.deepEqual(readPcm16Mono(streamed), { rate: 16000, pcm: new Int16Array(10).fill(7) });
    assert.equal(readPcm16Mono(Buffer.from('not a wav file at all')), undefined);
  });

  it('a recording carries what was said while it ran, timed from its start', () => {
    const farEnd = [
      { atMs: 500, text: 'before' },
      { atMs: 3000, text: 'during' },
      { atMs: 9000, text: 'after' },
    ];
    const script = recordingScript(farEnd, 1000, 5000);
    assert.deepEqual(script.customer, [{ atMs: 2000, text: 'during' }]);
    assert.deepEqual(
      recordingScript([], 0, 5000).customer.map((s) => s.text),
      DEFAULT_CUSTOMER_SPEECH.map((s) => s.text),
    );
    assert.deepEqual(recordingScript(farEnd, 0, 100).agent, []);
  });
});
