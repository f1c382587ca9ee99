import type { Agent, AgentState } from './model.js';

/** Reasons an agent may give for a pause. */
export const PAUSE_REASONS = ['break', 'lunch', 'training', 'meeting', 'technical', 'other'] as const;
export type PauseReason = (typeof PAUSE_REASONS)[number];

/** Which states each agent command may start from. */
export const AGENT_MOVES = {
  ready: ['paused', 'wrap_up', 'ready'],
  pause: ['ready', 'paused', 'wrap_up'],
  logout: ['ready', 'paused', 'wrap_up'],
  reserve: ['ready'],
  startTalking: ['reserved'],
  callEnded: ['reserved', 'talking'],
  release: ['reserved'],
  finishWrapUp: ['wrap_up'],
} as const satisfies Record<string, readonly AgentState[]>;

export type AgentMove = keyof typeof AGENT_MOVES;

/**
 * The agent a call goes to: among ready agents of the campaign holding every required skill (and
 * only `agentId` when one is named), the one ready the longest. The Redis script does the same
 * atomically; this is its reference.
 */
export function pickLongestIdle(
  agents: readonly Agent[],
  request: { campaignId: string; skills: readonly string[]; agentId?: string },
): Agent | undefined {
  let best: Agent | undefined;
  for (const agent of agents) {
    if (agent.state !== 'ready' || !agent.campaignIds.includes(request.campaignId)) continue;
    if (request.agentId !== undefined && agent.agentId !== request.agentId) continue;
    if (!request.skills.every((skill) => agent.skills.includes(skill))) continue;
    if (
      best === undefined ||
      agent.stateSinceMs < best.stateSinceMs ||
      (agent.stateSinceMs === best.stateSinceMs && agent.agentId < best.agentId)
    )
      best = agent;
  }
  return best;
}
