// The agent desktop: the agent's own session on the dialer, the live desk feed (state changes,
// offers, screen pops), preview decisions, dispositions, follow-ups, and the audited reveal.

import { toTimestamp } from '@outbound/proto';
import { IntentGrade, type WatchAgentResponse } from '@outbound/proto/outbound/v1/campaign';
import { Metadata } from '@outbound/rpc';
import { z } from 'zod';
import type { DeskEventDto, FollowUpDto } from '../../shared/dto.js';
import { HttpError, call, type Backends } from '../adapters/backends.js';
import { ms, toAgent, toScreenPop } from '../domain/convert.js';
import type { Session } from '../domain/session.js';
import type { Audit } from './audit.js';
import type { CampaignUseCases } from './campaigns.js';
import { mapUpstream } from './campaigns.js';
import { LiveFeed } from './live-feed.js';

export const PAUSE_REASONS = ['break', 'lunch', 'training', 'meeting', 'technical', 'other'] as const;

export const dispositionInput = z.object({
  attemptId: z.string().min(1),
  intent: z.enum(['A', 'B', 'C']),
  code: z.string().max(64).default(''),
  notes: z.string().max(2_000).default(''),
  /** Epoch ms; must be in the future. */
  followUpAt: z.number().int().positive().optional(),
});

const INTENT = { A: IntentGrade.INTENT_GRADE_A, B: IntentGrade.INTENT_GRADE_B, C: IntentGrade.INTENT_GRADE_C };

export function createDeskUseCases(
  backends: Backends,
  campaigns: CampaignUseCases,
  audit: Audit,
  onBreak: (what: string, error?: Error) => void,
) {
  const a = backends.agents;
  const feeds = new Map<string, LiveFeed<DeskEventDto>>();
  /** The clear number of each agent's current pop, kept only for an audited reveal. */
  const clearNumbers = new Map<string, { attemptId: string; phone: string }>();

  const agentOf = (session: Session): string => {
    if (!session.agentId) throw new HttpError(403, 'forbidden', 'this user is not an agent');
    return session.agentId;
  };

  async function login(session: Session, campaignIds: string[]) {
    const agentId = agentOf(session);
    try {
      await call('dialer', a, a.login, {
        agentId,
        endpoint: `user/${agentId}`,
        campaignIds,
        skills: [],
        reveal: session.reveal,
      });
    } catch (error) {
      // Logged in already (another tab, a reload): log out and in again with these campaigns.
      if (!(error instanceof HttpError) || error.code !== 'already_exists') throw error;
      await call('dialer', a, a.logout, { agentId });
      await call('dialer', a, a.login, {
        agentId,
        endpoint: `user/${agentId}`,
        campaignIds,
        skills: [],
        reveal: session.reveal,
      });
    }
    return toAgent((await call('dialer', a, a.getAgent, { agentId })).agent!);
  }

  const simple = {
    ready: async (s: Session) => toAgent((await call('dialer', a, a.setReady, { agentId: agentOf(s) })).agent!),
    pause: async (s: Session, reason: string) => {
      if (!(PAUSE_REASONS as readonly string[]).includes(reason))
        throw new HttpError(400, 'invalid_input', `pause reason must be one of ${PAUSE_REASONS.join(', ')}`);
      return toAgent((await call('dialer', a, a.pause, { agentId: agentOf(s), reason })).agent!);
    },
    logout: async (s: Session) => toAgent((await call('dialer', a, a.logout, { agentId: agentOf(s) })).agent!),
    accept: async (s: Session, attemptId: string) => {
      await call('dialer', a, a.acceptPreview, { agentId: agentOf(s), attemptId });
    },
    skip: async (s: Session, attemptId: string, reason: string) => {
      await call('dialer', a, a.skipPreview, { agentId: agentOf(s), attemptId, reason });
    },
  };

  async function dispose(s: Session, input: z.infer<typeof dispositionInput>) {
    const agentId = agentOf(s);
    if (input.followUpAt !== undefined && input.followUpAt <= Date.now())
      throw new HttpError(400, 'invalid_input', 'the follow-up time must be in the future');
    await call('dialer', a, a.setDisposition, {
      agentId,
      attemptId: input.attemptId,
      disposition: {
        intent: INTENT[input.intent],
        notes: input.notes,
        code: input.code,
        followUpAt: input.followUpAt === undefined ? undefined : toTimestamp(input.followUpAt),
        followUpSameAgent: input.followUpAt !== undefined,
        agentId,
        setAt: undefined,
      },
    });
    clearNumbers.delete(agentId);
  }

  function watch(agentId: string): LiveFeed<DeskEventDto> {
    let feed = feeds.get(agentId);
    if (!feed) {
      feed = new LiveFeed<DeskEventDto>(
        () => {
          const stream = a.watchAgent({ agentId }, new Metadata(), { deadline: Number.POSITIVE_INFINITY });
          return mapUpstream(stream, (m: WatchAgentResponse): DeskEventDto | undefined => {
            if (!m.agent) return undefined;
            const agent = toAgent(m.agent);
            const wrapUpUntil = m.wrapUpUntil ? ms(m.wrapUpUntil) : undefined;
            const pop = m.offer ?? m.screenPop;
            if (pop) {
              clearNumbers.set(agentId, { attemptId: pop.attempt?.attemptId ?? '', phone: pop.phone });
              return { agent, kind: m.offer ? 'offer' : 'screen_pop', pop: toScreenPop(pop), wrapUpUntil };
            }
            if (m.callEnded) return { agent, kind: 'call_ended', endedAttemptId: m.callEnded.attemptId, wrapUpUntil };
            return { agent, kind: 'state', wrapUpUntil };
          });
        },
        { onBreak: (error) => onBreak('WatchAgent', error) },
      );
      feeds.set(agentId, feed);
    }
    return feed;
  }

  /** The clear number of the agent's current customer, for an agent allowed to see it; audited first. */
  async function reveal(s: Session, attemptId: string): Promise<string> {
    const agentId = agentOf(s);
    if (!s.reveal) throw new HttpError(403, 'forbidden', 'you may not see clear numbers');
    const held = clearNumbers.get(agentId);
    if (!held || held.attemptId !== attemptId || held.phone.includes('*'))
      throw new HttpError(404, 'not_found', 'no clear number for this call');
    await audit(s, 'revealed', `attempt:${attemptId}`);
    return held.phone;
  }

  async function followUps(s: Session, campaignIds: readonly string[]): Promise<FollowUpDto[]> {
    const agentId = agentOf(s);
    const now = Date.now();
    const out: FollowUpDto[] = [];
    for (const campaignId of campaignIds)
      for (const attempt of await campaigns.followUps(campaignId, agentId)) {
        const d = attempt.disposition;
        if (!d?.followUpAt) continue;
        const at = ms(d.followUpAt);
        out.push({
          attemptId: attempt.ref?.attemptId ?? '',
          campaignId,
          leadId: attempt.ref?.leadId ?? '',
          at,
          notes: d.notes,
          overdue: at < now,
        });
      }
    return out.sort((x, y) => x.at - y.at);
  }

  return {
    login,
    ...simple,
    dispose,
    watch,
    reveal,
    followUps,
    agentOf,
    close: () => feeds.forEach((f) => f.close()),
  };
}

export type DeskUseCases = ReturnType<typeof createDeskUseCases>;
