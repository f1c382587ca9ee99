// A simulated agent team that uses only the public AgentService API, as agents' desktops would:
// log in, say ready, watch for offers and screen pops, wrap up and send a disposition after each
// call, take a short break now and then, log out at the end. How long a call lasts is the far
// end's business (switch-sim's scenario), so the agents only react.

import { setTimeout as sleep } from 'node:timers/promises';
import { AgentServiceClient, IntentGrade, type WatchAgentResponse } from '@outbound/proto/outbound/v1/campaign';
import { toTimestamp } from '@outbound/proto';
import type { CallOptions } from '@grpc/grpc-js';
import { Metadata, Status, createClient, unary } from '@outbound/rpc';
import type { Logger, Meter } from '@outbound/telemetry';
import { AgentDecisions, seeded } from './domain/mix.js';

export interface TeamConfig {
  readonly dialerAddress: string;
  readonly campaignIds: readonly string[];
  /** Each agent works one of the campaigns (round robin) instead of all of them (large benches). */
  readonly spreadAgents: boolean;
  readonly agents: number;
  readonly agentIdBase: number;
  readonly skills: readonly string[];
  readonly seed: number;
  /** How long an agent keeps trying to log in (the campaign may not exist yet). */
  readonly loginPatienceMs: number;
}

export interface TeamFigures {
  offers: number;
  accepted: number;
  skipped: number;
  calls: number;
  dispositions: number;
  breaks: number;
  errors: number;
}

const INTENTS = { A: IntentGrade.INTENT_GRADE_A, B: IntentGrade.INTENT_GRADE_B, C: IntentGrade.INTENT_GRADE_C };
/** Failures worth waiting out at login: the dialer is starting, or the campaign is not created yet. */
const RETRY_LOGIN = new Set<number>([Status.UNAVAILABLE, Status.NOT_FOUND, Status.DEADLINE_EXCEEDED]);

/** `meter`: where rpc.client.duration of the agents' calls goes (none: not recorded). */
export function createTeam(config: TeamConfig, logger: Logger, meter?: Meter) {
  const client = createClient(AgentServiceClient, config.dialerAddress, { defaultDeadlineMs: 10_000, meter });
  const stopping = new AbortController();
  const figures: TeamFigures = { offers: 0, accepted: 0, skipped: 0, calls: 0, dispositions: 0, breaks: 0, errors: 0 };
  const ids = Array.from({ length: config.agents }, (_, i) => String(config.agentIdBase + i));
  const loops: Promise<void>[] = [];
  const call = <Req, Res>(
    method: (req: Req, md: Metadata, options: Partial<CallOptions>, cb: (e: Error | null, r: Res) => void) => unknown,
    request: Req,
  ): Promise<Res> => unary<Req, Res>(method, client, request, new Metadata());

  async function login(agentId: string): Promise<void> {
    const deadline = Date.now() + config.loginPatienceMs;
    for (let attempt = 0; ; attempt++) {
      try {
        await call(client.login, {
          agentId,
          endpoint: `user/${agentId}`,
          campaignIds: config.spreadAgents
            ? [config.campaignIds[(Number(agentId) - config.agentIdBase) % config.campaignIds.length]!]
            : [...config.campaignIds],
          skills: [...config.skills],
          reveal: false,
        });
        await call(client.setReady, { agentId });
        return;
      } catch (error) {
        const code: number = (error as { code?: number }).code ?? -1;
        if (code === Number(Status.ALREADY_EXISTS)) {
          // A session left over from an earlier run: end it and log in afresh.
          await call(client.logout, { agentId }).catch(() => undefined);
          continue;
        }
        if (!RETRY_LOGIN.has(code) || Date.now() > deadline) throw error;
        await sleep(Math.min(2_000, 100 * 2 ** attempt), undefined, { signal: stopping.signal });
      }
    }
  }

  async function handle(agentId: string, update: WatchAgentResponse, decide: AgentDecisions): Promise<void> {
    if (update.offer?.attempt) {
      figures.offers++;
      const attemptId = update.offer.attempt.attemptId;
      if (decide.acceptsPreview()) {
        figures.accepted++;
        await call(client.acceptPreview, { agentId, attemptId });
      } else {
        figures.skipped++;
        await call(client.skipPreview, { agentId, attemptId, reason: 'not now' });
      }
    }
    if (update.screenPop) figures.calls++;
    if (update.callEnded) {
      await sleep(decide.wrapUpMs(), undefined, { signal: stopping.signal });
      const choice = decide.disposition();
      await call(client.setDisposition, {
        agentId,
        attemptId: update.callEnded.attemptId,
        disposition: {
          intent: INTENTS[choice.intent],
          code: choice.code,
          notes: '',
          followUpAt: choice.followUpInMs === undefined ? undefined : toTimestamp(Date.now() + choice.followUpInMs),
          followUpSameAgent: choice.followUpInMs !== undefined,
          agentId,
          setAt: undefined,
        },
      });
      figures.dispositions++;
      const pause = decide.breakMs();
      if (pause !== undefined) {
        figures.breaks++;
        await call(client.pause, { agentId, reason: 'break' });
        await sleep(pause, undefined, { signal: stopping.signal });
        await call(client.setReady, { agentId });
      }
    }
  }

  /** One agent's desk: watch, react, and watch again after a broken stream. */
  async function work(agentId: string, decide: AgentDecisions): Promise<void> {
    let failures = 0;
    while (!stopping.signal.aborted) {
      const stream = client.watchAgent({ agentId }, new Metadata(), { deadline: Number.POSITIVE_INFINITY });
      const cancel = () => stream.cancel();
      stopping.signal.addEventListener('abort', cancel, { once: true });
      try {
        for await (const update of stream as AsyncIterable<WatchAgentResponse>) {
          failures = 0;
          // Each update is handled in turn; a slow wrap-up holds the next update, as a person would.
          await handle(agentId, update, decide).catch((error: unknown) => {
            if (stopping.signal.aborted) return;
            figures.errors++;
            logger.warn({ err: error, agentId }, 'agent action failed');
          });
        }
      } catch (error) {
        if (stopping.signal.aborted) return;
        figures.errors++;
        logger.warn({ err: error, agentId }, 'agent desk stream broke; watching again');
      } finally {
        stopping.signal.removeEventListener('abort', cancel);
      }
      if (stopping.signal.aborted) return;
      // The dialer restarted: the session may be gone with it, so log in again when needed.
      await sleep(Math.min(5_000, 200 * 2 ** failures++), undefined, { signal: stopping.signal }).catch(
        () => undefined,
      );
      await login(agentId).catch((error: unknown) => logger.warn({ err: error, agentId }, 'log-in again failed'));
    }
  }

  return {
    figures,
    /** Logs every agent in (resolves once all are ready), then they work until stop(). */
    async start(): Promise<void> {
      await Promise.all(ids.map((id) => login(id)));
      for (const [i, id] of ids.entries()) loops.push(work(id, new AgentDecisions(seeded(config.seed * 1_000 + i))));
    },
    async stop(): Promise<void> {
      stopping.abort();
      await Promise.allSettled(loops);
      await Promise.allSettled(ids.map((agentId) => call(client.logout, { agentId })));
      client.close();
    },
  };
}
