// Proto messages to the browser's JSON, with numbers masked: the browser never gets a clear
// number from these (a reveal is its own audited request).

import { maskPhone } from '@outbound/phone/mask';
import {
  agentStateToJSON,
  attemptOutcomeToJSON,
  campaignStateToJSON,
  dialModeToJSON,
  intentGradeToJSON,
  type Agent,
  type Attempt,
  type Campaign,
  type CampaignFigures,
  type ScreenPop,
} from '@outbound/proto/outbound/v1/campaign';
import type { Timestamp } from '@outbound/proto/google/protobuf/timestamp';
import type { AgentDto, CampaignDto, FiguresDto, ScreenPopDto } from '../../shared/dto.js';

export const ms = (t: Timestamp | undefined): number => (t ? t.seconds * 1000 + Math.floor(t.nanos / 1e6) : 0);
const short = (value: string, prefix: string) => value.replace(prefix, '').toLowerCase();

export const stateName = (s: Campaign['state']) => short(campaignStateToJSON(s), 'CAMPAIGN_STATE_');
export const outcomeName = (o: Attempt['outcome']) => short(attemptOutcomeToJSON(o), 'ATTEMPT_OUTCOME_');
export const intentName = (i: number) => short(intentGradeToJSON(i), 'INTENT_GRADE_').toUpperCase();

export function toFigures(f: CampaignFigures): FiguresDto {
  const dialing = Math.max(0, f.inFlight - f.ringing - f.agentsTalking);
  return {
    campaignId: f.campaignId,
    state: stateName(f.state),
    at: ms(f.at),
    dialed: f.dialed,
    dialing,
    ringing: f.ringing,
    talking: f.agentsTalking,
    answered: f.answered,
    connected: f.connected,
    abandoned: f.abandoned,
    machines: f.machines,
    inFlight: f.inFlight,
    connectRate: f.dialed === 0 ? 0 : f.answered / f.dialed,
    abandonRate: f.abandonRate,
    abandonWindows: f.abandonWindows.map((w) => ({
      rulePack: w.rulePack,
      windowDays: w.windowDays,
      answered: w.answered,
      abandoned: w.abandoned,
      rate: w.rate,
      limit: w.limit,
      budgetLeft: w.budgetLeft,
    })),
    agents: { ready: f.agentsReady, talking: f.agentsTalking, wrapUp: f.agentsWrapUp, paused: f.agentsPaused },
    occupancy: f.occupancy,
    pacingRatio: f.pacingRatio,
    deniedByReason: { ...f.deniedByReason },
    failedByCause: { ...f.failedByCause },
    leadsInHopper: f.leadsInHopper,
    leadsClosed: f.leadsClosed,
  };
}

export function toCampaign(c: Campaign): CampaignDto {
  return {
    campaignId: c.campaignId,
    name: c.name,
    dialMode: short(dialModeToJSON(c.dialMode), 'DIAL_MODE_'),
    state: stateName(c.state),
    version: c.version,
    rulePacks: [...c.rulePacks],
    hours: { startHour: c.hours?.startHour ?? 0, endHour: c.hours?.endHour ?? 24 },
    listIds: c.leadLists.map((l) => l.listId),
    gateway: c.gateway,
    pacing: {
      ...(c.progressive ? { ratio: c.progressive.ratio } : {}),
      ...(c.predictive
        ? {
            targetAbandonRate: c.predictive.targetAbandonRate,
            maxDialRatio: c.predictive.maxDialRatio,
            amdHumanFalsePositiveRate: c.predictive.amdHumanFalsePositiveRate,
          }
        : {}),
    },
    amd: c.amd,
  };
}

export function toAgent(a: Agent): AgentDto {
  return {
    agentId: a.agentId,
    state: short(agentStateToJSON(a.state), 'AGENT_STATE_'),
    pauseReason: a.pauseReason,
    since: ms(a.stateSince),
    attemptId: a.attempt?.attemptId ?? '',
  };
}

export function toScreenPop(p: ScreenPop): ScreenPopDto {
  return {
    attemptId: p.attempt?.attemptId ?? '',
    campaignId: p.attempt?.campaignId ?? '',
    leadId: p.attempt?.leadId ?? '',
    name: maskName(p.name),
    phone: p.phone ? maskPhone(p.phone) : '',
    region: p.region,
    tier: p.tier,
    tags: [...p.tags],
    script: p.script,
    history: p.history.map((h) => ({
      attemptId: h.ref?.attemptId ?? '',
      outcome: outcomeName(h.outcome),
      at: ms(h.timeline?.originatedAt ?? h.timeline?.queuedAt),
      intent: h.disposition ? intentName(h.disposition.intent) : '',
    })),
  };
}

/** 张三 → 张*, Alice Smith → A**** S****; already-masked input stays as it is. */
export function maskName(name: string): string {
  if (!name || name.includes('*')) return name;
  return name
    .split(/\s+/)
    .map((part) => {
      const chars = [...part];
      return chars[0] + '*'.repeat(Math.max(1, chars.length - 1));
    })
    .join(' ');
}
