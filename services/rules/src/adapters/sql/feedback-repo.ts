// Feedback counters: attempts and connects per segment and callee local hour, connected calls and
// complaints per script, and the once-a-day flag of a script past the complaint threshold.

import type { Pool, PoolClient } from '@outbound/store';
import type { HourCount, ScriptCount } from '../../domain/feedback.js';

export interface HourDelta {
  campaignId: string;
  segment: string;
  hour: number;
  attempts: number;
  connected: number;
}

export interface ScriptDelta {
  campaignId: string;
  script: string;
  connected: number;
  complaints: number;
}

export interface FlaggedScript extends ScriptCount {
  campaignId: string;
}

/** Add the deltas; return the scripts that pass the threshold now and were not flagged today. */
export async function recordFeedback(
  client: PoolClient,
  hours: HourDelta[],
  scripts: ScriptDelta[],
  day: string,
  threshold: number,
  minConnected: number,
): Promise<FlaggedScript[]> {
  if (hours.length > 0)
    await client.query(
      `INSERT INTO hour_stats (campaign_id, segment, local_hour, attempts, connected)
       SELECT c, s, h, sum(a), sum(k) FROM unnest($1::text[], $2::text[], $3::int[], $4::int[], $5::int[]) AS d(c, s, h, a, k)
        GROUP BY c, s, h ORDER BY c, s, h
       ON CONFLICT (campaign_id, segment, local_hour)
       DO UPDATE SET attempts = hour_stats.attempts + EXCLUDED.attempts, connected = hour_stats.connected + EXCLUDED.connected`,
      [
        hours.map((x) => x.campaignId),
        hours.map((x) => x.segment),
        hours.map((x) => x.hour),
        hours.map((x) => x.attempts),
        hours.map((x) => x.connected),
      ],
    );
  if (scripts.length === 0) return [];
  const { rows } = await client.query<{ campaign_id: string; script: string; connected: number; complaints: number }>(
    `WITH up AS (
       INSERT INTO script_stats (campaign_id, script, connected, complaints)
       SELECT c, s, sum(k), sum(p) FROM unnest($1::text[], $2::text[], $3::int[], $4::int[]) AS d(c, s, k, p)
        GROUP BY c, s ORDER BY c, s
       ON CONFLICT (campaign_id, script)
       DO UPDATE SET connected = script_stats.connected + EXCLUDED.connected,
                     complaints = script_stats.complaints + EXCLUDED.complaints
       RETURNING campaign_id, script, connected, complaints
     ), flagged AS (
       INSERT INTO script_flags (campaign_id, script, day)
       SELECT campaign_id, script, $5::date FROM up
        WHERE connected >= $7 AND complaints::double precision / connected > $6
       ON CONFLICT DO NOTHING
       RETURNING campaign_id, script
     )
     SELECT up.campaign_id, up.script, up.connected, up.complaints
       FROM up JOIN flagged USING (campaign_id, script)`,
    [
      scripts.map((x) => x.campaignId),
      scripts.map((x) => x.script),
      scripts.map((x) => x.connected),
      scripts.map((x) => x.complaints),
      day,
      threshold,
      minConnected,
    ],
  );
  return rows.map((r) => ({
    campaignId: r.campaign_id,
    script: r.script,
    connected: r.connected,
    complaints: r.complaints,
  }));
}

export async function hourCounts(pool: Pool, campaignId: string): Promise<HourCount[]> {
  const { rows } = await pool.query<{ segment: string; local_hour: number; attempts: number; connected: number }>(
    'SELECT segment, local_hour, attempts, connected FROM hour_stats WHERE campaign_id = $1',
    [campaignId],
  );
  return rows.map((r) => ({ segment: r.segment, hour: r.local_hour, attempts: r.attempts, connected: r.connected }));
}

export async function scriptCounts(pool: Pool, campaignId: string): Promise<Array<ScriptCount & { flagged: boolean }>> {
  const { rows } = await pool.query<{ script: string; connected: number; complaints: number; flagged: boolean }>(
    `SELECT s.script, s.connected, s.complaints,
            EXISTS (SELECT 1 FROM script_flags f WHERE f.campaign_id = s.campaign_id AND f.script = s.script) AS flagged
       FROM script_stats s WHERE s.campaign_id = $1 ORDER BY s.script`,
    [campaignId],
  );
  return rows;
}
