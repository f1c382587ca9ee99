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

/** A final SIP response and the cause FreeSWITCH maps it to (observed in the captures). */
export interface FinalResponse {
  readonly status: number;
  readonly phrase: string;
  readonly cause: string;
}
