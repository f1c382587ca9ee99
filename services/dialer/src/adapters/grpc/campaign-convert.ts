// The campaign API's edge: proto messages to domain settings (shape checked here, rules in
// domain/campaign.ts) and domain records back to proto.

import { InvalidArgumentError } from '@outbound/errors';
import { fromTimestamp, toTimestamp } from '@outbound/proto';
import {
  AttemptOutcome as ProtoOutcome,
  CampaignState as ProtoState,
  DialMode as ProtoMode,
  IntentGrade,
  MachineAction as ProtoMachineAction,
  type Attempt as ProtoAttempt,
  type Campaign as ProtoCampaign,
  type CampaignFigures as ProtoFigures,
  type Disposition as ProtoDisposition,
} from '@outbound/proto/outbound/v1/campaign';
import type { Timestamp } from '@outbound/proto/google/protobuf/timestamp';
import { DEFAULT_RETRY_RULES } from '../../domain/retry-policy.js';
import type {
  Attempt,
  AttemptOutcome,
  Campaign,
  CampaignSettings,
  CampaignState,
  DialMode,
  Disposition,
  MachineAction,
  ModeSettings,
} from '../../domain/model.js';
import type { CampaignFigures } from '../../use-cases/ports.js';

const invert = <K extends string | number, V extends string | number>(m: Record<K, V>): Record<V, K> =>
  Object.fromEntries(Object.entries(m).map(([k, v]) => [v, k])) as Record<V, K>;

export const MODES: Record<DialMode, ProtoMode> = {
  preview: ProtoMode.DIAL_MODE_PREVIEW,
  progressive: ProtoMode.DIAL_MODE_PROGRESSIVE,
  predictive: ProtoMode.DIAL_MODE_PREDICTIVE,
  agentless: ProtoMode.DIAL_MODE_AGENTLESS,
};
export const STATES: Record<CampaignState, ProtoState> = {
  draft: ProtoState.CAMPAIGN_STATE_DRAFT,
  running: ProtoState.CAMPAIGN_STATE_RUNNING,
  paused: ProtoState.CAMPAIGN_STATE_PAUSED,
  finished: ProtoState.CAMPAIGN_STATE_FINISHED,
  stopped: ProtoState.CAMPAIGN_STATE_STOPPED,
};
const MACHINE_ACTIONS: Record<MachineAction, ProtoMachineAction> = {
  hang_up: ProtoMachineAction.MACHINE_ACTION_HANG_UP,
  leave_message: ProtoMachineAction.MACHINE_ACTION_LEAVE_MESSAGE,
  pass_to_agent: ProtoMachineAction.MACHINE_ACTION_PASS_TO_AGENT,
};
export const OUTCOMES: Record<AttemptOutcome, ProtoOutcome> = {
  connected: ProtoOutcome.ATTEMPT_OUTCOME_CONNECTED,
  abandoned: ProtoOutcome.ATTEMPT_OUTCOME_ABANDONED,
  machine: ProtoOutcome.ATTEMPT_OUTCOME_MACHINE,
  busy: ProtoOutcome.ATTEMPT_OUTCOME_BUSY,
  no_answer: ProtoOutcome.ATTEMPT_OUTCOME_NO_ANSWER,
  invalid_number: ProtoOutcome.ATTEMPT_OUTCOME_INVALID_NUMBER,
  rejected: ProtoOutcome.ATTEMPT_OUTCOME_REJECTED,
  network_failure: ProtoOutcome.ATTEMPT_OUTCOME_NETWORK_FAILURE,
  denied: ProtoOutcome.ATTEMPT_OUTCOME_DENIED,
  failed: ProtoOutcome.ATTEMPT_OUTCOME_FAILED,
};
const MODE_OF = invert(MODES);
export const STATE_OF = invert(STATES);
const MACHINE_ACTION_OF = invert(MACHINE_ACTIONS);
export const OUTCOME_OF = invert(OUTCOMES);
const INTENTS = {
  A: IntentGrade.INTENT_GRADE_A,
  B: IntentGrade.INTENT_GRADE_B,
  C: IntentGrade.INTENT_GRADE_C,
} as const;
export const INTENT_OF: Partial<Record<IntentGrade, 'A' | 'B' | 'C'>> = invert(INTENTS);

const ms = (t: Timestamp | undefined): Date | undefined => (t === undefined ? undefined : new Date(fromTimestamp(t)));
const ts = (d: Date | undefined): Timestamp | undefined => (d === undefined ? undefined : toTimestamp(d.getTime()));

