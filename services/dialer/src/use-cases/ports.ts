// What the use cases need from the outside world, in domain words. Adapters implement these
// (adapters/sql, adapters/redis, adapters/grpc); use cases never import an adapter.

import type { CallerIdCaps } from '../domain/caller-ids.js';
import type {
  Agent,
  Attempt,
  AttemptOutcome,
  Campaign,
  CampaignLead,
  CampaignSettings,
  CampaignState,
  Disposition,
} from '../domain/model.js';

export interface Page<T> {
  readonly items: T[];
  /** Opaque cursor for the next page; absent on the last page. */
  readonly next?: string;
}

/** PostgreSQL `campaigns` (adapters/sql/campaigns-repo.ts). */
export interface CampaignStore {
  /** ALREADY_EXISTS (AlreadyExistsError) when the id is taken. */
  create(campaignId: string, settings: CampaignSettings): Promise<Campaign>;
  get(campaignId: string): Promise<Campaign | undefined>;
  /** Several at once (absent ones are not in the map): the engine reads its campaigns every second. */
  getMany(campaignIds: readonly string[]): Promise<Map<string, Campaign>>;
  list(options: { state?: CampaignState; pageSize: number; pageToken?: string }): Promise<Page<Campaign>>;
  /** Replaces the settings, bumps the version. NotFoundError when absent. */
  updateSettings(campaignId: string, settings: CampaignSettings): Promise<Campaign>;
  /**
   * Atomic state change: only when the current state is one of `from` (else FailedPreconditionError
   * naming the current state); bumps the version.
   */
  transition(campaignId: string, from: readonly CampaignState[], to: CampaignState): Promise<Campaign>;
  /** Campaigns in these states (the engine runs the running ones, also after a restart). */
  inStates(states: readonly CampaignState[]): Promise<Campaign[]>;
  /** Records a new owner's fencing token; false when a newer one is recorded already. */
  raiseFence(campaignId: string, fence: number): Promise<boolean>;
}

export interface NewCampaignLead {
  readonly leadId: string;
  readonly listId: string;
  readonly priority?: number;
  readonly nextAttemptAt?: Date;
  readonly agentId?: string;
  readonly script?: string;
  readonly lineClass?: string;
}

/** PostgreSQL `campaign_leads` (adapters/sql/campaign-leads-repo.ts). */
export interface CampaignLeadStore {
  /** Adds leads not yet in the campaign (a closed lead is never reopened by a fill). Returns how many were new. */
  add(campaignId: string, leads: readonly NewCampaignLead[]): Promise<number>;
  /**
   * A task or follow-up for a lead: adds it, or reopens/reschedules it (priority, time, agent) unless it
   * is in flight or closed for good (invalid number, opted out).
   */
  schedule(campaignId: string, lead: NewCampaignLead): Promise<void>;
  /** Open leads due at `now`, priority first, then next-attempt time. */
  due(campaignId: string, now: Date, limit: number): Promise<CampaignLead[]>;
  get(campaignId: string, leadId: string): Promise<CampaignLead | undefined>;
  counts(campaignId: string): Promise<{ open: number; inFlight: number; closed: number; due: number }>;
}

export interface BeginAttempt {
  readonly attemptId: string;
  readonly campaignId: string;
  readonly leadId: string;
  readonly dialMode: Campaign['settings']['modeSettings']['mode'];
  readonly traceparent?: string;
  /** The owner's fencing token: refused (StaleOwnerError) when a newer owner took the campaign. */
  readonly fence?: number;
}

export type AttemptPatch = Partial<
  Pick<
    Attempt,
    | 'complianceCheckId'
    | 'denialReasons'
    | 'callerId'
    | 'line'
    | 'callId'
    | 'node'
    | 'agentId'
    | 'agentCallId'
    | 'amdVerdict'
    | 'digits'
  > & {
    /** The dialer asked media to bridge (answer-to-bridge latency with answeredAt). */
    bridgeRequestedAt: Date;
    /** The agent who took the call had been ready since (with answeredAt: when it could first be bridged). */
    agentReadyAt: Date;
    checkedAt: Date;
    originatedAt: Date;
    ringingAt: Date;
    answeredAt: Date;
    amdAt: Date;
    bridgedAt: Date;
    abandonedAt: Date;
  }
>;

/** A begun attempt and what its lead's row says about how to place it (read in the same statement). */
export interface BegunAttempt {
  readonly attempt: Attempt;
  readonly lead: { readonly agentId?: string; readonly lineClass?: string };
}

export interface FinishAttempt {
  readonly outcome: AttemptOutcome;
  readonly endedAt: Date;
  readonly hangupCause?: string;
  readonly sipStatus?: number;
  readonly billsec?: number;
  /** What happens to the lead: due again at a time, or closed with a reason. */
  readonly lead: { readonly retryAt: Date } | { readonly closeReason: string };
}

