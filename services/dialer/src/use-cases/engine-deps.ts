// What the call engine needs beyond ports.ts: its own Redis structures (hopper, counters), its
// publications, the pacing audit log, and the campaign runtime it offers the campaign service.
// Adapters implement these (adapters/redis/hopper.ts, adapters/redis/campaign-counters.ts,
// adapters/nats/publisher.ts, adapters/sql/pacing-decisions-repo.ts).

import type { Logger } from '@outbound/telemetry';
import type { Attempt, AttemptOutcome, Campaign, RetryRule } from '../domain/model.js';
import type { LineHealth, LinePool } from '../domain/line-pool.js';
import type { PacingDecision } from '../domain/pacing/index.js';
import type {
  AgentDesk,
  AgentDirectory,
  AttemptStore,
  AttemptPlacements,
  CallControl,
  CampaignLeases,
  CampaignLeadStore,
  CampaignStore,
  ComplianceGate,
  LeadDirectory,
} from './ports.js';

/** A fact of a placed call from media's calls.* events. */
export interface CallBase {
  readonly campaignId: string;
  readonly leadId: string;
  readonly attemptId: string;
  readonly callId: string;
  readonly node: string;
  readonly at: Date;
}

export type CallFact = CallBase &
  (
    | { readonly kind: 'originated' }
    | { readonly kind: 'ringing' }
    | { readonly kind: 'answered' }
    | { readonly kind: 'amd'; readonly verdict: 'human' | 'machine' | 'unknown'; readonly detectMs: number }
    | { readonly kind: 'bridged'; readonly agentCallId: string }
    | {
        readonly kind: 'hangup';
        readonly cause: string;
        readonly sipStatus?: number | undefined;
        readonly billsec: number;
        readonly answered: boolean;
        readonly answeredAt?: Date | undefined;
        readonly bridge?: { readonly at: Date; readonly agentCallId: string } | undefined;
      }
  );

/**
 * Facts of a campaign's calls reach whichever replica's consumer took them; the relay hands them
 * to the replica that owns the campaign (it holds the calls' state and must bridge within the
 * 2-second rule).
 */
export interface FactRelay {
  /** Takes the facts of this campaign that other replicas hand over; returns the stop function. */
  serve(campaignId: string, handle: (fact: CallFact) => Promise<void>): () => void;
  /** Hands a fact to the campaign's owner: `no-owner` when no replica serves it now. Throws when the owner failed. */
  forward(fact: CallFact): Promise<'handled' | 'no-owner'>;
}

/**
 * The time-critical facts of a campaign's calls (answered, the AMD verdict) as media publishes
 * them, before the durable consumers bring them: the owner serves an answer at once, wherever
 * the durable copy lands. At most once; the durable copy still comes and is then a no-op.
 */
export interface EarlyFacts {
  /** Hears this campaign's early facts; returns the stop function. */
  listen(campaignId: string, handle: (fact: CallFact) => void): () => void;
}

/** The campaign service tells the engine about lifecycle changes it committed. */
export interface CampaignRuntime {
  started(campaign: Campaign): Promise<void>;
  paused(campaign: Campaign): Promise<void>;
  resumed(campaign: Campaign): Promise<void>;
  stopped(campaign: Campaign): Promise<void>;
}

export interface HopperEntry {
  readonly leadId: string;
  readonly priority: number;
  readonly dueAt: Date;
}

export interface Lease {
  readonly leadId: string;
  readonly token: string;
}

/** The campaign's hopper (Redis; a cache of campaign_leads). */
/**
 * The campaign's due leads in Redis. `fence` (the owner's token, when replicas share campaigns):
 * refused with StaleOwnerError once a newer owner has used the hopper.
 */
export interface LeadHopper {
  add(campaignId: string, entries: readonly HopperEntry[], fence?: number): Promise<number>;
  rebuild(campaignId: string, entries: readonly HopperEntry[], fence?: number): Promise<number>;
  pop(campaignId: string, count: number, fence?: number): Promise<Lease[]>;
  release(campaignId: string, lease: Lease, back?: Omit<HopperEntry, 'leadId'>): Promise<boolean>;
  complete(campaignId: string, leadId: string, token?: string): Promise<boolean>;
  size(campaignId: string): Promise<number>;
  clear(campaignId: string): Promise<void>;
}

/** Counter names of a campaign's figures; `denied:<reason>` and `failed:<cause>` are open-ended. */
export type CounterName =
  'dialed' | 'ringing' | 'answered' | 'connected' | 'abandoned' | 'machines' | `denied:${string}` | `failed:${string}`;

/** Per-campaign counters (Redis hash), each fact of an attempt counted once whatever the redeliveries. */
export interface CampaignCounters {
  /** Adds 1 to each counter unless `attemptId`'s `fact` was counted already; true when counted now. */
  countOnce(campaignId: string, attemptId: string, fact: string, counters: readonly CounterName[]): Promise<boolean>;
  read(campaignId: string): Promise<Record<string, number>>;
  /** Replaces the campaign's counters and counted facts (after a Redis loss, from PostgreSQL). */
  restore(campaignId: string, counted: readonly CountedFact[]): Promise<void>;
}

/** One fact of one attempt and the counters it added to. */
export interface CountedFact {
  readonly attemptId: string;
  readonly fact: string;
  readonly counters: readonly CounterName[];
}

/**
 * Tells a Redis that lost its data (flushed, failed over without persistence, replaced) from one
 * that kept it: a marker per scope, set when the state in that scope was built.
 */
export interface StateMarkers {
  /** True once for a scope (e.g. `campaign`, id) whose marker was missing (and is now set): rebuild that state. */
  lost(...scope: readonly string[]): Promise<boolean>;
}

