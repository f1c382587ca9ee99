// What an ended call means for the campaign: the hangup cause (FreeSWITCH names, as media reports
// them) and what happened on the call (answered, AMD verdict, bridged, abandoned) → one outcome.

import type { AttemptOutcome } from './model.js';
import type { FailCause } from './pacing/index.js';

export interface CallFacts {
  /** FreeSWITCH hangup cause, e.g. NORMAL_CLEARING, USER_BUSY. */
  readonly cause: string;
  readonly sipStatus?: number | undefined;
  readonly answered: boolean;
  readonly bridged: boolean;
  readonly abandoned: boolean;
  readonly amdVerdict?: 'human' | 'machine' | 'unknown' | undefined;
  /** An agentless campaign: an answered live call is served by the prompt, not by an agent. */
  readonly agentless: boolean;
}

/** Causes of calls that never connected, by outcome (switch-sim's README lists what it produces). */
const CAUSES: Readonly<Record<string, AttemptOutcome>> = {
  USER_BUSY: 'busy',
  NO_ANSWER: 'no_answer',
  NO_USER_RESPONSE: 'no_answer',
  ORIGINATOR_CANCEL: 'no_answer',
  ALLOTTED_TIMEOUT: 'no_answer',
  PROGRESS_TIMEOUT: 'no_answer',
  UNALLOCATED_NUMBER: 'invalid_number',
  INVALID_NUMBER_FORMAT: 'invalid_number',
  NO_ROUTE_DESTINATION: 'invalid_number',
  NUMBER_CHANGED: 'invalid_number',
  CALL_REJECTED: 'rejected',
  NORMAL_TEMPORARY_FAILURE: 'network_failure',
  NETWORK_OUT_OF_ORDER: 'network_failure',
  DESTINATION_OUT_OF_ORDER: 'network_failure',
  RECOVERY_ON_TIMER_EXPIRE: 'network_failure',
  NORMAL_CIRCUIT_CONGESTION: 'network_failure',
  SWITCH_CONGESTION: 'network_failure',
  GATEWAY_DOWN: 'network_failure',
  SERVICE_UNAVAILABLE: 'network_failure',
  // media refused the originate to stay under the node's sessions per second: tried again like a network failure.
  MEDIA_NODE_OVERLOADED: 'network_failure',
};

/** SIP final responses for causes the table does not know. */
function fromSipStatus(status: number): AttemptOutcome | undefined {
  if (status === 486 || status === 600) return 'busy';
  if (status === 480 || status === 408 || status === 487) return 'no_answer';
  if (status === 404 || status === 484 || status === 410 || status === 604) return 'invalid_number';
  if (status === 603) return 'rejected';
  if (status >= 500 && status < 600) return 'network_failure';
  return undefined;
}

export function callOutcome(facts: CallFacts): AttemptOutcome {
  if (facts.abandoned) return 'abandoned';
  if (facts.bridged) return 'connected';
  if (facts.answered) {
    if (facts.amdVerdict === 'machine') return 'machine';
    // A live answer nobody served: the customer hung up while waiting for an agent.
    return facts.agentless ? 'connected' : 'abandoned';
  }
  const byCause = CAUSES[facts.cause];
  if (byCause) return byCause;
  const bySip = facts.sipStatus === undefined ? undefined : fromSipStatus(facts.sipStatus);
  return bySip ?? 'failed';
}

/** The pacer's view of a call that failed before answer. */
export function pacerFailCause(outcome: AttemptOutcome): FailCause {
  switch (outcome) {
    case 'busy':
    case 'rejected':
      return 'USER_BUSY';
    case 'no_answer':
      return 'NO_ANSWER';
    case 'invalid_number':
      return 'UNALLOCATED_NUMBER';
    case 'network_failure':
    case 'failed':
    case 'connected':
    case 'abandoned':
    case 'machine':
    case 'denied':
      return 'NETWORK_OUT_OF_ORDER';
  }
}

/** Compliance denial reasons that close the lead for good; any other denial is retried later. */
const CLOSING_DENIALS = new Set(['DO_NOT_CALL', 'OPTED_OUT', 'INVALID_NUMBER']);

/** A denied dial: the lead closed (do-not-call, opted out, invalid) or due again later. */
export function afterDenial(
  reasons: readonly string[],
  now: Date,
  retryAfterMs: number,
): { retryAt: Date } | { closeReason: string } {
  const closing = reasons.find((reason) => CLOSING_DENIALS.has(reason));
  if (closing) return { closeReason: closing === 'OPTED_OUT' ? 'opted_out' : closing.toLowerCase() };
  return { retryAt: new Date(now.getTime() + retryAfterMs) };
}

/** A call its node no longer had, whose hang-up nobody saw (media's word for the same). */
export const CAUSE_CALL_GONE = 'MEDIA_RECONCILED_GONE';

/** An adopted attempt its dead owner never saw placed, voided so that it never will be. */
export const CAUSE_ATTEMPT_VOIDED = 'ATTEMPT_VOIDED';

/**
 * Hang-up causes of attempts that never reached a line (media took no call; every line full or
 * out; voided unplaced): the lead's retry counting leaves them out, since the customer was never dialled.
 */
export const NOT_PLACED_CAUSES: readonly string[] = ['MEDIA_UNAVAILABLE', 'NO_LINE_AVAILABLE', CAUSE_ATTEMPT_VOIDED];
