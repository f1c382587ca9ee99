// What the gateway sends to the browser: plain JSON, independent of the generated proto types.

export type Role = 'agent' | 'supervisor' | 'admin';

export interface Me {
  readonly username: string;
  readonly role: Role;
  readonly agentId?: string;
  readonly reveal: boolean;
  readonly expiresAt: number;
}

export interface AbandonWindowDto {
  readonly rulePack: string;
  readonly windowDays: number;
  readonly answered: number;
  readonly abandoned: number;
  readonly rate: number;
  readonly limit: number;
  readonly budgetLeft: number;
}

export interface FiguresDto {
  readonly campaignId: string;
  readonly state: string;
  readonly at: number;
  readonly dialed: number;
  /** Calls placed and not yet ringing, answered or ended (in flight minus ringing minus talking). */
  readonly dialing: number;
  readonly ringing: number;
  readonly talking: number;
  readonly answered: number;
  readonly connected: number;
  readonly abandoned: number;
  readonly machines: number;
  readonly inFlight: number;
  readonly connectRate: number;
  readonly abandonRate: number;
  readonly abandonWindows: readonly AbandonWindowDto[];
  readonly agents: {
    readonly ready: number;
    readonly talking: number;
    readonly wrapUp: number;
    readonly paused: number;
  };
  readonly occupancy: number;
  readonly pacingRatio: number;
  readonly deniedByReason: Readonly<Record<string, number>>;
  readonly failedByCause: Readonly<Record<string, number>>;
  readonly leadsInHopper: number;
  readonly leadsClosed: number;
}

export interface CampaignDto {
  readonly campaignId: string;
  readonly name: string;
  readonly dialMode: string;
  readonly state: string;
  readonly version: number;
  readonly rulePacks: readonly string[];
  readonly hours: { readonly startHour: number; readonly endHour: number };
  readonly listIds: readonly string[];
  readonly gateway: string;
  /** How the mode paces: progressive's ratio; predictive's abandon target, dial-ratio cap, AMD's false positives. */
  readonly pacing: {
    readonly ratio?: number;
    readonly targetAbandonRate?: number;
    readonly maxDialRatio?: number;
    readonly amdHumanFalsePositiveRate?: number;
  };
  readonly amd: boolean;
}

export interface AgentDto {
  readonly agentId: string;
  readonly state: string;
  readonly pauseReason: string;
  readonly since: number;
  readonly attemptId: string;
}

export interface ScreenPopDto {
  readonly attemptId: string;
  readonly campaignId: string;
  readonly leadId: string;
  readonly name: string;
  /** Always masked; a reveal is a separate, audited request. */
  readonly phone: string;
  readonly region: string;
  readonly tier: string;
  readonly tags: readonly string[];
  readonly script: string;
  readonly history: readonly {
    readonly attemptId: string;
    readonly outcome: string;
    readonly at: number;
    readonly intent: string;
  }[];
}

export interface DeskEventDto {
  readonly agent: AgentDto;
  readonly kind: 'state' | 'offer' | 'screen_pop' | 'call_ended' | 'snapshot';
  readonly pop?: ScreenPopDto;
  readonly endedAttemptId?: string;
  readonly wrapUpUntil?: number;
}

/** A batch of agents' changes for the supervisors' board; `sentAt` lets the page measure the path. */
export interface BoardBatchDto {
  readonly agents: readonly (AgentDto & { readonly eventAt: number })[];
  readonly sentAt: number;
}

export interface LinkStatusDto {
  readonly backend: string;
  readonly state: 'live' | 'lost';
  readonly message?: string;
}

export interface ApiErrorDto {
  readonly error: string;
  readonly message: string;
}

/** An attempt compliance refused (the number is not in it). */
export interface DenialDto {
  readonly attemptId: string;
  readonly leadId: string;
  readonly at: number;
  readonly reasons: readonly string[];
  readonly checkId: string;
}

/** One compliance decision about a number, with its evidence; the number masked. */
export interface DecisionDto {
  readonly checkId: string;
  readonly campaignId: string;
  readonly phone: string;
  readonly allowed: boolean;
  readonly decidedAt: number;
  readonly denials: ReadonlyArray<{ code: string; text: string; rulePack: string; data: Record<string, string> }>;
  readonly rulePacks: readonly string[];
}

/** A call an agent promised to return, due or overdue. */
export interface FollowUpDto {
  readonly attemptId: string;
  readonly campaignId: string;
  readonly leadId: string;
  readonly at: number;
  readonly notes: string;
  readonly overdue: boolean;
}

/** What was said in a call (from the recording service), for the agent who took it and its supervisors. */
export interface TranscriptDto {
  readonly recordingId: string;
  readonly campaignId: string;
  readonly attemptId: string;
  readonly agentId: string;
  /** Epoch ms when the transcript was made. */
  readonly at: number;
  /** Intent tags, e.g. `not_interested`, `price`. */
  readonly tags: readonly string[];
  readonly segments: readonly {
    readonly speaker: string;
    readonly startMs: number;
    readonly endMs: number;
    readonly text: string;
  }[];
  /** Sensitive words compliance found in it (empty: none). */
  readonly sensitiveWords: readonly string[];
}
