// Rule sets, their immutable versions and their history. Every change runs in one transaction
// holding the rule set's row lock, so two operators publishing at once are serialised.

import { AlreadyExistsError, FailedPreconditionError, NotFoundError } from '@outbound/errors';
import { withTransaction, type Pool, type PoolClient } from '@outbound/store';
import type { RuleSetContent } from '../../domain/rules.js';

export interface RuleSetRow {
  ruleSetId: string;
  campaignId: string;
  activeVersion: number | null;
  latestVersion: number;
  archived: boolean;
  createdAt: Date;
}

export interface VersionRow {
  ruleSetId: string;
  version: number;
  content: RuleSetContent;
  createdAt: Date;
}

export interface HistoryRow {
  action: string;
  version: number;
  previousVersion: number | null;
  at: Date;
}

export interface ActiveVersion {
  ruleSetId: string;
  campaignId: string;
  version: number;
}

interface RawSet {
  rule_set_id: string;
  campaign_id: string;
  active_version: number | null;
  latest_version: number;
  archived: boolean;
  created_at: Date;
}

const SET_COLUMNS = 'rule_set_id, campaign_id, active_version, latest_version, archived, created_at';

function toSet(row: RawSet): RuleSetRow {
  return {
    ruleSetId: row.rule_set_id,
    campaignId: row.campaign_id,
    activeVersion: row.active_version,
    latestVersion: row.latest_version,
    archived: row.archived,
    createdAt: row.created_at,
  };
}

async function lockSet(client: PoolClient, ruleSetId: string): Promise<RuleSetRow> {
  const { rows } = await client.query<RawSet>(
    `SELECT ${SET_COLUMNS} FROM rule_sets WHERE rule_set_id = $1 FOR UPDATE`,
    [ruleSetId],
  );
  if (!rows[0]) throw new NotFoundError('rule set', ruleSetId);
  return toSet(rows[0]);
}

async function insertVersion(client: PoolClient, ruleSetId: string, version: number, content: RuleSetContent) {
  await client.query(
    'INSERT INTO rule_set_versions (rule_set_id, version, content, list_ids) VALUES ($1, $2, $3, $4)',
    [ruleSetId, version, JSON.stringify(content), content.listIds],
  );
}

async function addHistory(
  client: PoolClient,
  ruleSetId: string,
  action: string,
  version: number,
  previous: number | null = null,
): Promise<void> {
  await client.query(
    'INSERT INTO rule_set_history (rule_set_id, action, version, previous_version) VALUES ($1, $2, $3, $4)',
    [ruleSetId, action, version, previous],
  );
}

export async function createRuleSet(
  pool: Pool,
  spec: { ruleSetId: string; campaignId: string; content: RuleSetContent; publish: boolean },
): Promise<RuleSetRow> {
  return withTransaction(pool, async (client) => {
    try {
      await client.query(
        'INSERT INTO rule_sets (rule_set_id, campaign_id, latest_version, active_version) VALUES ($1, $2, 1, $3)',
        [spec.ruleSetId, spec.campaignId, spec.publish ? 1 : null],
      );
    } catch (error) {
      if ((error as { code?: string }).code === '23505')
        throw new AlreadyExistsError(`campaign ${spec.campaignId} already has a rule set`, {
          reason: 'RULE_SET_EXISTS',
        });
      throw error;
    }
    await insertVersion(client, spec.ruleSetId, 1, spec.content);
    await addHistory(client, spec.ruleSetId, 'created', 1);
    if (spec.publish) await addHistory(client, spec.ruleSetId, 'published', 1, null);
    return lockSet(client, spec.ruleSetId);
  });
}

export async function getRuleSet(pool: Pool, ruleSetId: string): Promise<RuleSetRow | undefined> {
  const { rows } = await pool.query<RawSet>(`SELECT ${SET_COLUMNS} FROM rule_sets WHERE rule_set_id = $1`, [ruleSetId]);
  return rows[0] ? toSet(rows[0]) : undefined;
}

export async function getRuleSetByCampaign(pool: Pool, campaignId: string): Promise<RuleSetRow | undefined> {
  const { rows } = await pool.query<RawSet>(
    `SELECT ${SET_COLUMNS} FROM rule_sets WHERE campaign_id = $1 AND NOT archived`,
    [campaignId],
  );
  return rows[0] ? toSet(rows[0]) : undefined;
}

export async function listRuleSets(pool: Pool, includeArchived: boolean): Promise<RuleSetRow[]> {
  const { rows } = await pool.query<RawSet>(
    `SELECT ${SET_COLUMNS} FROM rule_sets WHERE $1 OR NOT archived ORDER BY created_at, rule_set_id LIMIT 1000`,
    [includeArchived],
  );
  return rows.map(toSet);
}

export async function getVersion(pool: Pool, ruleSetId: string, version: number): Promise<VersionRow | undefined> {
  const { rows } = await pool.query<{ content: RuleSetContent; created_at: Date }>(
    'SELECT content, created_at FROM rule_set_versions WHERE rule_set_id = $1 AND version = $2',
    [ruleSetId, version],
  );
  return rows[0] ? { ruleSetId, version, content: rows[0].content, createdAt: rows[0].created_at } : undefined;
}

