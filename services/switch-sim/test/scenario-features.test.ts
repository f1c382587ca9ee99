import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { recordingFiles } from '../src/adapters/recording-files.js';
import { createApp } from '../src/app.js';
import { parseScenario } from '../src/domain/scenario.js';
import { realClock, type SimClock } from '../src/engine/clock.js';
import { eslClient } from './esl-client.js';
import type { EventView } from './trace-frames.js';

/**
 * The scenario features issue 19 asks for, each against a switch of its own: the directory
 * (registered / unregistered / absent users), declared gateways, unknown applications,
 * sessions-per-second, whole-second originate_timeout, real WAV recordings.
 */
const base = {
  rules: [
    { match: { port: 5090 }, outcomes: [{ outcome: 'human', ringMs: 50 }] },
    { match: { port: 5095 }, outcomes: [{ outcome: 'no_answer' }] },
    { match: { port: 5091 }, outcomes: [{ outcome: 'busy', ringMs: 50 }] },
    { match: { port: 5096 }, outcomes: [{ outcome: 'human', ringMs: 400 }] },
    {
      match: { port: 5097 },
      outcomes: [
        {
          outcome: 'human',
          ringMs: 50,
          dtmf: [{ atMs: 400, digits: '42#' }],
          speech: [
            { atMs: 200, text: 'not listening yet' },
            { atMs: 700, text: 'yes please' },
          ],
        },
      ],
    },
  ],
  agents: { answerMs: 50, directory: { '1001': 'registered', '1000': 'unregistered' } },
  gateways: ['carrier1'],
};

/** Real time, shifted so that "now" starts `offsetMs` into a wall-clock second. */
function clockAt(offsetMs: number): SimClock {
  const real = realClock();
  const shiftUs = (offsetMs - ((real.nowUs() / 1000) % 1000)) * 1000;
  return { nowUs: () => real.nowUs() + shiftUs, sleep: real.sleep };
}

async function withSwitch(
  scenario: object,
  run: (c: Awaited<ReturnType<typeof eslClient>>) => Promise<void>,
  clock?: SimClock,
): Promise<void> {
  const app = createApp({
    host: '127.0.0.1',
    port: 0,
    password: 'ClueCon',
    scenario: parseScenario(scenario),
    seed: 3,
    ...(clock === undefined ? {} : { clock }),
  });
  const { port } = await app.start();
  const c = await eslClient(port);
  try {
    await run(c);
  } finally {
    c.socket.destroy();
    await app.stop();
  }
}

const header = (e: EventView, name: string): string | undefined => e.headers.find(([n]) => n === name)?.[1];
const of = (c: Awaited<ReturnType<typeof eslClient>>, uuid: string): EventView[] =>
  c.events().filter((e) => header(e, 'Unique-ID') === uuid);

/** `api …` and its reply body. */
async function api(c: Awaited<ReturnType<typeof eslClient>>, command: string): Promise<string> {
  const replies = (): string[] =>
    c
      .frames()
      .filter((f) => f.outer.some(([n, v]) => n === 'Content-Type' && v === 'api/response'))
      .map((f) => f.body);
  const before = replies().length;
  c.socket.write(`api ${command}\n\n`);
  await c.until(() => replies().length > before, 15_000);
  return replies()[before] ?? '';
}

const uuid = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

