// The agents' side: sessions (log in, ready, pause, log out), the desk each agent watches
// (state changes, preview offers, screen pops, call-ended notices) and dispositions, which end
// wrap-up and may schedule a follow-up or record an opt-out.

import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from '@outbound/errors';
import { PAUSE_REASONS } from '../domain/agent-state.js';
import type { Agent, Attempt, Disposition } from '../domain/model.js';
import type {
  AgentDesk,
  AgentDirectory,
  AgentSessionStore,
  AttemptStore,
  CampaignLeadStore,
  CampaignStore,
  ComplianceGate,
  LeadDirectory,
} from './ports.js';

/** The agent directory plus the moves agents ask for themselves. */
export interface AgentBoard extends AgentDirectory {
  login(login: {
    agentId: string;
    endpoint: string;
    campaignIds: readonly string[];
    skills: readonly string[];
    reveal: boolean;
    state: 'ready' | 'paused';
  }): Promise<Agent>;
  logout(agentId: string): Promise<Agent>;
  setReady(agentId: string): Promise<Agent>;
  pause(agentId: string, reason: string): Promise<Agent>;
  finishWrapUp(agentId: string): Promise<boolean>;
}

export class AgentSessions {
  constructor(private readonly deps: { board: AgentBoard; campaigns: CampaignStore; sessions: AgentSessionStore }) {}

  async login(request: {
    agentId: string;
    endpoint: string;
    campaignIds: readonly string[];
    skills: readonly string[];
    reveal: boolean;
  }): Promise<Agent> {
    for (const campaignId of request.campaignIds)
      if ((await this.deps.campaigns.get(campaignId)) === undefined) throw new NotFoundError('campaign', campaignId);
    // Logged in, an agent starts paused until they say they are ready.
    const agent = await this.deps.board.login({ ...request, state: 'paused' });
    await this.deps.sessions.saveLogin({ ...request, paused: true, pauseReason: '' });
    return agent;
  }

  async logout(agentId: string): Promise<Agent> {
    const agent = await this.deps.board.logout(agentId);
    await this.deps.sessions.saveLogout(agentId);
    return agent;
  }

  async ready(agentId: string): Promise<Agent> {
    const agent = await this.deps.board.setReady(agentId);
    await this.deps.sessions.savePresence(agentId, { paused: false, pauseReason: '' });
    return agent;
  }

  async pause(agentId: string, reason: string): Promise<Agent> {
    if (!(PAUSE_REASONS as readonly string[]).includes(reason))
      throw InvalidArgumentError.field('reason', `must be one of ${PAUSE_REASONS.join(', ')}`, 'UNKNOWN_PAUSE_REASON');
    const agent = await this.deps.board.pause(agentId, reason);
    await this.deps.sessions.savePresence(agentId, { paused: true, pauseReason: reason });
    return agent;
  }
}

export interface ScreenPop {
  readonly attempt: Attempt;
  readonly name: string;
  readonly phone: string;
  readonly region: string;
  readonly tier: string;
  readonly tags: readonly string[];
  readonly customFields: Readonly<Record<string, string>>;
  readonly history: readonly Attempt[];
  readonly script: string;
}

export type DeskUpdate =
  | { readonly kind: 'state'; readonly agent: Agent }
  | { readonly kind: 'offer' | 'screen_pop'; readonly agent: Agent; readonly pop: ScreenPop }
  | { readonly kind: 'call_ended'; readonly agent: Agent; readonly attempt: Attempt };

/** What each agent's desktop is told, as it happens (WatchAgent). */
export class AgentDeskHub implements AgentDesk {
  private readonly watchers = new Map<string, Set<(update: DeskUpdate) => void>>();

  constructor(
    private readonly deps: {
      board: AgentDirectory;
      leadDirectory: LeadDirectory;
      attempts: AttemptStore;
      campaigns: CampaignStore;
    },
  ) {
    deps.board.onChange((agent) => this.send(agent.agentId, { kind: 'state', agent }));
  }

  async screenPop(agentId: string, attempt: Attempt): Promise<void> {
    await this.sendPop(agentId, attempt, 'screen_pop');
  }

  async offer(agentId: string, attempt: Attempt): Promise<void> {
    await this.sendPop(agentId, attempt, 'offer');
  }

  async callEnded(agentId: string, attempt: Attempt): Promise<void> {
    const agent = await this.deps.board.get(agentId);
    if (agent) this.send(agentId, { kind: 'call_ended', agent, attempt });
  }

