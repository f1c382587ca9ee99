// Domain types of the predictive pacer: what a dialer sees (events, a state snapshot) and what the
// pacer answers (a launch count plus an auditable decision record). Times are milliseconds on the
// caller's clock; the pacer never reads a clock of its own.

export type FailCause = 'NO_ANSWER' | 'USER_BUSY' | 'UNALLOCATED_NUMBER' | 'NETWORK_OUT_OF_ORDER';

export type CallEvent =
  | { type: 'call_originated'; tMs: number; callId: number }
  /** With AMD this fires when detection ends; answeredAtMs is the raw answer instant. */
  | { type: 'call_answered'; tMs: number; callId: number; detected: 'human' | 'machine'; answeredAtMs: number }
  | { type: 'call_failed'; tMs: number; callId: number; cause: FailCause }
  /** Launched but never placed (media refused it): nothing about the answer rate is learnt. */
  | { type: 'call_not_placed'; tMs: number; callId: number }
  | { type: 'call_connected_to_agent'; tMs: number; callId: number; agentId: number; waitedMs: number }
  | { type: 'call_abandoned'; tMs: number; callId: number; waitedMs: number }
  | {
      type: 'call_ended';
      tMs: number;
      callId: number;
      reason: 'completed' | 'abandoned' | 'amd_machine_hangup';
      agentId?: number;
      disposition?: 'human' | 'machine';
    };

export type AgentEvent =
  | { type: 'agent_ready'; tMs: number; agentId: number; login: boolean }
  | { type: 'agent_busy'; tMs: number; agentId: number; callId: number }
  | { type: 'agent_wrapup'; tMs: number; agentId: number }
  | { type: 'agent_logout'; tMs: number; agentId: number };

export type PacerEvent = CallEvent | AgentEvent;

/** Campaign state at one pacing tick. */
export interface PacingSnapshot {
  nowMs: number;
  agentsLoggedIn: number;
  agentsReady: number;
  agentsTalking: number;
  agentsWrapUp: number;
  /** Dialled, not yet presented (includes AMD analysis in progress). */
  callsRinging: number;
  /** Presented as live, no agent yet. */
  callsWaitingForAgent: number;
  channelsInUse: number;
  channelCapacity: number;
  maxCps: number;
}

/** Why the launch count stopped where it did. */
export type LimitReason =
  'warming_up' | 'channel_capacity' | 'calls_per_second' | 'dial_ratio' | 'marginal_risk' | 'abandon_budget';

/** Estimates the decision was based on (rates are per call, times in ms). */
export interface PacingEstimates {
  liveAnswerProbability: number;
  machineAnswerProbability: number;
  meanTimeToLiveAnswerMs: number;
  meanTalkMs: number;
  meanWrapMs: number;
  /** Busy agents expected back by the median live-answer delay + grace (0 if not computed). */
  expectedAgentReleases: number;
  /** Observed / predicted abandons: the model's calibration factor. */
  calibration: number;
  /** Abandon probability (per live answer) of the last call launched, or of the first refused. */
  marginalAbandonRisk: number;
  /** The ceiling that marginal risk was held to this tick. */
  marginalRiskThreshold: number;
  /** Upward jumps of the live-answer rate per hour lately (change-detector alarms, decayed over an
   *  hour) and the factor by which the rate would rise if it jumped to its recent peak. */
  answerJumpsPerHour: number;
  answerPeakFactor: number;
  /** A regime the detector cannot see: the share of time the live rate sits far above the level
   *  (beyond chance, batches of 20 calls) and its factor over the estimate (`hiddenRegimes`). */
  answerHiddenHighShare: number;
  answerHiddenHighFactor: number;
  /** The queue a new call would meet, at each presentation delay examined (quantiles of the
   *  live-answer delay); empty when not examined (warming up, or no room to launch). */
  outlook: OutlookPoint[];
}

/** What the model expects within one examined delay (without a jump of the answer rate). */
export interface OutlookPoint {
  delayMs: number;
  /** Live answers the calls in flight will present within delayMs. */
  liveAnswersFromCallsInFlight: number;
  /** Busy agents expected back within delayMs + the abandon grace (logouts discounted). */
  agentReleases: number;
}

export interface PacingBudget {
  /** Abandons the tightest legal window can still take beyond the upper bound of what is committed. */
  headroom: number;
  /** Expected abandons of calls in flight, including this tick's launches. */
  committed: number;
  /** Share of presented answers that are live people (agents' dispositions). */
  humanShare: number;
  /** Start of the tightest window, or null when no window is open. */
  tightestWindowStartMs: number | null;
  /** Presented answers per hour expected from now on (before the share below). */
  expectedAnswersPerHour: number;
  /** Share of the expected answer rate the windows count on from now on (AnswerCredit). */
  futureAnswerShare: number;
  /** Every window also had to survive the answer rate jumping to its recent peak now. */
  stressTested: boolean;
}

/** One auditable pacing decision: enough to replay and explain it. */
export interface PacingDecision {
  atMs: number;
  launch: number;
  predictive: boolean;
  limitedBy: LimitReason;
  snapshot: PacingSnapshot;
  estimates: PacingEstimates;
  budget: PacingBudget;
}
