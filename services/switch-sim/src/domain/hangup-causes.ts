/** Q.850 numbers of the hangup causes the simulator produces (switch_channel.c cause table). */
export const HANGUP_CAUSES: Readonly<Record<string, number>> = {
  UNALLOCATED_NUMBER: 1,
  NORMAL_CLEARING: 16,
  USER_BUSY: 17,
  NO_USER_RESPONSE: 18,
  NO_ANSWER: 19,
  CALL_REJECTED: 21,
  DESTINATION_OUT_OF_ORDER: 27,
  NORMAL_TEMPORARY_FAILURE: 41,
  ORIGINATOR_CANCEL: 487,
  SYSTEM_SHUTDOWN: 503,
  MANAGER_REQUEST: 503,
  LOSE_RACE: 502,
  USER_NOT_REGISTERED: 606,
};

/**
 * Every cause name FreeSWITCH knows (switch_channel.c CAUSE_CHART) with its Q.850 number; causes
 * above 127 report 16 in hangup_cause_q850 unless listed above from a capture.
 */
const Q850: Readonly<Record<string, number>> = {
  NO_ROUTE_TRANSIT_NET: 2,
  NO_ROUTE_DESTINATION: 3,
  CHANNEL_UNACCEPTABLE: 6,
  CALL_AWARDED_DELIVERED: 7,
  SUBSCRIBER_ABSENT: 20,
  NUMBER_CHANGED: 22,
  REDIRECTION_TO_NEW_DESTINATION: 23,
  EXCHANGE_ROUTING_ERROR: 25,
  INVALID_NUMBER_FORMAT: 28,
  FACILITY_REJECTED: 29,
  RESPONSE_TO_STATUS_ENQUIRY: 30,
  NORMAL_UNSPECIFIED: 31,
  NORMAL_CIRCUIT_CONGESTION: 34,
  NETWORK_OUT_OF_ORDER: 38,
  SWITCH_CONGESTION: 42,
  ACCESS_INFO_DISCARDED: 43,
  REQUESTED_CHAN_UNAVAIL: 44,
  PRE_EMPTED: 45,
  FACILITY_NOT_SUBSCRIBED: 50,
  OUTGOING_CALL_BARRED: 52,
  INCOMING_CALL_BARRED: 54,
  BEARERCAPABILITY_NOTAUTH: 57,
  BEARERCAPABILITY_NOTAVAIL: 58,
  SERVICE_UNAVAILABLE: 63,
  BEARERCAPABILITY_NOTIMPL: 65,
  CHAN_NOT_IMPLEMENTED: 66,
  FACILITY_NOT_IMPLEMENTED: 69,
  SERVICE_NOT_IMPLEMENTED: 79,
  INVALID_CALL_REFERENCE: 81,
  INCOMPATIBLE_DESTINATION: 88,
  INVALID_MSG_UNSPECIFIED: 95,
  MANDATORY_IE_MISSING: 96,
  MESSAGE_TYPE_NONEXIST: 97,
  WRONG_MESSAGE: 98,
  IE_NONEXIST: 99,
  INVALID_IE_CONTENTS: 100,
  WRONG_CALL_STATE: 101,
  RECOVERY_ON_TIMER_EXPIRE: 102,
  MANDATORY_IE_LENGTH_ERROR: 103,
  PROTOCOL_ERROR: 111,
  INTERWORKING: 127,
};
const ABOVE_127 = [
  'SUCCESS',
  'CRASH',
  'BLIND_TRANSFER',
  'ATTENDED_TRANSFER',
  'ALLOTTED_TIMEOUT',
  'USER_CHALLENGE',
  'MEDIA_TIMEOUT',
  'PICKED_OFF',
  'PROGRESS_TIMEOUT',
  'INVALID_GATEWAY',
  'GATEWAY_DOWN',
  'INVALID_URL',
  'INVALID_PROFILE',
  'NO_PICKUP',
  'SRTP_READ_ERROR',
];

/** The cause FreeSWITCH would use for a cause name from a client (uuid_kill, hupall, hangup): unknown → NORMAL_CLEARING. */
export function knownCause(name: string | undefined): string {
  if (name === undefined || name === '') return 'NORMAL_CLEARING';
  const upper = name.toUpperCase();
  return upper in HANGUP_CAUSES || upper in Q850 || ABOVE_127.includes(upper) ? upper : 'NORMAL_CLEARING';
}

/** hangup_cause_q850 of a cause. */
export function q850Of(cause: string): number {
  return HANGUP_CAUSES[cause] ?? Q850[cause] ?? 16;
}

/** A final SIP response and the cause FreeSWITCH maps it to (observed in the captures). */
export interface FinalResponse {
  readonly status: number;
  readonly phrase: string;
  readonly cause: string;
}
