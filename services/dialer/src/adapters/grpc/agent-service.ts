import { NotFoundError } from '@outbound/errors';
import { toTimestamp } from '@outbound/proto';
import {
  AgentServiceService,
  AgentState as ProtoAgentState,
  type Agent as ProtoAgent,
  type AgentServiceServer,
  type WatchAgentResponse,
} from '@outbound/proto/outbound/v1/campaign';
import { bindService, validateRequest, type ServiceBinding } from '@outbound/rpc';
import type { Logger } from '@outbound/telemetry';
import { z } from 'zod';
import type { Agent, AgentState } from '../../domain/model.js';
import type {
  AgentBoard,
  AgentDeskHub,
  AgentSessions,
  DeskUpdate,
  Dispositions,
  ScreenPop,
} from '../../use-cases/agent-sessions.js';
import type { PreviewDecisions } from '../../use-cases/ports.js';
import { attemptToProto, dispositionFromProto } from './campaign-convert.js';

export interface AgentServiceDeps {
  readonly sessions: AgentSessions;
  readonly desk: AgentDeskHub;
  readonly dispositions: Dispositions;
  readonly board: AgentBoard;
  readonly preview: PreviewDecisions;
  readonly now?: () => Date;
}

const STATES: Record<AgentState, ProtoAgentState> = {
  logged_out: ProtoAgentState.AGENT_STATE_LOGGED_OUT,
  ready: ProtoAgentState.AGENT_STATE_READY,
  reserved: ProtoAgentState.AGENT_STATE_RESERVED,
  talking: ProtoAgentState.AGENT_STATE_TALKING,
  wrap_up: ProtoAgentState.AGENT_STATE_WRAP_UP,
  paused: ProtoAgentState.AGENT_STATE_PAUSED,
};

const id = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'must be an id of letters, digits, _ or - (at most 128)');
const agentId = z.object({ agentId: id });
const login = z.object({
  agentId: id,
  endpoint: z
    .string()
    .regex(
      /^(user\/[A-Za-z0-9_.@-]{1,64}|sofia\/[A-Za-z0-9_.@:/-]{1,200})$/,
      'must be user/<id> or a sofia dial string',
    ),
  campaignIds: z.array(id).min(1, 'at least one campaign').max(50),
  skills: z.array(z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be a skill name')).max(50),
  reveal: z.boolean(),
});

function agentToProto(a: Agent): ProtoAgent {
  return {
    agentId: a.agentId,
    state: STATES[a.state],
    campaignIds: [...a.campaignIds],
    endpoint: a.endpoint,
    skills: [...a.skills],
    pauseReason: a.pauseReason ?? '',
    stateSince: toTimestamp(a.stateSinceMs),
    attempt:
      a.attemptId === undefined
        ? undefined
        : { campaignId: a.campaignId ?? '', leadId: a.leadId ?? '', attemptId: a.attemptId },
    reveal: a.reveal,
  };
}

function popToProto(p: ScreenPop) {
  return {
    attempt: { campaignId: p.attempt.campaignId, leadId: p.attempt.leadId, attemptId: p.attempt.attemptId },
    name: p.name,
    phone: p.phone,
    region: p.region,
    tier: p.tier,
    tags: [...p.tags],
    customFields: { ...p.customFields },
    history: p.history.map(attemptToProto),
    script: p.script,
  };
}

function updateToProto(u: DeskUpdate): WatchAgentResponse {
  const base = {
    agent: agentToProto(u.agent),
    wrapUpUntil: u.agent.wrapUpUntilMs === undefined ? undefined : toTimestamp(u.agent.wrapUpUntilMs),
  };
  switch (u.kind) {
    case 'state':
      return { ...base, stateChanged: STATES[u.agent.state] };
    case 'offer':
      return { ...base, offer: popToProto(u.pop) };
    case 'screen_pop':
      return { ...base, screenPop: popToProto(u.pop) };
    case 'call_ended':
      return {
        ...base,
        callEnded: { campaignId: u.attempt.campaignId, leadId: u.attempt.leadId, attemptId: u.attempt.attemptId },
      };
  }
}

export function agentService(deps: AgentServiceDeps, logger: Logger): ServiceBinding {
  const now = deps.now ?? (() => new Date());
  return bindService<AgentServiceServer>(
    'outbound.v1.AgentService',
    AgentServiceService,
    {
      async login(request) {
        return { agent: agentToProto(await deps.sessions.login(validateRequest(login, request))) };
      },
      async logout(request) {
        return { agent: agentToProto(await deps.sessions.logout(validateRequest(agentId, request).agentId)) };
      },
      async setReady(request) {
        return { agent: agentToProto(await deps.sessions.ready(validateRequest(agentId, request).agentId)) };
      },
      async pause(request) {
        const parsed = validateRequest(z.object({ agentId: id, reason: z.string() }), request);
        return { agent: agentToProto(await deps.sessions.pause(parsed.agentId, parsed.reason)) };
      },
      async *watchAgent(request, context) {
        for await (const update of deps.desk.watch(validateRequest(agentId, request).agentId, context.signal))
          yield updateToProto(update);
      },
      async acceptPreview(request) {
        const parsed = validateRequest(z.object({ agentId: id, attemptId: id }), request);
        return { attempt: attemptToProto(await deps.preview.accept(parsed.agentId, parsed.attemptId)) };
      },
      async skipPreview(request) {
        const parsed = validateRequest(z.object({ agentId: id, attemptId: id, reason: z.string().max(200) }), request);
        await deps.preview.skip(parsed.agentId, parsed.attemptId, parsed.reason);
        return {};
      },
      async setDisposition(request) {
        const parsed = validateRequest(z.object({ agentId: id, attemptId: id }), request);
        const disposition = dispositionFromProto(request.disposition, parsed.agentId, now());
        const result = await deps.dispositions.set(parsed.agentId, parsed.attemptId, disposition);
        return { attempt: attemptToProto(result.attempt), agent: agentToProto(result.agent) };
      },
      async getAgent(request) {
        const parsed = validateRequest(agentId, request);
        const agent = await deps.board.get(parsed.agentId);
        if (agent === undefined) throw new NotFoundError('agent', parsed.agentId);
        return { agent: agentToProto(agent) };
      },
      async listAgents(request) {
        const parsed = validateRequest(z.object({ campaignId: id }), request);
        return { agents: (await deps.board.list(parsed.campaignId)).map(agentToProto), page: { nextPageToken: '' } };
      },
    },
    logger,
  );
}
