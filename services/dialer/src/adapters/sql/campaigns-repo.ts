// PostgreSQL `campaigns`: settings as validated JSON, state and a version bumped by every change.

import { AlreadyExistsError, FailedPreconditionError, InvalidArgumentError, NotFoundError } from '@outbound/errors';
import type { Pool } from '@outbound/store';
import type { Campaign, CampaignSettings, CampaignState } from '../../domain/model.js';
import type { CampaignStore, Page } from '../../use-cases/ports.js';
import { decodeCursor, encodeCursor, tableOf } from './sql-names.js';

interface Row {
  campaign_id: string;
  state: CampaignState;
  settings: CampaignSettings;
  version: string | number;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'campaign_id, state, settings, version, created_at, updated_at';

function toCampaign(row: Row): Campaign {
  return {
    campaignId: row.campaign_id,
    state: row.state,
    settings: row.settings,
    version: Number(row.version),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export class SqlCampaignStore implements CampaignStore {
  private readonly table: string;

  constructor(
    private readonly pool: Pool,
    schema: string,
  ) {
    this.table = tableOf(schema, 'campaigns');
  }

  async create(campaignId: string, settings: CampaignSettings): Promise<Campaign> {
    const { rows } = await this.pool.query<Row>(
      `INSERT INTO ${this.table} (campaign_id, name, state, dial_mode, settings)
       VALUES ($1, $2, 'draft', $3, $4) ON CONFLICT (campaign_id) DO NOTHING RETURNING ${COLUMNS}`,
      [campaignId, settings.name, settings.modeSettings.mode, JSON.stringify(settings)],
    );
    if (rows[0] === undefined)
      throw new AlreadyExistsError(`campaign ${campaignId} already exists`, { reason: 'CAMPAIGN_EXISTS' });
    return toCampaign(rows[0]);
  }

  async get(campaignId: string): Promise<Campaign | undefined> {
    const { rows } = await this.pool.query<Row>(`SELECT ${COLUMNS} FROM ${this.table} WHERE campaign_id = $1`, [
      campaignId,
    ]);
    return rows[0] === undefined ? undefined : toCampaign(rows[0]);
  }

  async getMany(campaignIds: readonly string[]): Promise<Map<string, Campaign>> {
    if (campaignIds.length === 0) return new Map();
    const { rows } = await this.pool.query<Row>(
      `SELECT ${COLUMNS} FROM ${this.table} WHERE campaign_id = ANY($1::text[])`,
      [campaignIds],
    );
    return new Map(rows.map((r) => [r.campaign_id, toCampaign(r)]));
  }

  async list(options: { state?: CampaignState; pageSize: number; pageToken?: string }): Promise<Page<Campaign>> {
    const after = options.pageToken ? decodeCursor(options.pageToken) : '';
    if (after === undefined) throw InvalidArgumentError.field('page.page_token', 'is not a token this server gave');
    const { rows } = await this.pool.query<Row>(
      `SELECT ${COLUMNS} FROM ${this.table}
        WHERE campaign_id > $1 AND ($2::text IS NULL OR state = $2)
        ORDER BY campaign_id LIMIT $3`,
      [after, options.state ?? null, options.pageSize + 1],
    );
    const items = rows.slice(0, options.pageSize).map(toCampaign);
    return rows.length > options.pageSize
      ? { items, next: encodeCursor(items[items.length - 1]!.campaignId) }
      : { items };
  }

  async updateSettings(campaignId: string, settings: CampaignSettings): Promise<Campaign> {
    const { rows } = await this.pool.query<Row>(
      `UPDATE ${this.table} SET settings = $2, name = $3, dial_mode = $4, version = version + 1, updated_at = now()
        WHERE campaign_id = $1 RETURNING ${COLUMNS}`,
      [campaignId, JSON.stringify(settings), settings.name, settings.modeSettings.mode],
    );
    if (rows[0] === undefined) throw new NotFoundError('campaign', campaignId);
    return toCampaign(rows[0]);
  }

  async transition(campaignId: string, from: readonly CampaignState[], to: CampaignState): Promise<Campaign> {
    const { rows } = await this.pool.query<Row>(
      `UPDATE ${this.table} SET state = $3, version = version + 1, updated_at = now()
        WHERE campaign_id = $1 AND state = ANY($2::text[]) RETURNING ${COLUMNS}`,
      [campaignId, from, to],
    );
    if (rows[0] !== undefined) return toCampaign(rows[0]);
    const current = await this.get(campaignId);
    if (current === undefined) throw new NotFoundError('campaign', campaignId);
    throw new FailedPreconditionError(`the campaign is ${current.state}, not ${from.join(' or ')}`, {
      reason: 'ILLEGAL_CAMPAIGN_TRANSITION',
      details: { state: current.state, to },
    });
  }

  async inStates(states: readonly CampaignState[]): Promise<Campaign[]> {
    const { rows } = await this.pool.query<Row>(
      `SELECT ${COLUMNS} FROM ${this.table} WHERE state = ANY($1::text[]) ORDER BY campaign_id`,
      [states],
    );
    return rows.map(toCampaign);
  }

  async raiseFence(campaignId: string, fence: number): Promise<boolean> {
    const { rows } = await this.pool.query<{ owner_fence: string }>(
      `UPDATE ${this.table} SET owner_fence = greatest(owner_fence, $2) WHERE campaign_id = $1 RETURNING owner_fence`,
      [campaignId, fence],
    );
    return rows[0] !== undefined && Number(rows[0].owner_fence) === fence;
  }
}
