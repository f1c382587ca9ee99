// The dialer's domain vocabulary: campaigns, their settings, leads in a campaign, attempts and
// agents, as plain data. Validation and lifecycle rules live beside (campaign.ts, retry-policy.ts);
// the proto types stay at the gRPC edge.

export type DialMode = 'preview' | 'progressive' | 'predictive' | 'agentless';
export type CampaignState = 'draft' | 'running' | 'paused' | 'finished' | 'stopped';
export type MachineAction = 'hang_up' | 'leave_message' | 'pass_to_agent';

export type AttemptOutcome =
  | 'connected'
  | 'abandoned'
  | 'machine'
  | 'busy'
  | 'no_answer'
  | 'invalid_number'
  | 'rejected'
  | 'network_failure'
  | 'denied'
  | 'failed';

export interface LeadListSelection {
  readonly listId: string;
  readonly tier?: string;
  readonly tags?: readonly string[];
  readonly region?: string;
  readonly intent?: string;
  readonly customFields?: Readonly<Record<string, string>>;
}

export interface CallingHours {
  /** Called party's local hours, [startHour, endHour), 0–24. */
  readonly startHour: number;
  readonly endHour: number;
  /** ISO weekdays 1–7; empty: every day. */
  readonly weekdays: readonly number[];
}

export interface RetryRule {
  readonly outcome: AttemptOutcome;
  readonly delayMs: number;
  /** Retries for this outcome, not counting the first attempt. */
  readonly maxRetries: number;
}

export type ModeSettings =
  | { readonly mode: 'preview'; readonly offerTimeoutMs: number }
  | { readonly mode: 'progressive'; readonly ratio: number }
  | {
      readonly mode: 'predictive';
      readonly targetAbandonRate: number;
      readonly maxDialRatio: number;
      /** With AMD on: share of live people AMD tags as machines, as measured (absent: 0, unknown). */
      readonly amdHumanFalsePositiveRate?: number;
    }
  | {
      readonly mode: 'agentless';
      readonly maxConcurrentCalls: number;
      readonly callsPerSecond: number;
      readonly prompt: string;
      readonly digitTimeoutMs: number;
    };

export interface CampaignSettings {
  readonly name: string;
  readonly leadLists: readonly LeadListSelection[];
  readonly hours: CallingHours;
  readonly callerIds: readonly string[];
  readonly gateway: string;
  readonly retryRules: readonly RetryRule[];
  readonly machineAction: MachineAction;
  readonly machineMessage: string;
  readonly abandonMessage: string;
  readonly maxAttemptsPerLead: number;
  readonly modeSettings: ModeSettings;
  readonly requiredSkills: readonly string[];
  readonly rulePacks: readonly string[];
  readonly lineClass: string;
  readonly amd: boolean;
  readonly ringTimeoutMs: number;
  readonly script: string;
}

export interface Campaign {
  readonly campaignId: string;
  readonly state: CampaignState;
  readonly settings: CampaignSettings;
  readonly version: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** A lead as one campaign sees it (ids only: numbers are read from lead-ingest when dialing). */
export interface CampaignLead {
  readonly campaignId: string;
  readonly leadId: string;
  readonly listId: string;
  readonly priority: number;
  readonly nextAttemptAt: Date;
  readonly attempts: number;
  readonly status: 'open' | 'in_flight' | 'closed';
  readonly closedReason?: string;
  readonly agentId?: string;
  readonly script?: string;
  readonly lineClass?: string;
}

export interface AttemptTimeline {
  readonly queuedAt: Date;
  readonly checkedAt?: Date;
  readonly originatedAt?: Date;
  readonly ringingAt?: Date;
  readonly answeredAt?: Date;
  readonly amdAt?: Date;
  readonly bridgedAt?: Date;
  readonly abandonedAt?: Date;
  readonly endedAt?: Date;
}

export interface Disposition {
  readonly intent: 'A' | 'B' | 'C';
  readonly code: string;
  readonly notes: string;
  readonly followUpAt?: Date;
  readonly followUpSameAgent: boolean;
  readonly agentId: string;
  readonly setAt: Date;
}

export interface Attempt {
  readonly attemptId: string;
  readonly campaignId: string;
  readonly leadId: string;
  readonly attemptNumber: number;
  readonly dialMode: DialMode;
  readonly outcome?: AttemptOutcome;
  readonly complianceCheckId?: string;
  readonly denialReasons: readonly string[];
  readonly callerId?: string;
  /** The line the call went out on (line pool name, or the campaign's gateway without a pool). */
  readonly line?: string;
  readonly callId?: string;
  readonly node?: string;
  readonly agentId?: string;
  readonly agentCallId?: string;
  readonly amdVerdict?: 'human' | 'machine' | 'unknown';
  readonly hangupCause?: string;
  readonly sipStatus?: number;
  readonly billsec?: number;
  readonly digits?: string;
  readonly timeline: AttemptTimeline;
  readonly disposition?: Disposition;
  readonly nextAttemptAt?: Date;
  readonly traceparent?: string;
}

export type AgentState = 'logged_out' | 'ready' | 'reserved' | 'talking' | 'wrap_up' | 'paused';

export interface Agent {
  readonly agentId: string;
  readonly state: AgentState;
  readonly endpoint: string;
  readonly campaignIds: readonly string[];
  readonly skills: readonly string[];
  readonly reveal: boolean;
  readonly pauseReason?: string;
  /** When the current state began (longest-idle selection uses it for `ready`). */
  readonly stateSinceMs: number;
  /** The attempt the agent is reserved for, talking on or wrapping up. */
  readonly attemptId?: string;
  readonly campaignId?: string;
  readonly leadId?: string;
  readonly wrapUpUntilMs?: number;
}
