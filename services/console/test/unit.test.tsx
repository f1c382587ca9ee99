import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { renderToString } from 'react-dom/server';
import { safeCell, toCsv } from '../src/gateway/domain/csv.js';
import { buildReport, groupKey } from '../src/gateway/domain/report.js';
import { checkPassword, decodeSession, encodeSession, hashPassword, may } from '../src/gateway/domain/session.js';
import { maskName } from '../src/gateway/domain/convert.js';
import { detectFormat } from '../src/gateway/use-cases/leads.js';
import { LiveFeed } from '../src/gateway/use-cases/live-feed.js';
import { FiguresPanel, LineChart, TranscriptView, pacingText, tFor } from '../src/web/components.js';
import { maskDigits } from '../src/gateway/domain/transcript.js';
import { catalogues } from '../src/web/i18n.js';
import type { FiguresDto, TranscriptDto } from '../src/shared/dto.js';

const SECRET = 'x'.repeat(40);

test('passwords are hashed and checked; sessions are signed and expire', () => {
  const hash = hashPassword('s3cret');
  assert.ok(checkPassword('s3cret', hash));
  assert.ok(!checkPassword('wrong', hash));
  const cookie = encodeSession(
    { username: 'ann', role: 'agent', agentId: '7', reveal: false, expiresAt: 2_000 },
    SECRET,
  );
  assert.deepEqual(decodeSession(cookie, SECRET, 1_000).ok, true);
  assert.deepEqual(decodeSession(cookie, SECRET, 3_000), { ok: false, reason: 'expired' });
  const [payload] = cookie.split('.');
  const forged = Buffer.from(
    JSON.stringify({ username: 'ann', role: 'admin', reveal: true, expiresAt: 9e15 }),
  ).toString('base64url');
  assert.deepEqual(decodeSession(`${forged}.${cookie.split('.')[1]}`, SECRET, 1_000), { ok: false, reason: 'invalid' });
  assert.ok(payload);
  assert.ok(!may({ username: 'a', role: 'agent', reveal: false, expiresAt: 0 }, 'export'));
  assert.ok(may({ username: 's', role: 'supervisor', reveal: false, expiresAt: 0 }, 'steerCampaigns'));
});

test('CSV cells that a spreadsheet would run as formulas are defused', () => {
  assert.equal(safeCell('=SUM(A1)'), "'=SUM(A1)");
  assert.equal(safeCell('+1'), "'+1");
  assert.equal(safeCell('-2'), "'-2");
  assert.equal(safeCell('@x'), "'@x");
  assert.equal(safeCell(-2), '-2');
  assert.equal(safeCell('a,"b"'), '"a,""b"""');
  assert.equal(toCsv(['h'], [['=1']]), "h\r\n'=1\r\n");
});

test('report: connect rate and the US and UK abandon formulas', () => {
  // The dialer's tallies of: connected 60 s (intent A, sale), connected 30 s, abandoned, machine,
  // busy (dialled) and denied (not dialled).
  const tally = {
    key: 'c',
    dials: 5,
    connects: 2,
    talkSeconds: 90,
    abandoned: 1,
    machines: 1,
    intents: { A: 1, B: 0, C: 0 },
    conversions: 1,
  };
  const rows = buildReport([tally], { amdFalsePositiveShare: 1 });
  const row = rows[0]!;
  assert.equal(row.dials, 5);
  assert.equal(row.connects, 2);
  assert.equal(row.connectRate, 2 / 5);
  assert.equal(row.avgTalkSeconds, 45);
  assert.equal(row.abandonRateUs, 1 / 3);
  assert.equal(row.abandonRateUk, 2 / 4);
  assert.equal(row.conversions, 1);
  // Without the false-positive estimate the UK rate is the US rate; nothing dialled divides by nothing.
  assert.equal(buildReport([tally])[0]!.abandonRateUk, 1 / 3);
  const empty = buildReport([{ ...tally, dials: 0, connects: 0, talkSeconds: 0, abandoned: 0, machines: 0 }])[0]!;
  assert.deepEqual([empty.connectRate, empty.avgTalkSeconds, empty.abandonRateUs, empty.abandonRateUk], [0, 0, 0, 0]);
  // Rows by key; tallies under one key are added together.
  assert.deepEqual(
    buildReport([{ ...tally, key: 'b' }, tally, { ...tally, key: 'b' }]).map((r) => [r.key, r.dials]),
    [
      ['b', 10],
      ['c', 5],
    ],
  );
  assert.equal(groupKey('hour', '', Date.UTC(2026, 0, 1, 10)), '2026-01-01T10:00Z');
  assert.equal(groupKey('agent', ''), '-');
  assert.equal(groupKey('line', 'carrier1'), 'carrier1');
});

test('lead files: the type is checked by name and content', () => {
  assert.equal(detectFormat('a.csv', Buffer.from('name,phone\n')), 'csv');
  assert.throws(() => detectFormat('a.exe', Buffer.from('MZ')), /wrong file type/);
  assert.throws(() => detectFormat('a.csv', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0])), /not text/);
  assert.throws(() => detectFormat('a.xlsx', Buffer.from('name')), /not a spreadsheet/);
  assert.equal(maskName('张三'), '张*');
});