/** What the engine publishes (JetStream). */
export interface EnginePublisher {
  abandoned(call: {
    campaignId: string;
    leadId: string;
    attemptId: string;
    callId: string;
    node: string;
    waitedMs: number;
  }): Promise<void>;
  /** attempts.completed for an ended attempt (idempotent by attempt id), then marks it published. */
  completed(attempt: Attempt, extra: { closedReason?: string }): Promise<void>;
  /** lines.health: a line was taken out, put on probation or brought back. */
  lineHealth(health: LineHealth): Promise<void>;
}

export interface PacingDecisionSink {
  record(campaignId: string, decision: PacingDecision, decidedAt?: Date): void;
}

export type NextStep = (
  rules: readonly RetryRule[],
  maxAttemptsPerLead: number,
  earlierOutcomes: readonly AttemptOutcome[],
  outcome: AttemptOutcome,
  now: Date,
) => { retryAt: Date } | { closeReason: string };

export interface EngineOptions {
  tickMs: number;
  /** A live answer with no agent this long after answer is abandoned (2 s by the rules). */
  abandonAfterMs: number;
  /** An answer with AMD on waits at most this long for the verdict, then is served as unknown. */
  amdWaitMs: number;
  /** Channels one campaign may hold at once, and its calls per second (the gateway's share). */
  channelsPerCampaign: number;
  callsPerSecond: number;
  /** Refill the hopper when it holds fewer leads than this; fill it up to `hopperTarget`. */
  hopperLowWater: number;
  hopperTarget: number;
  /** Page size of lead-ingest reads; a list read to its end is read again after `listRescanMs`. */
  listPageSize: number;
  listRescanMs: number;
  /** A lead denied for a reason that may pass later (window, caps) is due again after this. */
  deniedRetryMs: number;
  /** GetAbandonStatus is asked at most this often per campaign. */
  abandonStatusEveryMs: number;
  /**
   * An adopted attempt with no call id whose placement cannot be read (the placements bucket out
   * of reach) and no event for this long is ended as failed.
   */
  adoptGraceMs: number;
  /**
   * A placed call with no fact for this long (its hang-up lost: media or the bus lost it) is hung
   * up and its attempt ended as failed, so no lead stays in flight for ever.
   */
  staleCallMs: number;
  /**
   * Calls with no fact for this long are read again from their rows this often: another replica
   * may have ended one (its hang-up came while no replica ran the campaign).
   */
  silentCheckMs: number;
  /**
   * A placed call silent this long is asked about (media's CallExists) at most this often; one the
   * node says it no longer has, and still silent a check later, is ended: its hang-up was seen by
   * nobody (media restarting as it ended).
   */
  aliveCheckMs: number;
  /** Republish attempts.completed not yet published this often. */
  republishEveryMs: number;
}

export const DEFAULT_ENGINE_OPTIONS: EngineOptions = {
  tickMs: 100,
  abandonAfterMs: 2_000,
  amdWaitMs: 1_000,
  channelsPerCampaign: 100,
  callsPerSecond: 20,
  hopperLowWater: 100,
  hopperTarget: 500,
  listPageSize: 500,
  listRescanMs: 60_000,
  deniedRetryMs: 15 * 60_000,
  abandonStatusEveryMs: 1_000,
  adoptGraceMs: 90_000,
  staleCallMs: 2 * 3_600_000,
  silentCheckMs: 5_000,
  aliveCheckMs: 30_000,
  republishEveryMs: 10_000,
};

/** Rebuilds what Redis lost from PostgreSQL (recover-redis.ts), checked every ownership round. */
export interface StateRecovery {
  /** True when the campaign's state was lost (its counters are rebuilt; the caller refills its hopper). */
  campaign(campaignId: string): Promise<boolean>;
  agents(): Promise<void>;
}

/** Several replicas: each campaign is run by the one replica holding its lease. */
export interface Ownership {
  leases: CampaignLeases;
  relay: FactRelay;
  /** How often leases are renewed and free campaigns looked for (well under the leases' TTL). */
  everyMs: number;
  recovery: StateRecovery;
}

/** What the engine tells the service's metrics (adapters/metrics/dialer-metrics.ts) as it happens. */
export interface EngineMetrics {
  /** An attempt ended (once per attempt: counted where its end was stored). */
  callEnded(campaignId: string, outcome: AttemptOutcome): void;
  /** A live answer reached an agent: from the answer to the bridge. */
  answerToBridge(campaignId: string, seconds: number): void;
}

export interface EngineDeps {
  /** Absent: this engine runs every running campaign (a single replica). */
  ownership?: Ownership;
  /** Answers and AMD verdicts as they are published (absent: only the durable consumers bring them). */
  earlyFacts?: EarlyFacts;
  /** The lines calls go out on; absent: every call uses its campaign's gateway. */
  lines?: LinePool;
  campaigns: CampaignStore;
  leads: CampaignLeadStore;
  attempts: AttemptStore;
  agents: AgentDirectory;
  desk: AgentDesk;
  leadDirectory: LeadDirectory;
  compliance: ComplianceGate;
  calls: CallControl;
  placements: AttemptPlacements;
  hopper: LeadHopper;
  counters: CampaignCounters;
  publisher: EnginePublisher;
  decisions: PacingDecisionSink;
  /** The campaigns helper's retry policy (domain/retry-policy.ts `nextStep`). */
  nextStep: NextStep;
  logger: Logger;
  options?: Partial<EngineOptions>;
  now?: () => Date;
  newId?: () => string;
  metrics?: EngineMetrics;
}
