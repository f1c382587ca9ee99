import type { Pool } from '@outbound/store';
import type { Keyword, RecordMode, RecordingPolicy } from '../../domain/policy.js';
import type { Policies } from '../../use-cases/ports.js';

interface Row {
  campaign_id: string;
  mode: RecordMode;
  retention_days: number;
  industry: string;
  keywords: Keyword[];
  version: number;
  updated_at: Date;
}

const toPolicy = (r: Row): RecordingPolicy => ({
  campaignId: r.campaign_id,
  mode: r.mode,
  retentionDays: r.retention_days,
  industry: r.industry,
  keywords: r.keywords,
  version: r.version,
  updatedAt: r.updated_at,
});

export class SqlPolicies implements Policies {
  constructor(
    private readonly pool: Pool,
    private readonly schema: string,
  ) {}

  async get(campaignId: string): Promise<RecordingPolicy | undefined> {
    const { rows } = await this.pool.query<Row>(`SELECT * FROM ${this.schema}.policies WHERE campaign_id = $1`, [
      campaignId,
    ]);
    return rows[0] ? toPolicy(rows[0]) : undefined;
  }

  async put(p: Omit<RecordingPolicy, 'version' | 'updatedAt'>, actor: string): Promise<RecordingPolicy> {
    const { rows } = await this.pool.query<Row>(
      `INSERT INTO ${this.schema}.policies (campaign_id, mode, retention_days, industry, keywords, version, updated_by)
       VALUES ($1, $2, $3, $4, $5, 1, $6)
       ON CONFLICT (campaign_id) DO UPDATE SET mode = EXCLUDED.mode, retention_days = EXCLUDED.retention_days,
         industry = EXCLUDED.industry, keywords = EXCLUDED.keywords, version = policies.version + 1,
         updated_by = EXCLUDED.updated_by, updated_at = now()
       RETURNING *`,
      [p.campaignId, p.mode, p.retentionDays, p.industry, JSON.stringify(p.keywords), actor],
    );
    return toPolicy(rows[0]!);
  }
}