/** PostgreSQL `attempts` (+ the lead's row in `campaign_leads`, in the same transaction). */
export interface ListAttempts {
  readonly campaignId: string;
  readonly leadId?: string;
  /** Only attempts that ended with this outcome. */
  readonly outcome?: AttemptOutcome;
  /** Newest first (queueing time, then attempt id) instead of by attempt id. */
  readonly newestFirst?: boolean;
  /** Only attempts with a follow-up time that this agent took or disposed. */
  readonly followUpsOfAgent?: string;
  readonly pageSize: number;
  readonly pageToken?: string;
}

export type AttemptGrouping = 'campaign' | 'agent' | 'line' | 'hour';

export interface AttemptSummaryQuery {
  readonly campaignIds: readonly string[];
  readonly groupBy: AttemptGrouping;
  /** Only the attempts this agent took. */
  readonly agentId?: string;
  /** Dialled (queued when never dialled) at or after `from`, before `to`. */
  readonly from?: Date;
  readonly to?: Date;
  /** Disposition codes counted as conversions. */
  readonly conversionCodes: readonly string[];
}

/** One group's tallies; `key` is the campaign, agent (empty: none) or line; `hour` with 'hour'. */
export interface AttemptTally {
  readonly key: string;
  readonly hour?: Date;
  /** Ended with an outcome other than denied. */
  readonly dials: number;
  readonly connects: number;
  /** Billed seconds of connected calls. */
  readonly talkSeconds: number;
  readonly abandoned: number;
  readonly machines: number;
  readonly intents: { readonly A: number; readonly B: number; readonly C: number };
  readonly conversions: number;
}

/** Presented answers at one instant, and how many of them were abandoned. */
export interface AnsweredGroup {
  readonly at: Date;
  readonly answers: number;
  readonly abandons: number;
}

export interface AttemptStore {
  /**
   * Inserts the attempt (attempt_number = lead's attempts + 1) and marks the lead in flight, in one
   * transaction. Returns undefined when the lead already has an open attempt or is not open (the
   * database's unique index is the final guard against dialing a lead twice at once).
   */
  begin(attempt: BeginAttempt): Promise<BegunAttempt | undefined>;
  /** Every attempt of the campaign as counted facts (rebuilding the counters after a Redis loss). */
  facts(campaignId: string): Promise<AttemptFacts[]>;
  /** Records timeline facts; a fact already recorded keeps its first value (events may repeat). */
  record(attemptId: string, patch: AttemptPatch): Promise<void>;
  /**
   * Ends the attempt once and updates the lead; returns the ended attempt as stored (what
   * `attempts.completed` publishes), undefined when it had ended already.
   */
  finish(attemptId: string, end: FinishAttempt): Promise<Attempt | undefined>;
  get(attemptId: string): Promise<Attempt | undefined>;
  byCallId(callId: string): Promise<Attempt | undefined>;
  list(options: ListAttempts): Promise<Page<Attempt>>;
  /** Report tallies per group, counted by the store (one statement, whatever the campaigns' size). */
  summarize(query: AttemptSummaryQuery): Promise<AttemptTally[]>;
  /** Attempts not yet ended (adopted after a restart). */
  open(campaignId: string): Promise<Attempt[]>;
  /** Those of these attempts that have ended (a call held here that another replica ended). */
  ended(attemptIds: readonly string[]): Promise<Attempt[]>;
  /**
   * The campaign's answers presented as people (AMD's machines left out) since `since`, grouped by
   * answer instant, each group with how many were abandoned: a restarted pacer's abandon windows.
   */
  answersSince(campaignId: string, since: Date): Promise<AnsweredGroup[]>;
  /**
   * Outcomes of the lead's earlier attempts in this campaign, oldest first (retry counting);
   * attempts never placed (NOT_PLACED_CAUSES) are left out.
   */
  outcomesOf(campaignId: string, leadId: string): Promise<AttemptOutcome[]>;
  setDisposition(attemptId: string, disposition: Disposition): Promise<Attempt>;
  /** Ended attempts whose attempts.completed is not yet published, and marking one published. */
  unpublished(limit: number): Promise<Attempt[]>;
  markPublished(attemptId: string): Promise<void>;
}

export interface AgentCounts {
  readonly loggedIn: number;
  readonly ready: number;
  readonly reserved: number;
  readonly talking: number;
  readonly wrapUp: number;
  readonly paused: number;
}

/**
 * Live agent states (Redis, adapters/redis/agent-states.ts), implemented by the agents side and
 * used by the engine. All state changes are atomic in Redis; `changes` tells local listeners.
 */
/** An agent just reserved, with when it had become ready (the call could not be bridged before). */
export type ReservedAgent = Agent & { readonly readySinceMs: number };

