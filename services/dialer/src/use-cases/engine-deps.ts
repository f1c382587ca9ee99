// What the call engine needs beyond ports.ts: its own Redis structures (hopper, counters), its
// publications, the pacing audit log, and the campaign runtime it offers the campaign service.
// Adapters implement these (adapters/redis/hopper.ts, adapters/redis/campaign-counters.ts,
// adapters/nats/publisher.ts, adapters/sql/pacing-decisions-repo.ts).

import type { Logger } from '@outbound/telemetry';
import type { Attempt, AttemptOutcome, Campaign, RetryRule } from '../domain/model.js';
import type { PacingDecision } from '../domain/pacing/index.js';
import type {
  AgentDesk,
  AgentDirectory,
  AttemptStore,
  CallControl,
  CampaignLeadStore,
  CampaignStore,
  ComplianceGate,
  LeadDirectory,
} from './ports.js';

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
export interface LeadHopper {
  add(campaignId: string, entries: readonly HopperEntry[]): Promise<number>;
  rebuild(campaignId: string, entries: readonly HopperEntry[]): Promise<number>;
  pop(campaignId: string, count: number): Promise<Lease[]>;
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
  /** An adopted attempt with no call id and no event for this long is ended as failed. */
  adoptGraceMs: number;
  /** Republish attempts.completed not yet published this often. */
  republishEveryMs: number;
}

export const DEFAULT_ENGINE_OPTIONS: EngineOptions = {
  tickMs: 100,
  abandonAfterMs: 2_000,
  channelsPerCampaign: 100,
  callsPerSecond: 20,
  hopperLowWater: 100,
  hopperTarget: 500,
  listPageSize: 500,
  listRescanMs: 60_000,
  deniedRetryMs: 15 * 60_000,
  abandonStatusEveryMs: 1_000,
  adoptGraceMs: 90_000,
  republishEveryMs: 10_000,
};

export interface EngineDeps {
  campaigns: CampaignStore;
  leads: CampaignLeadStore;
  attempts: AttemptStore;
  agents: AgentDirectory;
  desk: AgentDesk;
  leadDirectory: LeadDirectory;
  compliance: ComplianceGate;
  calls: CallControl;
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
}