export async function saveVersion(
  pool: Pool,
  ruleSetId: string,
  content: RuleSetContent,
  baseVersion: number,
): Promise<RuleSetRow> {
  return withTransaction(pool, async (client) => {
    const set = await lockSet(client, ruleSetId);
    if (set.archived) throw new FailedPreconditionError(`rule set ${ruleSetId} is archived`, { reason: 'ARCHIVED' });
    if (baseVersion > 0 && baseVersion !== set.latestVersion)
      throw new FailedPreconditionError(
        `rule set ${ruleSetId} is at version ${set.latestVersion}, not ${baseVersion}: reload and save again`,
        { reason: 'VERSION_CONFLICT' },
      );
    const version = set.latestVersion + 1;
    await insertVersion(client, ruleSetId, version, content);
    await client.query('UPDATE rule_sets SET latest_version = $2 WHERE rule_set_id = $1', [ruleSetId, version]);
    await addHistory(client, ruleSetId, 'saved', version);
    return { ...set, latestVersion: version };
  });
}

export async function publishVersion(pool: Pool, ruleSetId: string, version: number): Promise<RuleSetRow> {
  return withTransaction(pool, async (client) => {
    const set = await lockSet(client, ruleSetId);
    if (set.archived) throw new FailedPreconditionError(`rule set ${ruleSetId} is archived`, { reason: 'ARCHIVED' });
    if (version < 1 || version > set.latestVersion)
      throw new NotFoundError('rule set version', `${ruleSetId}@${version}`);
    await client.query('UPDATE rule_sets SET active_version = $2 WHERE rule_set_id = $1', [ruleSetId, version]);
    await addHistory(client, ruleSetId, 'published', version, set.activeVersion);
    return { ...set, activeVersion: version };
  });
}

/** Back to `toVersion`, or (0) to the version active before the publish that made the current one active. */
export async function rollback(pool: Pool, ruleSetId: string, toVersion: number): Promise<RuleSetRow> {
  return withTransaction(pool, async (client) => {
    const set = await lockSet(client, ruleSetId);
    if (set.archived) throw new FailedPreconditionError(`rule set ${ruleSetId} is archived`, { reason: 'ARCHIVED' });
    if (set.activeVersion === null)
      throw new FailedPreconditionError(`rule set ${ruleSetId} has no published version`, {
        reason: 'NOTHING_PUBLISHED',
      });
    let target = toVersion;
    if (target === 0) {
      const { rows } = await client.query<{ previous_version: number | null }>(
        `SELECT previous_version FROM rule_set_history
          WHERE rule_set_id = $1 AND action = 'published' AND version = $2 ORDER BY id DESC LIMIT 1`,
        [ruleSetId, set.activeVersion],
      );
      const previous = rows[0]?.previous_version;
      if (previous === null || previous === undefined)
        throw new FailedPreconditionError(`no version was active before version ${set.activeVersion}`, {
          reason: 'NO_EARLIER_VERSION',
        });
      target = previous;
    }
    if (target < 1 || target > set.latestVersion) throw new NotFoundError('rule set version', `${ruleSetId}@${target}`);
    if (target === set.activeVersion)
      throw new FailedPreconditionError(`version ${target} is already active`, { reason: 'ALREADY_ACTIVE' });
    await client.query('UPDATE rule_sets SET active_version = $2 WHERE rule_set_id = $1', [ruleSetId, target]);
    await addHistory(client, ruleSetId, 'rolled_back', target, set.activeVersion);
    return { ...set, activeVersion: target };
  });
}

export async function archive(pool: Pool, ruleSetId: string): Promise<void> {
  await withTransaction(pool, async (client) => {
    const set = await lockSet(client, ruleSetId);
    if (set.archived) return;
    await client.query('UPDATE rule_sets SET archived = true WHERE rule_set_id = $1', [ruleSetId]);
    await addHistory(client, ruleSetId, 'archived', set.latestVersion, set.activeVersion);
  });
}

export async function history(pool: Pool, ruleSetId: string): Promise<HistoryRow[]> {
  const { rows } = await pool.query<{ action: string; version: number; previous_version: number | null; at: Date }>(
    'SELECT action, version, previous_version, at FROM rule_set_history WHERE rule_set_id = $1 ORDER BY id',
    [ruleSetId],
  );
  return rows.map((r) => ({ action: r.action, version: r.version, previousVersion: r.previous_version, at: r.at }));
}

/** The live rule set of a campaign and its active version (none: no rules fire). */
export async function activeForCampaign(pool: Pool, campaignId: string): Promise<ActiveVersion | undefined> {
  const { rows } = await pool.query<{ rule_set_id: string; active_version: number }>(
    'SELECT rule_set_id, active_version FROM rule_sets WHERE campaign_id = $1 AND NOT archived AND active_version IS NOT NULL',
    [campaignId],
  );
  return rows[0] ? { ruleSetId: rows[0].rule_set_id, campaignId, version: rows[0].active_version } : undefined;
}

/** Campaigns whose active version lists `listId` (leads.* events carry the list, not the campaign). */
export async function activeForList(pool: Pool, listId: string): Promise<ActiveVersion[]> {
  const { rows } = await pool.query<{ rule_set_id: string; campaign_id: string; version: number }>(
    `SELECT s.rule_set_id, s.campaign_id, s.active_version AS version
       FROM rule_sets s JOIN rule_set_versions v ON v.rule_set_id = s.rule_set_id AND v.version = s.active_version
      WHERE NOT s.archived AND $1 = ANY (v.list_ids)`,
    [listId],
  );
  return rows.map((r) => ({ ruleSetId: r.rule_set_id, campaignId: r.campaign_id, version: r.version }));
}