function modeSettings(c: ProtoCampaign, mode: DialMode): ModeSettings {
  const missing = (field: string): never => {
    throw InvalidArgumentError.field(
      `campaign.${field}`,
      `is required with dial mode ${mode}`,
      'MODE_SETTINGS_MISSING',
    );
  };
  switch (mode) {
    case 'preview':
      return { mode, offerTimeoutMs: c.preview?.offerTimeoutMs ?? 0 };
    case 'progressive':
      return c.progressive ? { mode, ratio: c.progressive.ratio } : missing('progressive');
    case 'predictive':
      return c.predictive
        ? {
            mode,
            targetAbandonRate: c.predictive.targetAbandonRate,
            maxDialRatio: c.predictive.maxDialRatio,
            amdHumanFalsePositiveRate: c.predictive.amdHumanFalsePositiveRate,
          }
        : missing('predictive');
    case 'agentless':
      return c.agentless
        ? {
            mode,
            maxConcurrentCalls: c.agentless.maxConcurrentCalls,
            callsPerSecond: c.agentless.callsPerSecond,
            prompt: c.agentless.prompt,
            digitTimeoutMs: c.agentless.digitTimeoutMs || 8_000,
          }
        : missing('agentless');
  }
}

/** A campaign's settings from the API (defaults filled in); the domain's rules are checked after. */
export function settingsFromProto(c: ProtoCampaign | undefined): CampaignSettings {
  if (c === undefined) throw InvalidArgumentError.field('campaign', 'is required');
  const mode = MODE_OF[c.dialMode];
  if (mode === undefined) throw InvalidArgumentError.field('campaign.dial_mode', 'must be a dial mode', 'MODE_MISSING');
  const rules = (c.retryPolicy?.rules ?? []).map((r, i) => {
    const outcome = OUTCOME_OF[r.outcome];
    if (outcome === undefined)
      throw InvalidArgumentError.field(`campaign.retry_policy.rules[${i}].outcome`, 'must be an attempt outcome');
    return { outcome, delayMs: r.delayMs, maxRetries: r.maxRetries };
  });
  return {
    name: c.name,
    leadLists: c.leadLists.map((l) => ({
      listId: l.listId,
      ...(l.tier ? { tier: l.tier } : {}),
      ...(l.tags.length > 0 ? { tags: l.tags } : {}),
      ...(l.region ? { region: l.region } : {}),
      ...(l.intent ? { intent: l.intent } : {}),
      ...(Object.keys(l.customFields).length > 0 ? { customFields: l.customFields } : {}),
    })),
    hours: c.hours
      ? { startHour: c.hours.startHour, endHour: c.hours.endHour, weekdays: c.hours.weekdays }
      : { startHour: 0, endHour: 24, weekdays: [] },
    callerIds: c.callerIds,
    gateway: c.gateway,
    retryRules: rules.length > 0 ? rules : DEFAULT_RETRY_RULES,
    machineAction: MACHINE_ACTION_OF[c.machineAction] ?? 'hang_up',
    machineMessage: c.machineMessage,
    abandonMessage: c.abandonMessage,
    maxAttemptsPerLead: c.maxAttemptsPerLead || 3,
    modeSettings: modeSettings(c, mode),
    requiredSkills: c.requiredSkills,
    rulePacks: c.rulePacks,
    lineClass: c.lineClass || 'standard',
    amd: c.amd,
    ringTimeoutMs: c.ringTimeoutMs || 25_000,
    script: c.script,
  };
}

export function campaignToProto(c: Campaign): ProtoCampaign {
  const s = c.settings;
  const m = s.modeSettings;
  return {
    campaignId: c.campaignId,
    name: s.name,
    dialMode: MODES[m.mode],
    state: STATES[c.state],
    leadLists: s.leadLists.map((l) => ({
      listId: l.listId,
      tier: l.tier ?? '',
      tags: [...(l.tags ?? [])],
      region: l.region ?? '',
      intent: l.intent ?? '',
      customFields: { ...l.customFields },
    })),
    hours: { startHour: s.hours.startHour, endHour: s.hours.endHour, weekdays: [...s.hours.weekdays] },
    callerIds: [...s.callerIds],
    gateway: s.gateway,
    retryPolicy: { rules: s.retryRules.map((r) => ({ ...r, outcome: OUTCOMES[r.outcome] })) },
    machineAction: MACHINE_ACTIONS[s.machineAction],
    machineMessage: s.machineMessage,
    abandonMessage: s.abandonMessage,
    maxAttemptsPerLead: s.maxAttemptsPerLead,
    preview: m.mode === 'preview' ? { offerTimeoutMs: m.offerTimeoutMs } : undefined,
    progressive: m.mode === 'progressive' ? { ratio: m.ratio } : undefined,
    predictive:
      m.mode === 'predictive'
        ? {
            targetAbandonRate: m.targetAbandonRate,
            maxDialRatio: m.maxDialRatio,
            amdHumanFalsePositiveRate: m.amdHumanFalsePositiveRate ?? 0,
          }
        : undefined,
    agentless:
      m.mode === 'agentless'
        ? {
            maxConcurrentCalls: m.maxConcurrentCalls,
            callsPerSecond: m.callsPerSecond,
            prompt: m.prompt,
            digitTimeoutMs: m.digitTimeoutMs,
          }
        : undefined,
    requiredSkills: [...s.requiredSkills],
    rulePacks: [...s.rulePacks],
    lineClass: s.lineClass,
    amd: s.amd,
    ringTimeoutMs: s.ringTimeoutMs,
    script: s.script,
    createdAt: ts(c.createdAt),
    updatedAt: ts(c.updatedAt),
    version: c.version,
  };
}

