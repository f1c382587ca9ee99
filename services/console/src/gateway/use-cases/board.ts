// The supervisors' agent board for one campaign: every agent's desk feed (shared with the desks)
// folded into one map, sent to the pages in batches at most every `flushMs`, so a thousand agents
// changing state make a few small messages a second instead of a thousand.

import type { AgentDto, BoardBatchDto } from '../../shared/dto.js';
import { call, type Backends } from '../adapters/backends.js';
import type { DeskUseCases } from './desk.js';

export interface BoardListener {
  batch(batch: BoardBatchDto): void;
  status(state: 'live' | 'lost', message?: string): void;
}

export function createBoards(
  backends: Backends,
  desk: DeskUseCases,
  options: { flushMs: number; relistMs: number },
  onError: (error: unknown) => void,
) {
  const boards = new Map<string, ReturnType<typeof openBoard>>();

  function openBoard(campaignId: string) {
    const listeners = new Set<BoardListener>();
    const agents = new Map<string, AgentDto & { eventAt: number }>();
    const dirty = new Set<string>();
    const unsubscribes = new Map<string, () => void>();
    let flushTimer: NodeJS.Timeout | undefined;
    let lost = false;

    const flush = () => {
      flushTimer = undefined;
      if (dirty.size === 0) return;
      const batch: BoardBatchDto = { agents: [...dirty].map((id) => agents.get(id)!), sentAt: Date.now() };
      dirty.clear();
      for (const l of listeners) l.batch(batch);
    };

    const follow = (agentId: string) => {
      if (unsubscribes.has(agentId)) return;
      unsubscribes.set(
        agentId,
        desk.watch(agentId).subscribe({
          data: (event) => {
            agents.set(agentId, { ...event.agent, eventAt: event.agent.since || Date.now() });
            dirty.add(agentId);
            flushTimer ??= setTimeout(flush, options.flushMs);
          },
          status: (state, message) => {
            if ((state === 'lost') === lost) return;
            lost = state === 'lost';
            for (const l of listeners) l.status(state, message);
          },
        }),
      );
    };

    const relist = async () => {
      const a = backends.agents;
      for (let pageToken = ''; ;) {
        const page = await call('dialer', a, a.listAgents, { campaignId, page: { pageSize: 1000, pageToken } });
        for (const agent of page.agents) follow(agent.agentId);
        pageToken = page.page?.nextPageToken ?? '';
        if (!pageToken) return;
      }
    };
    const relistLoop = () => relist().catch(onError);
    void relistLoop();
    const relistTimer = setInterval(() => void relistLoop(), options.relistMs);

    return {
      subscribe(listener: BoardListener): () => void {
        listeners.add(listener);
        if (agents.size > 0) listener.batch({ agents: [...agents.values()], sentAt: Date.now() });
        return () => {
          listeners.delete(listener);
          if (listeners.size === 0) this.close();
        };
      },
      close() {
        clearInterval(relistTimer);
        clearTimeout(flushTimer);
        for (const u of unsubscribes.values()) u();
        unsubscribes.clear();
        boards.delete(campaignId);
      },
    };
  }

  return {
    subscribe(campaignId: string, listener: BoardListener): () => void {
      let board = boards.get(campaignId);
      if (!board) {
        board = openBoard(campaignId);
        boards.set(campaignId, board);
      }
      return board.subscribe(listener);
    },
    close: () => [...boards.values()].forEach((b) => b.close()),
  };
}