export interface AgentDirectory {
  get(agentId: string): Promise<Agent | undefined>;
  /**
   * Atomically takes the longest-idle ready agent of the campaign holding every skill (and, when
   * `agentId` is given, only that agent) and marks it reserved for the attempt.
   */
  reserve(request: {
    campaignId: string;
    attemptId: string;
    leadId: string;
    skills: readonly string[];
    agentId?: string;
  }): Promise<ReservedAgent | undefined>;
  /** reserved → talking (the bridge succeeded). */
  startTalking(agentId: string, attemptId: string): Promise<void>;
  /** talking/reserved → wrap_up for the campaign's wrap-up time (the disposition ends it early). */
  callEnded(agentId: string, attemptId: string): Promise<void>;
  /** reserved → ready (the call never reached the agent). */
  release(agentId: string, attemptId: string): Promise<void>;
  counts(campaignId: string): Promise<AgentCounts>;
  list(campaignId: string): Promise<Agent[]>;
  /** Local notifications of every state change (the pacer's agent events, WatchAgent, figures). */
  onChange(listener: (agent: Agent, previous: Agent | undefined) => void): () => void;
}

/** Screen pops, preview offers and call-ended notices for agents' desktops (WatchAgent). */
export interface AgentDesk {
  /** A call is being connected to the agent: show the customer. */
  screenPop(agentId: string, attempt: Attempt): Promise<void>;
  /** Preview: the agent sees the lead and accepts or skips. */
  offer(agentId: string, attempt: Attempt): Promise<void>;
  callEnded(agentId: string, attempt: Attempt): Promise<void>;
}

/** The engine's answers to preview decisions taken on the agent side. */
export interface PreviewDecisions {
  /** Checks compliance, dials, and bridges the answer to the agent who accepted. */
  accept(agentId: string, attemptId: string): Promise<Attempt>;
  /** The lead goes back to the hopper (not counted as an attempt of the customer). */
  skip(agentId: string, attemptId: string, reason: string): Promise<void>;
}

/** A lead's record as lead-ingest holds it; `phone` is clear only when read under the reveal grant. */
export interface LeadRecord {
  readonly leadId: string;
  readonly listId: string;
  readonly phone: string;
  readonly name: string;
  readonly region: string;
  readonly timeZone: string;
  readonly tier: string;
  readonly tags: readonly string[];
  readonly customFields: Readonly<Record<string, string>>;
  readonly callable: boolean;
}

/** lead-ingest over gRPC. */
export interface LeadDirectory {
  /** One page of a list's callable leads matching the selection (ids and attributes). */
  listLeads(
    selection: Campaign['settings']['leadLists'][number],
    page: { pageSize: number; pageToken?: string },
  ): Promise<Page<LeadRecord>>;
  /** One lead; the clear number only with `reveal` (the dialer's grant; audited by compliance). */
  getLead(leadId: string, options: { reveal: boolean }): Promise<LeadRecord | undefined>;
}

export type DialVerdict =
  | { readonly allowed: true; readonly checkId: string }
  | { readonly allowed: false; readonly reasons: readonly string[]; readonly checkId?: string };

/** compliance over gRPC. */
export interface ComplianceGate {
  checkDialBatch(
    checks: ReadonlyArray<{ campaignId: string; leadId: string; phone: string; callerId: string }>,
  ): Promise<DialVerdict[]>;
  abandonStatus(campaignId: string): Promise<{
    action: 'continue' | 'slow_down' | 'stop';
    windows: ReadonlyArray<{
      rulePack: string;
      windowDays: number;
      answered: number;
      abandoned: number;
      rate: number;
      limit: number;
    }>;
  }>;
  /** The customer opted out (agentless digit 2, an agent's disposition). */
  optOut(request: { campaignId: string; leadId: string; attemptId: string; phone: string }): Promise<void>;
  /** Sets the campaign's policy; returns the caller-ID caps its packs apply (to rotate within). */
  setCampaignPolicy(campaign: Campaign): Promise<CallerIdCaps | undefined>;
}

/**
 * Whether an attempt held with no call id went out (@outbound/bus CallPlacements): media claims
 * each attempt before it places the call, so an attempt voided first is never placed.
 */
export interface AttemptPlacements {
  /** `voided`: never placed, and media will refuse to place it now; else where it was placed. */
  void(attemptId: string): Promise<'voided' | { callId: string; node: string }>;
}

/** media over gRPC (outcomes come back as calls.* events). */
export interface CallControl {
  originate(request: {
    campaignId: string;
    leadId: string;
    attemptId: string;
    destination: string;
    callerId: string;
    gateway: string;
    amd: boolean;
    ringTimeoutMs: number;
    complianceCheckId: string;
  }): Promise<{ callId: string; node: string }>;
  bridge(callId: string, agentEndpoint: string): Promise<{ agentCallId: string }>;
  play(callId: string, media: string): Promise<void>;
  collectDtmf(callId: string, options: { maxDigits: number; timeoutMs: number }): Promise<string>;
  hangup(callId: string, cause: string): Promise<void>;
  /** Whether the node still has the call (asked of the switch: also after a media restart). */
  exists(callId: string, node: string): Promise<boolean>;
}

