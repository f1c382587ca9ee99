// How many calls a campaign launches on one tick, per dial mode, within the line's limits and
// compliance's abandon guard. Pure: the engine gathers the inputs (Redis counts, the pacer's
// decision, compliance's status) and acts on the answer.

import type { ModeSettings } from './model.js';

export type AbandonAction = 'continue' | 'slow_down' | 'stop';

export interface DialPlanInput {
  readonly mode: ModeSettings;
  /** Ready agents of the campaign (a preview offer or a reservation takes an agent out of ready). */
  readonly agentsReady: number;
  /** Calls launched and not ended (including those waiting for compliance or originate). */
  readonly inFlight: number;
  /** Of those, calls not yet with an agent (checking, ringing, answered and waiting). */
  readonly unbridged: number;
  /** The predictive pacer's decision for this tick (predictive mode only). */
  readonly pacerLaunch?: number;
  /** Channels the campaign may still use on its gateway. */
  readonly channelsFree: number;
  /** Launches the calls-per-second limits allow on this tick. */
  readonly cpsBudget: number;
  /** Leads the hopper can give now. */
  readonly leadsAvailable: number;
  readonly abandon: AbandonAction;
}

export interface DialPlan {
  readonly launch: number;
  /** What limited the count (for figures and logs). */
  readonly limitedBy: 'mode' | 'channels' | 'cps' | 'leads' | 'abandon_stop' | 'abandon_slow_down';
}

const whole = (n: number) => (Number.isFinite(n) ? Math.max(0, Math.floor(n)) : 0);

/** What the mode alone asks for. */
export function modeDemand(input: DialPlanInput): number {
  const mode = input.mode;
  switch (mode.mode) {
    case 'preview':
      return whole(input.agentsReady);
    case 'progressive':
      return whole(mode.ratio * input.agentsReady - input.unbridged);
    case 'predictive':
      return whole(input.pacerLaunch ?? 0);
    case 'agentless':
      return whole(Math.min(mode.maxConcurrentCalls - input.inFlight, mode.callsPerSecond));
  }
}

export function planDials(input: DialPlanInput): DialPlan {
  if (input.abandon === 'stop') return { launch: 0, limitedBy: 'abandon_stop' };
  let launch = modeDemand(input);
  let limitedBy: DialPlan['limitedBy'] = 'mode';
  const cap = (limit: number, reason: DialPlan['limitedBy']) => {
    const bounded = whole(limit);
    if (bounded < launch) {
      launch = bounded;
      limitedBy = reason;
    }
  };
  cap(input.channelsFree, 'channels');
  cap(input.cpsBudget, 'cps');
  if (input.abandon === 'slow_down' && launch > 0) {
    launch = Math.floor(launch / 2);
    limitedBy = 'abandon_slow_down';
  }
  cap(input.leadsAvailable, 'leads');
  return { launch, limitedBy };
}