class FakeStream extends EventEmitter {
  cancelled = false;
  cancel(): void {
    this.cancelled = true;
  }
}

test('a live feed says when the backend is lost and resumes by itself', async () => {
  const streams: FakeStream[] = [];
  const feed = new LiveFeed<number>(
    () => {
      const s = new FakeStream();
      streams.push(s);
      return s;
    },
    { minBackoffMs: 1, maxBackoffMs: 5 },
  );
  const seen: (number | string)[] = [];
  const unsubscribe = feed.subscribe({ data: (n) => seen.push(n), status: (s) => seen.push(s) });
  streams[0]!.emit('data', 1);
  streams[0]!.emit('error', new Error('gone'));
  await new Promise<void>((resolve) => {
    const check = () => (streams.length > 1 ? resolve() : setTimeout(check, 1));
    check();
  });
  streams[1]!.emit('data', 2);
  assert.deepEqual(seen, [1, 'lost', 'live', 2]);
  unsubscribe();
  assert.ok(streams[1]!.cancelled);
});

const figures: FiguresDto = {
  campaignId: 'c1',
  state: 'running',
  at: 0,
  dialed: 10,
  dialing: 1,
  ringing: 2,
  talking: 3,
  answered: 6,
  connected: 5,
  abandoned: 1,
  machines: 0,
  inFlight: 6,
  connectRate: 0.6,
  abandonRate: 1 / 6,
  abandonWindows: [
    { rulePack: 'us', windowDays: 30, answered: 6, abandoned: 1, rate: 1 / 6, limit: 0.03, budgetLeft: 0 },
  ],
  agents: { ready: 1, talking: 3, wrapUp: 0, paused: 1 },
  occupancy: 0.5,
  pacingRatio: 1.5,
  deniedByReason: { DO_NOT_CALL: 2 },
  failedByCause: { NORMAL_TEMPORARY_FAILURE: 1 },
  leadsInHopper: 3,
  leadsClosed: 4,
};

test('wallboard panel shows the figures in either language', () => {
  const en = renderToString(<FiguresPanel f={figures} t={tFor('en')} />);
  assert.match(en, /Connect rate/);
  assert.match(en, /60\.0%/);
  assert.match(en, /DO_NOT_CALL<!-- -->: <!-- -->2/);
  assert.match(en, /budget left/);
  const zh = renderToString(<FiguresPanel f={figures} t={tFor('zh')} />);
  assert.match(zh, /接通率/);
  assert.deepEqual(Object.keys(catalogues.zh).sort(), Object.keys(catalogues.en).sort());
});

test('pacing in a few symbols: progressive ratio; predictive target, cap and AMD false positives', () => {
  assert.equal(pacingText({ pacing: { ratio: 1.5 }, amd: false }), '×1.5');
  assert.equal(
    pacingText({ pacing: { targetAbandonRate: 0.02, maxDialRatio: 2.5, amdHumanFalsePositiveRate: 0.01 }, amd: true }),
    '≤ 2.0% · ≤ ×2.5 · AMD (1.0%)',
  );
  assert.equal(pacingText({ pacing: { targetAbandonRate: 0.03, maxDialRatio: 3 }, amd: true }), '≤ 3.0% · ≤ ×3 · AMD');
  assert.equal(pacingText({ pacing: {}, amd: false }), '');
});

test('the chart draws one path per series', () => {
  const svg = renderToString(
    <LineChart
      series={[
        { name: 'a', color: '#000', points: [0, 1, 0.5] },
        { name: 'b', color: '#f00', points: [1] },
      ]}
    />,
  );
  assert.equal(svg.match(/<path/g)?.length, 2);
});

test('transcript text: numbers read out are masked, short numbers and words stay', () => {
  assert.equal(maskDigits('card 4111 1111 1111 1111 please'), 'card **** **** **** **** please');
  assert.equal(maskDigits('call me on 138-0013-8000'), 'call me on ***-****-****');
  assert.equal(maskDigits('about 20 minutes, room 12345'), 'about 20 minutes, room 12345');
});

test('transcript view: intents, a sensitive-word alert only when there are any, each side named in the language', () => {
  const transcript: TranscriptDto = {
    recordingId: 'r1',
    campaignId: 'c1',
    attemptId: 'a1',
    agentId: '7',
    at: 0,
    tags: ['price', 'not_interested'],
    segments: [
      { speaker: 'agent', startMs: 0, endMs: 1_000, text: 'good morning' },
      { speaker: 'customer', startMs: 1_500, endMs: 3_000, text: 'not interested' },
    ],
    sensitiveWords: ['guaranteed return'],
  };
  // react-dom/server puts <!-- --> between adjacent text pieces.
  const zh = renderToString(<TranscriptView t={tFor('zh')} transcript={transcript} />).replace(/<!-- -->/g, '');
  assert.match(zh, /price, not_interested/);
  assert.match(zh, /role="alert"[^>]*>敏感词: guaranteed return/);
  assert.match(zh, /<b>坐席<\/b>.*good morning/);
  assert.match(zh, /<b>客户<\/b>.*not interested/);
  const calm = renderToString(<TranscriptView t={tFor('en')} transcript={{ ...transcript, sensitiveWords: [] }} />);
  assert.doesNotMatch(calm, /role="alert"/);
  assert.match(calm, /<b>Customer<\/b>/);
});