  /** The agent's updates until `signal` aborts: the agent as it is now first. */
  async *watch(agentId: string, signal: AbortSignal): AsyncGenerator<DeskUpdate> {
    const current = await this.deps.board.get(agentId);
    if (current === undefined || current.state === 'logged_out')
      throw new NotFoundError('logged-in agent', agentId, { reason: 'AGENT_NOT_LOGGED_IN' });
    const queue: DeskUpdate[] = [{ kind: 'state', agent: current }];
    let wake: (() => void) | undefined;
    const push = (update: DeskUpdate): void => {
      queue.push(update);
      wake?.();
    };
    const set = this.watchers.get(agentId) ?? new Set();
    set.add(push);
    this.watchers.set(agentId, set);
    const onAbort = (): void => wake?.();
    signal.addEventListener('abort', onAbort);
    try {
      while (!signal.aborted) {
        const next = queue.shift();
        if (next !== undefined) {
          yield next;
          continue;
        }
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    } finally {
      set.delete(push);
      if (set.size === 0) this.watchers.delete(agentId);
      signal.removeEventListener('abort', onAbort);
    }
  }

  private send(agentId: string, update: DeskUpdate): void {
    for (const push of this.watchers.get(agentId) ?? []) push(update);
  }

  private async sendPop(agentId: string, attempt: Attempt, kind: 'offer' | 'screen_pop'): Promise<void> {
    if (!this.watchers.has(agentId) && kind === 'screen_pop') return;
    const agent = await this.deps.board.get(agentId);
    if (agent === undefined) return;
    // Masked unless the agent may see the customer's number and name.
    const [lead, history, campaign] = await Promise.all([
      this.deps.leadDirectory.getLead(attempt.leadId, { reveal: agent.reveal }),
      this.deps.attempts.list({ campaignId: attempt.campaignId, leadId: attempt.leadId, pageSize: 20 }),
      this.deps.campaigns.get(attempt.campaignId),
    ]);
    this.send(agentId, {
      kind,
      agent,
      pop: {
        attempt,
        name: lead?.name ?? '',
        phone: lead?.phone ?? '',
        region: lead?.region ?? '',
        tier: lead?.tier ?? '',
        tags: lead?.tags ?? [],
        customFields: lead?.customFields ?? {},
        history: history.items.filter((a) => a.attemptId !== attempt.attemptId),
        script: campaign?.settings.script ?? '',
      },
    });
  }
}

/** Codes that mean the customer asked for no more calls. */
const OPT_OUT_CODES = new Set(['opt_out', 'do_not_call', 'unsubscribe']);

export class Dispositions {
  constructor(
    private readonly deps: {
      board: AgentBoard;
      attempts: AttemptStore;
      leads: CampaignLeadStore;
      leadDirectory: LeadDirectory;
      compliance: ComplianceGate;
    },
  ) {}

  /** Records the agent's disposition of a call they had; ends their wrap-up. */
  async set(agentId: string, attemptId: string, disposition: Disposition): Promise<{ attempt: Attempt; agent: Agent }> {
    const attempt = await this.deps.attempts.get(attemptId);
    if (attempt === undefined) throw new NotFoundError('attempt', attemptId);
    if (attempt.agentId !== agentId || attempt.timeline.bridgedAt === undefined)
      throw new FailedPreconditionError(`agent ${agentId} did not handle attempt ${attemptId}`, {
        reason: 'NOT_THE_AGENTS_CALL',
      });
    const stored = await this.deps.attempts.setDisposition(attemptId, disposition);
    if (disposition.followUpAt !== undefined) {
      const lead = await this.deps.leads.get(attempt.campaignId, attempt.leadId);
      if (lead !== undefined)
        await this.deps.leads.schedule(attempt.campaignId, {
          leadId: attempt.leadId,
          listId: lead.listId,
          nextAttemptAt: disposition.followUpAt,
          priority: 10,
          ...(disposition.followUpSameAgent ? { agentId } : {}),
        });
    }
    if (OPT_OUT_CODES.has(disposition.code)) {
      const lead = await this.deps.leadDirectory.getLead(attempt.leadId, { reveal: true });
      if (lead !== undefined)
        await this.deps.compliance.optOut({
          campaignId: attempt.campaignId,
          leadId: attempt.leadId,
          attemptId,
          phone: lead.phone,
        });
    }
    await this.deps.board.finishWrapUp(agentId);
    const agent = await this.deps.board.get(agentId);
    if (agent === undefined) throw new NotFoundError('agent', agentId);
    return { attempt: stored, agent };
  }
}