export function dispositionToProto(d: Disposition): ProtoDisposition {
  return {
    intent: INTENTS[d.intent],
    notes: d.notes,
    followUpAt: ts(d.followUpAt),
    followUpSameAgent: d.followUpSameAgent,
    code: d.code,
    agentId: d.agentId,
    setAt: ts(d.setAt),
  };
}

export function dispositionFromProto(d: ProtoDisposition | undefined, agentId: string, now: Date): Disposition {
  if (d === undefined) throw InvalidArgumentError.field('disposition', 'is required');
  const intent = INTENT_OF[d.intent];
  if (intent === undefined) throw InvalidArgumentError.field('disposition.intent', 'must be A, B or C');
  if (d.notes.length > 4_000) throw InvalidArgumentError.field('disposition.notes', 'at most 4,000 characters');
  if (!/^[a-z0-9_]{0,64}$/.test(d.code))
    throw InvalidArgumentError.field('disposition.code', 'must be a code of a-z, 0-9, _');
  const followUpAt = ms(d.followUpAt);
  return {
    intent,
    code: d.code,
    notes: d.notes,
    ...(followUpAt === undefined ? {} : { followUpAt }),
    followUpSameAgent: d.followUpSameAgent,
    agentId,
    setAt: now,
  };
}

export function attemptToProto(a: Attempt): ProtoAttempt {
  const t = a.timeline;
  return {
    ref: { campaignId: a.campaignId, leadId: a.leadId, attemptId: a.attemptId },
    attemptNumber: a.attemptNumber,
    dialMode: MODES[a.dialMode],
    outcome: a.outcome === undefined ? ProtoOutcome.ATTEMPT_OUTCOME_UNSPECIFIED : OUTCOMES[a.outcome],
    complianceCheckId: a.complianceCheckId ?? '',
    callId: a.callId ?? '',
    agentId: a.agentId ?? '',
    amdVerdict: a.amdVerdict ?? '',
    hangupCause: a.hangupCause ?? '',
    sipStatus: a.sipStatus ?? 0,
    billsec: a.billsec ?? 0,
    timeline: {
      queuedAt: ts(t.queuedAt),
      checkedAt: ts(t.checkedAt),
      originatedAt: ts(t.originatedAt),
      ringingAt: ts(t.ringingAt),
      answeredAt: ts(t.answeredAt),
      amdAt: ts(t.amdAt),
      bridgedAt: ts(t.bridgedAt),
      abandonedAt: ts(t.abandonedAt),
      endedAt: ts(t.endedAt),
    },
    denialReasons: [...a.denialReasons],
    disposition: a.disposition === undefined ? undefined : dispositionToProto(a.disposition),
    nextAttemptAt: ts(a.nextAttemptAt),
    digits: a.digits ?? '',
    line: a.line ?? '',
    callerId: a.callerId ?? '',
  };
}

export function figuresToProto(f: CampaignFigures): ProtoFigures {
  return {
    campaignId: f.campaignId,
    state: STATES[f.state],
    at: ts(f.at),
    dialed: f.dialed,
    ringing: f.ringing,
    answered: f.answered,
    connected: f.connected,
    abandoned: f.abandoned,
    abandonRate: f.abandonRate,
    abandonWindows: f.abandonWindows.map((w) => ({ ...w })),
    agentsReady: f.agents.ready,
    agentsTalking: f.agents.talking,
    agentsWrapUp: f.agents.wrapUp,
    agentsPaused: f.agents.paused,
    occupancy: f.occupancy,
    pacingRatio: f.pacingRatio,
    deniedByReason: { ...f.deniedByReason },
    leadsInHopper: f.leadsInHopper,
    leadsClosed: f.leadsClosed,
    machines: f.machines,
    inFlight: f.inFlight,
    failedByCause: { ...f.failedByCause },
  };
}
