// PostgreSQL `agents`: each agent's session of record (login, ready or paused, logout), written
// on every move an agent asks for; the live state is in Redis and is rebuilt from here after a loss.

import type { Pool } from '@outbound/store';
import type { AgentSessionRecord, AgentSessionStore } from '../../use-cases/ports.js';
import { tableOf } from './sql-names.js';

export class SqlAgentSessionStore implements AgentSessionStore {
  private readonly table: string;

  constructor(
    private readonly pool: Pool,
    schema: string,
  ) {
    this.table = tableOf(schema, 'agents');
  }

  async saveLogin(s: AgentSessionRecord): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.table} (agent_id, endpoint, campaign_ids, skills, reveal, logged_in, paused, pause_reason, updated_at)
       VALUES ($1, $2, $3, $4, $5, true, $6, $7, now())
       ON CONFLICT (agent_id) DO UPDATE SET endpoint = $2, campaign_ids = $3, skills = $4, reveal = $5, logged_in = true,
         paused = $6, pause_reason = $7, updated_at = now()`,
      [s.agentId, s.endpoint, s.campaignIds, s.skills, s.reveal, s.paused, s.pauseReason],
    );
  }

  async savePresence(agentId: string, presence: { paused: boolean; pauseReason: string }): Promise<void> {
    await this.pool.query(
      `UPDATE ${this.table} SET paused = $2, pause_reason = $3, updated_at = now() WHERE agent_id = $1`,
      [agentId, presence.paused, presence.pauseReason],
    );
  }

  async saveLogout(agentId: string): Promise<void> {
    await this.pool.query(`UPDATE ${this.table} SET logged_in = false, updated_at = now() WHERE agent_id = $1`, [
      agentId,
    ]);
  }

  async loggedIn(): Promise<AgentSessionRecord[]> {
    const { rows } = await this.pool.query<{
      agent_id: string;
      endpoint: string;
      campaign_ids: string[];
      skills: string[];
      reveal: boolean;
      paused: boolean;
      pause_reason: string;
    }>(
      `SELECT agent_id, endpoint, campaign_ids, skills, reveal, paused, pause_reason FROM ${this.table} WHERE logged_in`,
    );
    return rows.map((r) => ({
      agentId: r.agent_id,
      endpoint: r.endpoint,
      campaignIds: r.campaign_ids,
      skills: r.skills,
      reveal: r.reveal,
      paused: r.paused,
      pauseReason: r.pause_reason,
    }));
  }
}
