// Redis holds the engine's fast state (hoppers and their leases, live counters, the agents'
// board); PostgreSQL holds the record. When Redis loses its data, each piece is rebuilt from the
// record: a campaign's hopper from its due leads (leads in a call stay `in_flight` in PostgreSQL,
// so none is dialed twice), its counters from its attempts, and the agents from their sessions of
// record, on the call PostgreSQL has them on.

import type { Logger } from '@outbound/telemetry';
import type { CampaignCounters, CountedFact, StateMarkers, StateRecovery } from './engine-deps.js';
import type { AgentSessionRecord, AgentSessionStore, AttemptFacts, AttemptStore } from './ports.js';

export interface RestorableBoard {
  restore(
    sessions: readonly AgentSessionRecord[],
    onCall: ReadonlyMap<string, { attemptId: string; campaignId: string; leadId: string }>,
  ): Promise<number>;
}

/** The counters an attempt's recorded facts added to, as the engine counts them live. */
export function countedFacts(a: AttemptFacts): CountedFact[] {
  const out: CountedFact[] = [];
  const fact = (name: string, counters: CountedFact['counters']) =>
    out.push({ attemptId: a.attemptId, fact: name, counters });
  if (a.deniedReasons.length > 0)
    fact(
      'denied',
      a.deniedReasons.map((r) => `denied:${r}` as const),
    );
  if (a.dialed) fact('dialed', ['dialed']);
  if (a.ringing) fact('ringing', ['ringing']);
  if (a.answered) fact('answered', ['answered']);
  if (a.machine) fact('machine', ['machines']);
  if (a.connected) fact('connected', ['connected']);
  if (a.abandoned) fact('abandoned', ['abandoned']);
  if (a.failedCause) fact('failed', [`failed:${a.failedCause}`]);
  return out;
}

export class RedisRecovery implements StateRecovery {
  constructor(
    private readonly deps: {
      markers: StateMarkers;
      attempts: AttemptStore;
      counters: CampaignCounters;
      sessions: AgentSessionStore;
      board: RestorableBoard;
      logger: Logger;
    },
  ) {}

  /** A campaign's counters, when Redis lost them; true when they were rebuilt (the hopper then wants a rebuild too). */
  async campaign(campaignId: string): Promise<boolean> {
    if (!(await this.deps.markers.lost('campaign', campaignId))) return false;
    const facts = await this.deps.attempts.facts(campaignId);
    await this.deps.counters.restore(campaignId, facts.flatMap(countedFacts));
    this.deps.logger.info({ campaignId, attempts: facts.length }, 'campaign counters rebuilt from PostgreSQL');
    return true;
  }

  /** The agents' board, when Redis lost it (once, whichever replica sees it first). */
  async agents(): Promise<void> {
    if (!(await this.deps.markers.lost('agents'))) return;
    const sessions = await this.deps.sessions.loggedIn();
    const onCall = new Map<string, { attemptId: string; campaignId: string; leadId: string }>();
    const campaigns = new Set(sessions.flatMap((s) => s.campaignIds));
    for (const campaignId of campaigns)
      for (const a of await this.deps.attempts.facts(campaignId))
        if (a.talkingAgentId) onCall.set(a.talkingAgentId, { attemptId: a.attemptId, campaignId, leadId: a.leadId });
    const restored = await this.deps.board.restore(sessions, onCall);
    this.deps.logger.info({ agents: restored, onCall: onCall.size }, 'agents restored from their sessions of record');
  }
}
