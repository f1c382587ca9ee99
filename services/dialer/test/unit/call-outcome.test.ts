import { test } from 'node:test';
import assert from 'node:assert/strict';
import { afterDenial, callOutcome, pacerFailCause, type CallFacts } from '../../src/domain/call-outcome.js';
import type { AttemptOutcome } from '../../src/domain/model.js';

const unanswered = (cause: string, sipStatus?: number): CallFacts => ({
  cause,
  ...(sipStatus === undefined ? {} : { sipStatus }),
  answered: false,
  bridged: false,
  abandoned: false,
  agentless: false,
});

test('call-outcome: switch-sim causes of calls never answered map to their outcomes', () => {
  const table: Array<[string, AttemptOutcome]> = [
    ['USER_BUSY', 'busy'],
    ['NO_ANSWER', 'no_answer'],
    ['NO_USER_RESPONSE', 'no_answer'],
    ['ORIGINATOR_CANCEL', 'no_answer'],
    ['UNALLOCATED_NUMBER', 'invalid_number'],
    ['CALL_REJECTED', 'rejected'],
    ['NORMAL_TEMPORARY_FAILURE', 'network_failure'],
    ['NETWORK_OUT_OF_ORDER', 'network_failure'],
    ['SYSTEM_SHUTDOWN', 'failed'],
  ];
  for (const [cause, outcome] of table) assert.equal(callOutcome(unanswered(cause)), outcome, cause);
});

test('call-outcome: an unknown cause falls back to the SIP status, then to failed', () => {
  assert.equal(callOutcome(unanswered('SOMETHING_NEW', 486)), 'busy');
  assert.equal(callOutcome(unanswered('SOMETHING_NEW', 480)), 'no_answer');
  assert.equal(callOutcome(unanswered('SOMETHING_NEW', 404)), 'invalid_number');
  assert.equal(callOutcome(unanswered('SOMETHING_NEW', 603)), 'rejected');
  assert.equal(callOutcome(unanswered('SOMETHING_NEW', 503)), 'network_failure');
  assert.equal(callOutcome(unanswered('SOMETHING_NEW', 302)), 'failed');
  assert.equal(callOutcome(unanswered('SOMETHING_NEW')), 'failed');
});

test('call-outcome: what happened on an answered call decides over the cause', () => {
  const answered = { cause: 'NORMAL_CLEARING', answered: true, bridged: false, abandoned: false, agentless: false };
  assert.equal(callOutcome({ ...answered, bridged: true }), 'connected');
  assert.equal(callOutcome({ ...answered, abandoned: true }), 'abandoned');
  // Abandoned wins over a bridge that was started (the dialer gave up on it).
  assert.equal(callOutcome({ ...answered, bridged: true, abandoned: true }), 'abandoned');
  assert.equal(callOutcome({ ...answered, amdVerdict: 'machine' }), 'machine');
  // A machine passed to an agent and bridged is a connected call.
  assert.equal(callOutcome({ ...answered, amdVerdict: 'machine', bridged: true }), 'connected');
  // A live answer nobody took, the customer hanging up while waiting: an abandon.
  assert.equal(callOutcome({ ...answered, amdVerdict: 'human' }), 'abandoned');
  // Agentless: the prompt serves the live answer.
  assert.equal(callOutcome({ ...answered, agentless: true }), 'connected');
  assert.equal(callOutcome({ ...answered, agentless: true, amdVerdict: 'machine' }), 'machine');
});

test('call-outcome: the pacer sees failures in its four causes', () => {
  assert.equal(pacerFailCause('busy'), 'USER_BUSY');
  assert.equal(pacerFailCause('rejected'), 'USER_BUSY');
  assert.equal(pacerFailCause('no_answer'), 'NO_ANSWER');
  assert.equal(pacerFailCause('invalid_number'), 'UNALLOCATED_NUMBER');
  assert.equal(pacerFailCause('network_failure'), 'NETWORK_OUT_OF_ORDER');
  assert.equal(pacerFailCause('failed'), 'NETWORK_OUT_OF_ORDER');
});

test('call-outcome: a denial closes the lead for do-not-call, opt-out, invalid number; anything else is retried', () => {
  const now = new Date('2026-12-02T10:00:00Z');
  assert.deepEqual(afterDenial(['DO_NOT_CALL'], now, 60_000), { closeReason: 'do_not_call' });
  assert.deepEqual(afterDenial(['OUTSIDE_CALLING_WINDOW', 'OPTED_OUT'], now, 60_000), { closeReason: 'opted_out' });
  assert.deepEqual(afterDenial(['INVALID_NUMBER'], now, 60_000), { closeReason: 'invalid_number' });
  assert.deepEqual(afterDenial(['OUTSIDE_CALLING_WINDOW'], now, 60_000), { retryAt: new Date(now.getTime() + 60_000) });
  assert.deepEqual(afterDenial(['LEAD_FREQUENCY_CAP', 'CALLER_ID_CAP'], now, 5_000), {
    retryAt: new Date(now.getTime() + 5_000),
  });
});

test('a call media refused to stay under the switch’s sessions per second is tried again like a network failure', () => {
  assert.equal(
    callOutcome({
      cause: 'MEDIA_NODE_OVERLOADED',
      answered: false,
      bridged: false,
      abandoned: false,
      agentless: false,
    }),
    'network_failure',
  );
});
