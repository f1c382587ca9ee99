/** Shared shapes of the decision model. Times are UTC epoch milliseconds; zones are IANA names. */

/** `HH:MM` to `HH:MM` in the callee's local time; the end is exclusive (`21:00` allows 20:59:59). */
export interface LocalInterval {
  readonly start: string;
  readonly end: string;
}

/** Weekday numbers follow ISO 8601 (1 = Monday … 7 = Sunday). */
export type IsoWeekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

export interface CallingWindow {
  readonly default: readonly LocalInterval[];
  /** Replaces `default` on these weekdays; an empty list closes the day. */
  readonly weekdays?: Partial<Readonly<Record<IsoWeekday, readonly LocalInterval[]>>>;
  /** Local dates (`YYYY-MM-DD`) with their own intervals; an empty list closes the day. */
  readonly holidays?: Readonly<Record<string, readonly LocalInterval[]>>;
}

export interface LeadCaps {
  /** Attempts to one number in any rolling 24 hours. */
  readonly maxPer24h: number;
  readonly minGapMinutes: number;
}

export interface CallerIdCaps {
  readonly maxPer24h: number;
  readonly minGapSeconds: number;
}

export interface AbandonRule {
  /** Abandoned calls as a share of live answers, e.g. 0.03. */
  readonly maxRate: number;
  readonly windowDays: number;
  /** Below this many live answers the rate is taken over this many, so one early abandon cannot stop a campaign. */
  readonly minAnswers: number;
  /** Share of answering-machine verdicts assumed to be live people, counted as abandoned (Ofcom). */
  readonly amdFalsePositiveRate?: number;
  /** After an abandoned call, the same number is not called again for this long unless an agent is guaranteed. */
  readonly lockoutHours?: number;
}

/** One version of a jurisdiction's rules: data only, selected by effective date. */
export interface RulePackVersion {
  readonly pack: string;
  readonly version: string;
  /** UTC instant from which this version applies (ISO 8601). */
  readonly effectiveFrom: string;
  readonly description: string;
  /** Numbers the pack covers: ISO regions, optionally narrowed to NANP area codes. Empty regions: every number. */
  readonly scope: { readonly regions: readonly string[]; readonly areaCodes?: readonly string[] };
  readonly window?: CallingWindow;
  readonly leadCaps?: LeadCaps;
  readonly callerIdCaps?: CallerIdCaps;
  /** Days a refusal locks the number; null: the refusal is final. */
  readonly refusalLockDays?: number | null;
  readonly abandon?: AbandonRule;
  /** Consent is needed when the campaign says so (`campaign`) or always. */
  readonly consent?: 'campaign' | 'always';
  readonly officialCallerIdOnly?: boolean;
  readonly maxMarketingCallSeconds?: number;
  readonly minRingSeconds?: number;
  readonly maxAgentConnectSeconds?: number;
  /** Industry → words; `general` applies to every industry. */
  readonly sensitiveWords?: Readonly<Record<string, readonly string[]>>;
}

export interface CampaignPolicy {
  readonly campaignId: string;
  /** Empty: every pack whose scope covers the number. */
  readonly rulePacks: readonly string[];
  readonly requireConsent: boolean;
  readonly marketing: boolean;
  readonly industry: string;
  readonly agentGuaranteed: boolean;
  readonly officialCallerIds: readonly string[];
}

export const defaultPolicy = (campaignId: string): CampaignPolicy => ({
  campaignId,
  rulePacks: [],
  requireConsent: false,
  marketing: true,
  industry: 'general',
  agentGuaranteed: false,
  officialCallerIds: [],
});

export interface DialRequest {
  readonly campaignId: string;
  readonly leadId: string;
  /** E.164 */
  readonly phone: string;
  readonly callerId: string;
  readonly at: number;
  readonly timeZoneOverride?: string;
}

export type DenyReason =
  | 'DO_NOT_CALL'
  | 'REFUSAL_LOCK'
  | 'OUTSIDE_CALLING_WINDOW'
  | 'LEAD_FREQUENCY_CAP'
  | 'CALLER_ID_CAP'
  | 'NO_CONSENT'
  | 'ABANDON_RATE'
  | 'CALLER_ID_NOT_ALLOWED'
  | 'UNCERTAIN_TIME_ZONE'
  | 'OPTED_OUT'
  | 'ABANDON_LOCKOUT'
  | 'INVALID_NUMBER';

export interface Denial {
  readonly reason: DenyReason;
  readonly code: string;
  readonly text: string;
  /** `PACK@version`, or `engine` for checks every dial gets. */
  readonly rulePack: string;
  readonly data: Readonly<Record<string, string>>;
}

/** Abandon counts for one campaign and one UTC day. */
export interface AbandonDay {
  readonly day: string;
  readonly answered: number;
  readonly abandoned: number;
  readonly machine: number;
}

/** What the adapters looked up about a dial before deciding (the engine does no I/O). */
export interface DialFacts {
  readonly onRegistry: boolean;
  readonly internalDnc: boolean;
  readonly optedOut: boolean;
  readonly refusedAt?: number;
  readonly lastAbandonedAt?: number;
  readonly consentGivenAt?: number;
  readonly abandonDays: readonly AbandonDay[];
}

/** Attempts already reserved in the rolling 24 hours before the dial. */
export interface CapState {
  readonly leadCount: number;
  readonly leadLastAt?: number;
  readonly callerCount: number;
  readonly callerLastAt?: number;
}

export interface Decision {
  readonly allowed: boolean;
  readonly denials: readonly Denial[];
  readonly rulePacks: readonly string[];
  readonly timeZones: readonly string[];
  readonly maxCallSeconds: number;
  readonly minRingSeconds: number;
  readonly maxAgentConnectSeconds: number;
}