describe('scenario features', () => {
  it('user/<id>: registered answers; unregistered USER_NOT_REGISTERED and absent SUBSCRIBER_ABSENT without channel events', async () => {
    await withSwitch(base, async (c) => {
      assert.equal(await api(c, `originate {origination_uuid=${uuid(1)}}user/1001 &park()`), `+OK ${uuid(1)}\n`);
      assert.equal(
        await api(c, `originate {origination_uuid=${uuid(2)}}user/1000 &park()`),
        '-ERR USER_NOT_REGISTERED\n',
      );
      assert.equal(
        await api(c, `originate {origination_uuid=${uuid(3)}}user/9999 &park()`),
        '-ERR SUBSCRIBER_ABSENT\n',
      );
      assert.deepEqual(of(c, uuid(2)), []);
      assert.deepEqual(of(c, uuid(3)), []);
    });
  });

  it('gateways: a declared one dials; an unknown one is INVALID_GATEWAY with a lone CHANNEL_DESTROY', async () => {
    await withSwitch({ ...base, rules: [{ outcomes: [{ outcome: 'human', ringMs: 50 }] }] }, async (c) => {
      assert.equal(
        await api(c, `originate {origination_uuid=${uuid(4)}}sofia/gateway/carrier1/15550001 &park()`),
        `+OK ${uuid(4)}\n`,
      );
      assert.equal(
        await api(c, `originate {origination_uuid=${uuid(5)}}sofia/gateway/default/15550001 &park()`),
        '-ERR INVALID_GATEWAY\n',
      );
      await c.until(() => of(c, uuid(5)).length >= 2);
      assert.deepEqual(
        of(c, uuid(5)).map((e) => e.name),
        ['CHANNEL_DESTROY', 'CHANNEL_STATE'],
      );
      assert.match(await api(c, 'sofia status gateway carrier1'), /Status\s+UP/);
      assert.equal(await api(c, 'sofia status gateway default'), 'Invalid Gateway!\n');
    });
  });

  it('an application the switch lacks (amd without mod_amd) hangs the call up DESTINATION_OUT_OF_ORDER, as FreeSWITCH 1.10.12 does', async () => {
    await withSwitch(base, async (c) => {
      assert.equal(await api(c, 'module_exists mod_amd'), 'false');
      assert.equal(await api(c, 'module_exists mod_avmd'), 'true');
      await api(c, `originate {origination_uuid=${uuid(6)}}sofia/external/1@127.0.0.1:5090 &park()`);
      c.socket.write(`sendmsg ${uuid(6)}\ncall-command: execute\nexecute-app-name: amd\n\n`);
      await c.until(() => of(c, uuid(6)).some((e) => e.name === 'CHANNEL_HANGUP_COMPLETE'));
      const hangup = of(c, uuid(6)).find((e) => e.name === 'CHANNEL_HANGUP_COMPLETE');
      assert.equal(hangup === undefined ? undefined : header(hangup, 'Hangup-Cause'), 'DESTINATION_OUT_OF_ORDER');
      assert.ok(!of(c, uuid(6)).some((e) => e.name === 'CHANNEL_EXECUTE' && header(e, 'Application') === 'amd'));
    });
    await withSwitch({ ...base, modules: ['mod_amd'] }, async (c) => {
      assert.equal(await api(c, 'module_exists mod_amd'), 'true');
    });
  });

  it('sessions-per-second: beyond the limit in one second, DESTINATION_OUT_OF_ORDER and no channel at all', async () => {
    await withSwitch(
      { ...base, sessionsPerSecond: 2 },
      async (c) => {
        const replies = [];
        for (let i = 10; i < 13; i += 1)
          replies.push(await api(c, `originate {origination_uuid=${uuid(i)}}sofia/external/1@127.0.0.1:5090 &park()`));
        assert.deepEqual(replies, [`+OK ${uuid(10)}\n`, `+OK ${uuid(11)}\n`, '-ERR DESTINATION_OUT_OF_ORDER\n']);
        assert.deepEqual(of(c, uuid(12)), []);
        assert.match(await api(c, 'status'), /out of max 2,/);
      },
      clockAt(0),
    );
  });

  it('originate_timeout is whole seconds on second-resolution time: 2 s asked 0.7 s into a second rings 1.3 s', async () => {
    await withSwitch(
      base,
      async (c) => {
        assert.equal(
          await api(
            c,
            `originate {origination_uuid=${uuid(20)},originate_timeout=2}sofia/external/1@127.0.0.1:5095 &park()`,
          ),
          '-ERR NO_ANSWER\n',
        );
        await c.until(() => of(c, uuid(20)).some((e) => e.name === 'CHANNEL_HANGUP'));
        const at = (name: string): number =>
          Number(header(of(c, uuid(20)).find((e) => e.name === name) as EventView, 'Event-Date-Timestamp'));
        const rangMs = (at('CHANNEL_HANGUP') - at('CHANNEL_OUTGOING')) / 1000;
        assert.ok(rangMs > 1_200 && rangMs < 1_450, `rang ${rangMs} ms`);
      },
      clockAt(700),
    );
  });

  it('dial lists: failover `a|b` tries b after a fails; simultaneous `a,b` takes the first answer, the other ends LOSE_RACE', async () => {
    await withSwitch(base, async (c) => {
      const failover = await api(
        c,
        `originate [origination_uuid=${uuid(40)}]sofia/external/1@127.0.0.1:5091|[origination_uuid=${uuid(41)}]sofia/external/2@127.0.0.1:5090 &park()`,
      );
      assert.equal(failover, `+OK ${uuid(41)}\n`);
      await c.until(() => of(c, uuid(40)).some((e) => e.name === 'CHANNEL_HANGUP_COMPLETE'));
      const busy = of(c, uuid(40)).find((e) => e.name === 'CHANNEL_HANGUP_COMPLETE');
      assert.equal(busy === undefined ? undefined : header(busy, 'Hangup-Cause'), 'USER_BUSY');

      const race = await api(
        c,
        `originate {originate_timeout=5}[origination_uuid=${uuid(42)}]sofia/external/3@127.0.0.1:5096,[origination_uuid=${uuid(43)}]sofia/external/4@127.0.0.1:5090 &park()`,
      );
      assert.equal(race, `+OK ${uuid(43)}\n`);
      await c.until(() => of(c, uuid(42)).some((e) => e.name === 'CHANNEL_HANGUP_COMPLETE'));
      const loser = of(c, uuid(42)).find((e) => e.name === 'CHANNEL_HANGUP_COMPLETE');
      assert.equal(loser === undefined ? undefined : header(loser, 'Hangup-Cause'), 'LOSE_RACE');
      assert.ok(!of(c, uuid(42)).some((e) => e.name === 'CHANNEL_ANSWER'), 'the slower leg never answered');

      const allFail = await api(
        c,
        `originate [origination_uuid=${uuid(44)}]sofia/external/5@127.0.0.1:5091|[origination_uuid=${uuid(45)}]user/9999 &park()`,
      );
      assert.equal(allFail, '-ERR SUBSCRIBER_ABSENT\n');
    });
  });

  it('uuid_break stops a playback (Playback-Status: break); uuid_kill and sched_hangup take a cause', async () => {
    await withSwitch(base, async (c) => {
      await api(c, `originate {origination_uuid=${uuid(50)}}sofia/external/1@127.0.0.1:5090 &park()`);
      await api(c, `uuid_broadcast ${uuid(50)} silence_stream://5000 aleg`);
      await c.until(() => of(c, uuid(50)).some((e) => e.name === 'PLAYBACK_START'));
      assert.equal(await api(c, `uuid_break ${uuid(50)}`), '+OK\n');
      await c.until(() => of(c, uuid(50)).some((e) => e.name === 'PLAYBACK_STOP'));
      const stop = of(c, uuid(50)).find((e) => e.name === 'PLAYBACK_STOP') as EventView;
      assert.equal(header(stop, 'Playback-Status'), 'break');
      assert.equal(await api(c, `uuid_kill ${uuid(50)} USER_BUSY`), '+OK\n');
      await c.until(() => of(c, uuid(50)).some((e) => e.name === 'CHANNEL_HANGUP_COMPLETE'));
      const killed = of(c, uuid(50)).find((e) => e.name === 'CHANNEL_HANGUP_COMPLETE') as EventView;
      assert.equal(header(killed, 'Hangup-Cause'), 'USER_BUSY');
      assert.equal(header(killed, 'variable_hangup_cause_q850'), '17');

      await api(c, `originate {origination_uuid=${uuid(51)}}sofia/external/1@127.0.0.1:5090 &park()`);
      assert.equal(await api(c, `sched_hangup +1 ${uuid(51)}`), '+OK\n');
      await c.until(() => of(c, uuid(51)).some((e) => e.name === 'CHANNEL_HANGUP_COMPLETE'), 3_000);
      const scheduled = of(c, uuid(51)).find((e) => e.name === 'CHANNEL_HANGUP_COMPLETE') as EventView;
      assert.equal(header(scheduled, 'Hangup-Cause'), 'ALLOTTED_TIMEOUT');
    });
  });

  it('originate_retries: a failed attempt is retried originate_retry_sleep_ms later, with the same uuid', async () => {
    await withSwitch(base, async (c) => {
      const reply = await api(
        c,
        `originate {origination_uuid=${uuid(55)},originate_retries=2,originate_retry_sleep_ms=100}sofia/external/1@127.0.0.1:5091 &park()`,
      );
      assert.equal(reply, '-ERR USER_BUSY\n');
      assert.equal(of(c, uuid(55)).filter((e) => e.name === 'CHANNEL_CREATE').length, 3, 'one try and two retries');
    });
  });

  it('play_and_get_digits collects the far end DTMF into its variable; detect_speech reports speech only while it runs, as NLSML', async () => {
    await withSwitch({ ...base, modules: ['mod_pocketsphinx'] }, async (c) => {
      await api(c, `originate {origination_uuid=${uuid(60)}}sofia/external/1@127.0.0.1:5097 &park()`);
      c.socket.write(
        `sendmsg ${uuid(60)}\ncall-command: execute\nexecute-app-name: play_and_get_digits\nexecute-app-arg: 1 4 1 3000 # silence_stream://100 silence_stream://100 pin \\d+\n\n`,
      );
      await c.until(() =>
        of(c, uuid(60)).some(
          (e) => e.name === 'CHANNEL_EXECUTE_COMPLETE' && header(e, 'Application') === 'play_and_get_digits',
        ),
      );
      assert.equal(await api(c, `uuid_getvar ${uuid(60)} pin`), '42');
      c.socket.write(
        `sendmsg ${uuid(60)}\ncall-command: execute\nexecute-app-name: detect_speech\nexecute-app-arg: pocketsphinx yesno yesno\n\n`,
      );
      await c.until(() => of(c, uuid(60)).some((e) => e.name === 'DETECTED_SPEECH'), 3_000);
      const speech = of(c, uuid(60)).filter((e) => e.name === 'DETECTED_SPEECH');
      assert.equal(speech.length, 1, 'speech before detect_speech started is not reported');
      assert.match(speech[0]?.body ?? '', /<input mode="speech">yes please<\/input>/);
    });
  });

  it('uuid_setvar_multi sets and unsets several channel variables; uuid_getvar reads them; an unknown channel is refused', async () => {
    await withSwitch(base, async (c) => {
      await api(c, `originate {origination_uuid=${uuid(65)}}sofia/external/1@127.0.0.1:5097 &park()`);
      assert.equal(await api(c, `uuid_setvar_multi ${uuid(65)} a=1;b=two words;c=3`), '+OK\n');
      assert.equal(await api(c, `uuid_getvar ${uuid(65)} a`), '1');
      assert.equal(await api(c, `uuid_getvar ${uuid(65)} b`), 'two words');
      assert.equal(await api(c, `uuid_setvar_multi ${uuid(65)} a=;c=4`), '+OK\n');
      assert.equal(await api(c, `uuid_getvar ${uuid(65)} a`), '_undef_');
      assert.equal(await api(c, `uuid_getvar ${uuid(65)} c`), '4');
      assert.equal(await api(c, `uuid_setvar_multi ${uuid(66)} a=1`), '-ERR No such channel!\n');
    });
  });

  it('eavesdrop: a supervisor leg listens to a call (media bug on the target) until either hangs up', async () => {
    await withSwitch(base, async (c) => {
      await api(c, `originate {origination_uuid=${uuid(70)}}sofia/external/1@127.0.0.1:5090 &park()`);
      await api(c, `originate {origination_uuid=${uuid(71)}}user/1001 &eavesdrop(${uuid(70)})`);
      await c.until(() =>
        of(c, uuid(70)).some((e) => e.name === 'MEDIA_BUG_START' && header(e, 'Media-Bug-Function') === 'eavesdrop'),
      );
      await api(c, `uuid_kill ${uuid(70)}`);
      await c.until(() => of(c, uuid(71)).some((e) => e.name === 'CHANNEL_HANGUP_COMPLETE'));
      assert.ok(of(c, uuid(70)).some((e) => e.name === 'MEDIA_BUG_STOP'));
    });
  });

  it('event xml: the listener answers xml and delivers text/event-xml events', async () => {
    await withSwitch(base, async (c) => {
      c.socket.write('event xml CHANNEL_CREATE\n\n');
      await c.until(() => c.frames().some((f) => f.outer.some(([, v]) => v === '+OK event listener enabled xml')));
      await api(c, `originate {origination_uuid=${uuid(80)}}sofia/external/1@127.0.0.1:5090 &park()`);
      await c.until(() =>
        c.frames().some((f) => f.outer.some(([n, v]) => n === 'Content-Type' && v === 'text/event-xml')),
      );
      await c.until(() => c.frames().some((f) => f.body.includes('<Event-Name>CHANNEL_CREATE</Event-Name>')));
      const xml = c.frames().find((f) => f.body.includes('<Event-Name>CHANNEL_CREATE</Event-Name>'));
      assert.ok(xml?.outer.some(([n, v]) => n === 'Content-Type' && v === 'text/event-xml'));
      assert.match(xml?.body ?? '', /^<event>\n {2}<headers>\n {4}<Event-Name>CHANNEL_CREATE<\/Event-Name>/);
      assert.match(xml?.body ?? '', new RegExp(`<Unique-ID>${uuid(80)}</Unique-ID>`));
    });
  });

  it('uuid_record writes a real WAV (folder created); record_* variables match it; a second stop is refused; RECORD_STEREO gives two channels', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switch-sim-rec-'));
    const app = createApp({
      host: '127.0.0.1',
      port: 0,
      password: 'ClueCon',
      scenario: parseScenario(base),
      seed: 3,
      recordings: recordingFiles,
    });
    const { port } = await app.start();
    const c = await eslClient(port);
    try {
      for (const [n, stereo] of [
        [30, false],
        [31, true],
      ] as const) {
        const path = join(dir, `calls/${n}/rec.wav`);
        await api(
          c,
          `originate {origination_uuid=${uuid(n)}${stereo ? ',RECORD_STEREO=true' : ''}}sofia/external/1@127.0.0.1:5090 &park()`,
        );
        assert.equal(await api(c, `uuid_record ${uuid(n)} start ${path}`), '+OK Success\n');
        await new Promise((resolve) => setTimeout(resolve, 300));
        assert.equal(await api(c, `uuid_record ${uuid(n)} stop ${path}`), '+OK Success\n');
        assert.equal(await api(c, `uuid_record ${uuid(n)} stop ${path}`), '-ERR Cannot stop record session!\n');
        assert.ok(existsSync(path));
        const wav = readFileSync(path);
        assert.equal(wav.toString('ascii', 0, 4), 'RIFF');
        assert.equal(wav.readUInt16LE(22), stereo ? 2 : 1, 'channels');
        assert.ok(
          wav.some((byte, i) => i > 44 && byte !== 0),
          'there is audio in it',
        );
        const stop = of(c, uuid(n)).find((e) => e.name === 'RECORD_STOP');
        assert.equal(stop === undefined ? undefined : header(stop, 'variable_record_file_size'), String(wav.length));
        await api(c, `uuid_kill ${uuid(n)}`);
      }
    } finally {
      c.socket.destroy();
      await app.stop();
    }
  });
});
