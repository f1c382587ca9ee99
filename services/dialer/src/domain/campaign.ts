import { FailedPreconditionError, type FieldViolation } from '@outbound/errors';
import type { CampaignSettings, CampaignState } from './model.js';

/** What each lifecycle command may start from, and where it leads. */
export const TRANSITIONS = {
  start: { from: ['draft'], to: 'running' },
  pause: { from: ['running'], to: 'paused' },
  resume: { from: ['paused'], to: 'running' },
  stop: { from: ['draft', 'running', 'paused'], to: 'stopped' },
  finish: { from: ['running'], to: 'finished' },
} as const satisfies Record<string, { from: readonly CampaignState[]; to: CampaignState }>;

export type LifecycleCommand = keyof typeof TRANSITIONS;

/** The refusal of an illegal transition, naming the state the campaign is in. */
export function illegalTransition(command: LifecycleCommand, current: CampaignState): FailedPreconditionError {
  return new FailedPreconditionError(`cannot ${command} a campaign that is ${current}`, {
    reason: 'ILLEGAL_CAMPAIGN_TRANSITION',
    details: { state: current, command },
  });
}

/** Settings that may change: everything but a finished or stopped campaign's. */
export function canUpdate(state: CampaignState): boolean {
  return state !== 'finished' && state !== 'stopped';
}

const E164 = /^\+[1-9]\d{6,14}$/;
const TOKEN = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * The rules a campaign's settings must meet beyond their shape: each broken rule names its field
 * (as the API spells it) and never echoes a value.
 */
export function settingsViolations(s: CampaignSettings): FieldViolation[] {
  const v: FieldViolation[] = [];
  const add = (field: string, description: string): void => void v.push({ field, description });
  if (s.name.trim() === '' || s.name.length > 200) add('campaign.name', 'must be 1–200 characters');
  if (s.leadLists.length === 0) add('campaign.lead_lists', 'at least one lead list is required');
  s.leadLists.forEach((list, i) => {
    if (!TOKEN.test(list.listId)) add(`campaign.lead_lists[${i}].list_id`, 'must be a list id (letters, digits, _ -)');
    if (Object.keys(list.customFields ?? {}).length > 10)
      add(`campaign.lead_lists[${i}].custom_fields`, 'at most 10 custom fields');
  });
  const { startHour, endHour, weekdays } = s.hours;
  if (!Number.isInteger(startHour) || startHour < 0 || startHour > 23)
    add('campaign.hours.start_hour', 'must be a whole hour from 0 to 23');
  if (!Number.isInteger(endHour) || endHour < 1 || endHour > 24)
    add('campaign.hours.end_hour', 'must be a whole hour from 1 to 24');
  if (startHour >= endHour) add('campaign.hours', 'start_hour must be before end_hour');
  if (weekdays.some((d) => !Number.isInteger(d) || d < 1 || d > 7))
    add('campaign.hours.weekdays', 'must be ISO weekdays 1 (Monday) to 7 (Sunday)');
  if (s.callerIds.length === 0) add('campaign.caller_ids', 'at least one caller ID is required');
  s.callerIds.forEach((id, i) => {
    if (!E164.test(id)) add(`campaign.caller_ids[${i}]`, 'must be an E.164 number');
  });
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(s.gateway))
    add('campaign.gateway', 'must name a gateway (letters, digits, _ . -)');
  if (!Number.isInteger(s.maxAttemptsPerLead) || s.maxAttemptsPerLead < 1 || s.maxAttemptsPerLead > 100)
    add('campaign.max_attempts_per_lead', 'must be 1 to 100');
  if (s.ringTimeoutMs < 5_000 || s.ringTimeoutMs > 120_000) add('campaign.ring_timeout_ms', 'must be 5,000 to 120,000');
  s.retryRules.forEach((rule, i) => {
    if (rule.delayMs < 0 || rule.delayMs > 30 * 86_400_000)
      add(`campaign.retry_policy.rules[${i}].delay_ms`, 'must be 0 to 30 days');
    if (rule.maxRetries < 0 || rule.maxRetries > 50)
      add(`campaign.retry_policy.rules[${i}].max_retries`, 'must be 0 to 50');
  });
  if (new Set(s.retryRules.map((r) => r.outcome)).size !== s.retryRules.length)
    add('campaign.retry_policy.rules', 'one rule per outcome');
  if (s.machineAction === 'leave_message' && s.machineMessage === '')
    add('campaign.machine_message', 'is required to leave a message');
  const m = s.modeSettings;
  switch (m.mode) {
    case 'preview':
      if (m.offerTimeoutMs < 0) add('campaign.preview.offer_timeout_ms', 'must not be negative');
      break;
    case 'progressive':
      if (!(m.ratio > 0) || m.ratio > 10) add('campaign.progressive.ratio', 'must be above 0 and at most 10');
      break;
    case 'predictive':
      if (!(m.targetAbandonRate > 0) || m.targetAbandonRate > 0.05)
        add('campaign.predictive.target_abandon_rate', 'must be above 0 and at most 0.05');
      // Above 6 the pacer was measured to break abandon limits (pacing/README.md, 'The dial-ratio cap').
      if (!(m.maxDialRatio >= 1) || m.maxDialRatio > 6) add('campaign.predictive.max_dial_ratio', 'must be 1 to 6');
      // AMD's false positives alone must leave room under the target (and a rate is a share).
      if (
        m.amdHumanFalsePositiveRate !== undefined &&
        !(m.amdHumanFalsePositiveRate >= 0 && m.amdHumanFalsePositiveRate < m.targetAbandonRate)
      )
        add('campaign.predictive.amd_human_false_positive_rate', 'must be 0 or more and below target_abandon_rate');
      break;
    case 'agentless':
      if (!Number.isInteger(m.maxConcurrentCalls) || m.maxConcurrentCalls < 1 || m.maxConcurrentCalls > 10_000)
        add('campaign.agentless.max_concurrent_calls', 'must be 1 to 10,000');
      if (!(m.callsPerSecond > 0) || m.callsPerSecond > 1_000)
        add('campaign.agentless.calls_per_second', 'must be above 0 and at most 1,000');
      if (m.prompt === '') add('campaign.agentless.prompt', 'is required');
      if (m.digitTimeoutMs < 1_000 || m.digitTimeoutMs > 60_000)
        add('campaign.agentless.digit_timeout_ms', 'must be 1,000 to 60,000');
      break;
  }
  return v;
}
