import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FrameParser, decodeEvent } from '@outbound/esl';
import { CallTable, parseChannelDump, parseShowChannels } from '../../src/domain/call-table.js';
import {
  callEventId,
  CAUSE_LOST_WHILE_DISCONNECTED,
  recordingOfPath,
  type CallEvent,
} from '../../src/domain/call-events.js';
import { toSignal } from '../../src/domain/channel-signal.js';
import { DialStringError, buildOriginate, escapeVarValue } from '../../src/domain/dial-string.js';
import { NodeResponsiveness } from '../../src/domain/node-responsiveness.js';
import { selectNode } from '../../src/domain/node-selection.js';
import { parseEslNodes } from '../../src/config.js';

// ../shared beside the repository's root, from dist/test/unit/ (as switch-sim's fidelity test finds it).
const TRACES =
  process.env['ESL_TRACES_DIR'] ?? fileURLToPath(new URL('../../../../../../shared/esl-traces/', import.meta.url));

interface Summary {
  scenario: string;
  hangup: { 'Unique-ID': string };
}
const summaries = new Map(
  readFileSync(join(TRACES, '_summary.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Summary)
    .map((s) => [s.scenario, s]),
);

/** Replays a captured server stream through the parser and the call table for one channel. */
function replay(scenario: string): CallEvent[] {
  const uuid = summaries.get(scenario)?.hangup['Unique-ID'];
  assert.ok(uuid, `no summary for ${scenario}`);
  const table = new CallTable();
  const out: CallEvent[] = [
    ...table.register({ callId: uuid, node: 'fs1', campaignId: 'c1', leadId: 'l1', attemptId: 'a1' }, 0),
  ];
  const parser = new FrameParser();
  for (const result of parser.push(readFileSync(join(TRACES, `${scenario}.server.txt`)))) {
    if (result.kind !== 'frame') continue;
    const decoded = decodeEvent(result);
    if (decoded.kind !== 'event') continue;
    const signal = toSignal(decoded.event, 0);
    if (signal?.uuid === uuid) out.push(...table.apply(signal));
  }
  assert.equal(table.size, 0, 'the call must leave the table at hangup');
  return out;
}

const kinds = (events: CallEvent[]) =>
  events.map((e) => (e.kind === 'ringing' && e.earlyMedia ? 'ringing-early' : e.kind));
const hangupOf = (events: CallEvent[]) =>
  events.find((e): e is Extract<CallEvent, { kind: 'hangup' }> => e.kind === 'hangup');

test('answered call (plain): originated, ringing, answered, hangup NORMAL_CLEARING with billsec', () => {
  const events = replay('02-answered-call-plain');
  assert.deepEqual(kinds(events), ['originated', 'ringing', 'answered', 'hangup']);
  const hangup = hangupOf(events)!;
  assert.equal(hangup.cause, 'NORMAL_CLEARING');
  assert.equal(hangup.answered, true);
  assert.equal(hangup.billsec, 3);
  // The hang-up carries the answer's time, so it alone completes the call's record.
  const answered = events.find((e) => e.kind === 'answered')!;
  assert.equal(hangup.answeredAtMs, answered.atMs);
});

test('answered call (json events) gives the same domain events as plain', () => {
  assert.deepEqual(kinds(replay('05-answered-call-json')), ['originated', 'ringing', 'answered', 'hangup']);
});

test('remote BYE after answer: hangup NORMAL_CLEARING, answered', () => {
  const hangup = hangupOf(replay('02b-answered-remote-bye'))!;
  assert.equal(hangup.cause, 'NORMAL_CLEARING');
  assert.equal(hangup.answered, true);
});

const failures: Array<[string, string, number | undefined]> = [
  ['03a-busy-486', 'USER_BUSY', 486],
  ['03b-notfound-404', 'UNALLOCATED_NUMBER', 404],
  ['03c-decline-603', 'CALL_REJECTED', 603],
  ['03d-unavailable-480', 'NO_USER_RESPONSE', 480],
];
for (const [scenario, cause, sip] of failures) {
  test(`${scenario} → hangup ${cause} sip ${String(sip)}, not answered, billsec 0`, () => {
    const events = replay(scenario);
    assert.ok(!kinds(events).includes('answered'));
    const hangup = hangupOf(events)!;
    assert.equal(hangup.cause, cause);
    assert.equal(hangup.sipStatus, sip);
    assert.equal(hangup.answered, false);
    assert.equal(hangup.answeredAtMs, undefined);
    assert.equal(hangup.billsec, 0);
  });
}

test('no answer within originate_timeout → NO_ANSWER after ringing', () => {
  const events = replay('03e-noanswer-timeout5');
  assert.deepEqual(kinds(events), ['originated', 'ringing', 'hangup']);
  assert.equal(hangupOf(events)!.cause, 'NO_ANSWER');
});

test('183 early media then 486: ringing with early media, then USER_BUSY', () => {
  for (const scenario of [
    '03h-early-media-183-then-486-ignore_early_media',
    '03i-early-media-183-then-486-NO-ignore_early_media',
  ]) {
    const events = replay(scenario);
    assert.ok(kinds(events).includes('ringing-early'), scenario);
    assert.equal(hangupOf(events)!.cause, 'USER_BUSY', scenario);
    assert.equal(hangupOf(events)!.sipStatus, 486, scenario);
  }
});

test('each fact is reported once and has a stable event id', () => {
  const events = replay('02-answered-call-plain');
  const ids = events.map(callEventId);
  assert.equal(new Set(ids).size, ids.length);
  assert.deepEqual(ids, replay('02-answered-call-plain').map(callEventId));
});

test('reconcile: a vanished call gets a hangup, an answered one its answer; other nodes untouched', () => {
  const table = new CallTable();
  const ref = (callId: string, node = 'fs1') => ({ callId, node, campaignId: 'c', leadId: 'l', attemptId: callId });
  table.register(ref('gone'), 0);
  table.register(ref('up'), 0);
  table.register(ref('other', 'fs2'), 0);
  const events = table.reconcile('fs1', [{ uuid: 'up', callState: 'ACTIVE' }], 5_000);
  assert.deepEqual(
    events.map((e) => [e.call.callId, e.kind]),
    [
      ['gone', 'hangup'],
      ['up', 'answered'],
    ],
  );
  assert.equal(hangupOf(events)!.cause, CAUSE_LOST_WHILE_DISCONNECTED);
  assert.equal(table.size, 2);
  assert.deepEqual(table.reconcile('fs1', [{ uuid: 'up', callState: 'ACTIVE' }], 6_000), []);
});

test('show channels as json parses rows and the empty form', () => {
  assert.deepEqual(parseShowChannels('{"row_count": 0}\n'), []);
  assert.deepEqual(parseShowChannels('{"row_count":1,"rows":[{"uuid":"u1","callstate":"ACTIVE"}]}'), [
    { uuid: 'u1', callState: 'ACTIVE' },
  ]);
  assert.equal(parseShowChannels('-ERR nope'), undefined);
});

test('dial string: variables, gateway and park; unsafe values refused or escaped', () => {
  const dial = buildOriginate({
    callId: 'u-1',
    destination: '+15551234567',
    callerId: '+15550000000',
    gateway: 'gw1',
    ringTimeoutMs: 20_500,
    campaignId: 'c1',
    leadId: 'l1',
    attemptId: 'a1',
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  });
  assert.equal(
    dial,
    'originate {origination_uuid=u-1,origination_caller_id_number=+15550000000,originate_timeout=21,ignore_early_media=true,' +
      'outbound_campaign_id=c1,outbound_lead_id=l1,outbound_attempt_id=a1,traceparent=00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01}' +
      'sofia/gateway/gw1/+15551234567 &park()',
  );
  assert.equal(escapeVarValue('x', 'a,b'), 'a\\,b');
  assert.throws(() => escapeVarValue('x', 'a}b'), DialStringError);
  assert.throws(() => escapeVarValue('x', 'a b'), DialStringError);
  assert.throws(
    () =>
      buildOriginate({
        callId: 'u',
        destination: '1 &bad',
        gateway: 'g',
        ringTimeoutMs: 1,
        campaignId: 'c',
        leadId: 'l',
        attemptId: 'a',
      }),
    DialStringError,
  );
});

test('node selection: healthy, least loaded, round robin on ties', () => {
  const nodes = [
    { name: 'a', healthy: true, activeCalls: 1 },
    { name: 'b', healthy: true, activeCalls: 1 },
    { name: 'c', healthy: false, activeCalls: 0 },
  ];
  assert.equal(selectNode(nodes), 'a');
  assert.equal(selectNode(nodes, 'a'), 'b');
  assert.equal(selectNode(nodes, 'b'), 'a');
  assert.equal(
    selectNode([
      { name: 'a', healthy: true, activeCalls: 3 },
      { name: 'b', healthy: true, activeCalls: 1 },
    ]),
    'b',
  );
  assert.equal(selectNode([{ name: 'a', healthy: false, activeCalls: 0 }]), undefined);
});

test('ESL_NODES parsing', () => {
  assert.deepEqual(parseEslNodes('fs1=127.0.0.1:8021:ClueCon,fs2=h:9:pa:ss'), [
    { name: 'fs1', host: '127.0.0.1', port: 8021, password: 'ClueCon' },
    { name: 'fs2', host: 'h', port: 9, password: 'pa:ss' },
  ]);
  assert.throws(() => parseEslNodes('fs1=host'));
  assert.throws(() => parseEslNodes('a=h:1:p,a=h:2:p'));
});

test('a channel dump after a restart: our customer calls are adopted with their answer and bridge; others are not', () => {
  const dump = (fields: Record<string, string>): string =>
    JSON.stringify({
      'Unique-ID': 'u1',
      'Channel-Call-State': 'ACTIVE',
      'Caller-Channel-Answered-Time': '1795431540696449',
      variable_outbound_campaign_id: 'c1',
      variable_outbound_lead_id: 'l1',
      variable_outbound_attempt_id: 'a1',
      ...fields,
    });
  const dumped = parseChannelDump(dump({ variable_bridge_uuid: 'agent-1' }), 'fs1');
  assert.deepEqual(dumped, {
    ref: { callId: 'u1', node: 'fs1', campaignId: 'c1', leadId: 'l1', attemptId: 'a1' },
    callState: 'ACTIVE',
    answeredAtMs: 1795431540696,
    bridgedTo: 'agent-1',
  });
  assert.equal(parseChannelDump(dump({ variable_outbound_leg: 'agent' }), 'fs1'), undefined, 'agent leg');
  assert.equal(parseChannelDump(dump({ variable_outbound_attempt_id: '' }), 'fs1'), undefined, 'not ours');
  assert.equal(parseChannelDump('-ERR No such channel!\n', 'fs1'), undefined);

  const table = new CallTable();
  const events = table.adopt(dumped, 1795431600000);
  assert.deepEqual(
    events.map((e) => [e.kind, e.atMs]),
    [
      ['answered', 1795431540696],
      ['bridged', 1795431600000],
    ],
  );
  assert.equal(table.countOn('fs1'), 1);
  assert.deepEqual(table.adopt(dumped, 1795431600001), [], 'adopted once');
  // Its hang-up repeats the answer and the bridge, so it alone completes the call's record.
  const [hangup] = table.apply({
    type: 'hangup',
    uuid: 'u1',
    atMs: 1795431660000,
    cause: 'NORMAL_CLEARING',
    complete: true,
    vars: {},
  });
  assert.deepEqual(hangup?.kind === 'hangup' && [hangup.answeredAtMs, hangup.bridge], [
    1795431540696,
    { atMs: 1795431600000, agentCallId: 'agent-1' },
  ]);
  const ringing = parseChannelDump(
    dump({ 'Unique-ID': 'u2', 'Channel-Call-State': 'RINGING', 'Caller-Channel-Answered-Time': '0' }),
    'fs1',
  );
  assert.deepEqual(table.adopt(ringing!, 1), [], 'a ringing call has nothing to report yet');
  const answered = table.apply({ type: 'answer', uuid: 'u2', atMs: 5, vars: {} });
  assert.deepEqual(
    answered.map((e) => e.kind),
    ['answered'],
    'its answer is reported when it comes',
  );
});

test('RECORD_STOP of a recording media started → one recorded fact per recording; other files are not ours', () => {
  const callId = '5057ef4a-b688-4ebf-82b2-60ab89b961d6';
  const table = new CallTable();
  table.register({ callId, node: 'fs1', campaignId: 'c1', leadId: 'l1', attemptId: 'a1' }, 0);
  const stop = (path: string) =>
    toSignal(
      {
        name: 'RECORD_STOP',
        uuid: callId,
        headers: new Map([
          ['Record-File-Path', path],
          ['variable_record_ms', '2720'],
          ['variable_record_file_size', '43564'],
          ['Record-Completion-Cause', 'success-silence'],
        ]),
      },
      5,
    )!;
  const [recorded] = table.apply(stop(`/var/rec/${callId}/r-1.wav`));
  assert.deepEqual(recorded, {
    kind: 'recorded',
    call: { callId, node: 'fs1', campaignId: 'c1', leadId: 'l1', attemptId: 'a1' },
    atMs: 5,
    recordingId: 'r-1',
    path: `${callId}/r-1.wav`,
    durationMs: 2720,
    sizeBytes: 43564,
    cause: 'success-silence',
  });
  assert.equal(callEventId(recorded), `${callId}.recorded.r-1`);
  // A file someone else recorded on the channel (not in a folder named by the call) is not reported.
  assert.deepEqual(table.apply(stop('/tmp/x-02-answered-call-plain.wav')), []);
  assert.equal(recordingOfPath(`/a/other-call/r-1.wav`, callId), undefined);
  assert.equal(recordingOfPath(`/a/${callId}/../r-1.wav`, callId), undefined);
});

test('node responsiveness: a slow reply holds the node back for the hold; fast replies do not; a long wait counts at once', () => {
  const r = new NodeResponsiveness({ slowMs: 1_000, holdMs: 3_000 });
  const fast = r.sent('fs1', 0);
  assert.equal(r.answered('fs1', fast, 20), undefined, 'a fast answer is not reported as slow');
  assert.equal(r.slow('fs1', 20), false, 'a 20 ms reply');
  const slow = r.sent('fs1', 100);
  assert.equal(r.slow('fs1', 1_099), false, 'waiting 999 ms');
  assert.equal(r.slow('fs1', 1_100), true, 'waiting 1,000 ms: slow before the reply comes');
  assert.equal(r.answered('fs1', slow, 1_500), 1_400, 'a slow answer says how long it took');
  assert.equal(r.slow('fs1', 4_499), true, 'within the hold after the slow reply');
  assert.equal(r.slow('fs1', 4_500), false, 'the hold has passed');
  assert.equal(r.slow('fs2', 4_500), false, 'another node is not affected');
  r.answered('fs1', 999, 5_000);
  assert.equal(r.slow('fs1', 5_000), false, 'an unknown token changes nothing');
});