export interface CampaignFigures {
  readonly campaignId: string;
  readonly state: Campaign['state'];
  readonly at: Date;
  readonly dialed: number;
  readonly ringing: number;
  readonly answered: number;
  readonly connected: number;
  readonly abandoned: number;
  readonly machines: number;
  readonly inFlight: number;
  /** abandoned / answered (live answers) so far. */
  readonly abandonRate: number;
  readonly abandonWindows: ReadonlyArray<{
    rulePack: string;
    windowDays: number;
    answered: number;
    abandoned: number;
    rate: number;
    limit: number;
    budgetLeft: number;
  }>;
  readonly agents: AgentCounts;
  readonly occupancy: number;
  readonly pacingRatio: number;
  readonly deniedByReason: Readonly<Record<string, number>>;
  readonly failedByCause: Readonly<Record<string, number>>;
  readonly leadsInHopper: number;
  readonly leadsClosed: number;
}

/** Live figures of a campaign (the engine's counters in Redis + agents + compliance's windows). */
export interface FiguresSource {
  current(campaignId: string): Promise<CampaignFigures>;
  /** Called (locally) whenever a figure of the campaign may have changed. */
  onChange(campaignId: string, listener: () => void): () => void;
}

/** Media took no call (draining, no switch connected, unreachable): no line was tried. */
export class MediaUnavailableError extends Error {
  constructor(options?: { cause?: unknown }) {
    super('media could not take the call', options);
    this.name = 'MediaUnavailableError';
  }
}

/** Media no longer has the customer's call (it ended while the dialer acted on it). */
export class CallGoneError extends Error {
  constructor(
    readonly callId: string,
    options?: { cause?: unknown },
  ) {
    super('the call is gone', options);
    this.name = 'CallGoneError';
  }
}

/** A replica acting for a campaign it no longer owns: a newer owner's fence was seen. */
export class StaleOwnerError extends Error {
  constructor(readonly campaignId: string) {
    super(`campaign ${campaignId} has a newer owner`);
    this.name = 'StaleOwnerError';
  }
}

/**
 * Exclusive, expiring ownership of campaigns by one replica each (a NATS KV entry with a TTL). The
 * fencing token is the entry's revision when taken: it grows with every new owner, so stores can
 * refuse an older owner's writes.
 */
export interface CampaignLeases {
  /** This replica's id (the value of its entries). */
  readonly holder: string;
  /** Takes a free campaign: its fencing token, or undefined when another replica holds it. */
  acquire(campaignId: string): Promise<number | undefined>;
  /** Keeps a campaign taken here; false when it was lost (expired and taken over, or deleted). */
  renew(campaignId: string): Promise<boolean>;
  /** Gives it up at once (a draining replica), so another takes it without waiting for the TTL. */
  release(campaignId: string): Promise<void>;
  /** Says this replica is alive (renewed every round; it counts for spreading even holding nothing). */
  present(): Promise<void>;
  /** This replica stops: it no longer counts for spreading. */
  leave(): Promise<void>;
  /** How many campaigns each live replica holds, 0 for a present one holding none. */
  holdings(): Promise<Map<string, number>>;
}

/** An agent's session as recorded in PostgreSQL (what they asked for, not the call they are on). */
export interface AgentSessionRecord {
  readonly agentId: string;
  readonly endpoint: string;
  readonly campaignIds: readonly string[];
  readonly skills: readonly string[];
  readonly reveal: boolean;
  readonly paused: boolean;
  readonly pauseReason: string;
}

/** The agents' sessions of record, so a Redis loss does not log every agent out. */
export interface AgentSessionStore {
  saveLogin(session: AgentSessionRecord): Promise<void>;
  savePresence(agentId: string, presence: { paused: boolean; pauseReason: string }): Promise<void>;
  saveLogout(agentId: string): Promise<void>;
  loggedIn(): Promise<AgentSessionRecord[]>;
}

/** What an attempt's row says was counted (the live counters rebuilt after a Redis loss). */
export interface AttemptFacts {
  readonly attemptId: string;
  readonly dialed: boolean;
  readonly ringing: boolean;
  readonly answered: boolean;
  readonly machine: boolean;
  readonly connected: boolean;
  readonly abandoned: boolean;
  /** The hang-up cause of a call never answered. */
  readonly failedCause?: string;
  readonly deniedReasons: readonly string[];
  /** The agent on the call while it is open and bridged. */
  readonly talkingAgentId?: string;
  readonly leadId: string;
  readonly open: boolean;
}
