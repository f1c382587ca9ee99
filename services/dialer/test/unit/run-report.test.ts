import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  callsWithoutAttempt,
  deniedDialed,
  leadsDialedTwiceAtOnce,
  matchGroundTruth,
  type RunAttempt,
  type TruthCall,
} from '../../src/cli/run-report.js';

const attempt = (over: Partial<RunAttempt>): RunAttempt => ({
  attemptId: 'a1',
  leadId: 'l1',
  outcome: 'connected',
  callId: 'c1',
  hangupCause: 'NORMAL_CLEARING',
  complianceCheckId: 'k1',
  denied: false,
  amdVerdict: '',
  originatedAtMs: 1_000,
  answeredAtMs: 3_000,
  bridgedAtMs: 3_500,
  endedAtMs: 20_000,
  ...over,
});

const truth = (over: Partial<TruthCall>): TruthCall => ({
  uuid: 'c1',
  outcome: 'human',
  cause: 'NORMAL_CLEARING',
  answeredAt: '2026-12-02T00:00:03Z',
  bridgedAt: '2026-12-02T00:00:03.5Z',
  ...over,
});

test('a bridged human call matches its connected attempt', () => {
  assert.deepEqual(matchGroundTruth([truth({})], [attempt({})]), { matching: 1, mismatches: [] });
});

test('each kind of disagreement is a mismatch with its reason', () => {
  const cases: Array<[TruthCall, RunAttempt, RegExp]> = [
    [truth({ uuid: 'zz' }), attempt({}), /no attempt/],
    [truth({}), attempt({ endedAtMs: undefined }), /not ended/],
    [truth({ cause: 'USER_BUSY' }), attempt({}), /cause/],
    [truth({ answeredAt: null, bridgedAt: null, outcome: 'busy' }), attempt({ outcome: 'busy' }), /answered/],
    [truth({ bridgedAt: null }), attempt({}), /bridged/],
    [truth({}), attempt({ outcome: 'busy' }), /outcome busy/],
    [
      truth({ answeredAt: null, bridgedAt: null, outcome: 'busy', cause: 'USER_BUSY' }),
      attempt({ outcome: 'no_answer', hangupCause: 'USER_BUSY', answeredAtMs: undefined, bridgedAtMs: undefined }),
      /outcome no_answer/,
    ],
  ];
  for (const [call, a, why] of cases) {
    const result = matchGroundTruth([call], [a]);
    assert.equal(result.matching, 0);
    assert.match(result.mismatches[0]!.why, why);
  }
});

test('unanswered outcomes map from the far end to the attempt', () => {
  const unanswered = { answeredAtMs: undefined, bridgedAtMs: undefined };
  const pairs: Array<[string, string, string]> = [
    ['busy', 'USER_BUSY', 'busy'],
    ['no_answer', 'NO_ANSWER', 'no_answer'],
    ['invalid', 'UNALLOCATED_NUMBER', 'invalid_number'],
    ['decline', 'CALL_REJECTED', 'rejected'],
    ['network_failure', 'NORMAL_TEMPORARY_FAILURE', 'network_failure'],
  ];
  for (const [outcome, cause, mine] of pairs) {
    const r = matchGroundTruth(
      [truth({ outcome, cause, answeredAt: null, bridgedAt: null })],
      [attempt({ outcome: mine, hangupCause: cause, ...unanswered })],
    );
    assert.equal(r.matching, 1, `${outcome} → ${mine}`);
  }
});

test('overlapping calls of one lead count once; sequential ones do not count', () => {
  const sequential = [
    attempt({ attemptId: 'a1', originatedAtMs: 0, endedAtMs: 10 }),
    attempt({ attemptId: 'a2', originatedAtMs: 10, endedAtMs: 20 }),
  ];
  assert.equal(leadsDialedTwiceAtOnce(sequential), 0);
  const overlapping = [
    attempt({ attemptId: 'a1', originatedAtMs: 0, endedAtMs: 10 }),
    attempt({ attemptId: 'a2', originatedAtMs: 5, endedAtMs: 20 }),
    attempt({ attemptId: 'a3', originatedAtMs: 6, endedAtMs: 30 }),
    attempt({ attemptId: 'b1', leadId: 'l2', originatedAtMs: 0, endedAtMs: undefined }),
    attempt({ attemptId: 'b2', leadId: 'l2', originatedAtMs: 50, endedAtMs: 60 }),
  ];
  assert.equal(leadsDialedTwiceAtOnce(overlapping), 2);
});

test('a placed call without an allowing check is a refused dial', () => {
  assert.equal(deniedDialed([attempt({})]), 0);
  assert.equal(deniedDialed([attempt({ denied: true, callId: '' })]), 0);
  assert.equal(deniedDialed([attempt({ complianceCheckId: '' }), attempt({ denied: true })]), 2);
});

test('run report: a call with no attempt, or an attempt never ended, is a lost record; a different cause is a lost detail', () => {
  assert.equal(
    callsWithoutAttempt([
      { callId: 'a', why: 'no attempt placed this call' },
      { callId: 'b', why: 'attempt not ended' },
      { callId: 'c', why: 'cause MEDIA_RECONCILED_GONE vs NORMAL_CLEARING' },
    ]),
    2,
  );
});
