import type { Pool } from '@outbound/store';

export type JobState = 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface JobCounts {
  read: number;
  accepted: number;
  rejected: number;
  duplicate: number;
  /** Rows kept with a note in the report. */
  noted: number;
  /** Accepted rows whose number has an extension. */
  withExtension: number;
}

export interface JobRecord extends JobCounts {
  jobId: string;
  listId: string;
  campaignId: string;
  state: JobState;
  failureReason: string;
  warnings: string[];
  eventsPublished: boolean;
  rejectsTruncated: boolean;
}

interface JobRow {
  job_id: string;
  list_id: string;
  campaign_id: string;
  state: JobState;
  rows_read: string;
  rows_accepted: string;
  rows_rejected: string;
  rows_duplicate: string;
  rows_noted: string;
  rows_with_extension: string;
  failure_reason: string;
  warnings: string[];
  events_published: boolean;
  rejects_truncated: boolean;
}

function toRecord(row: JobRow): JobRecord {
  return {
    jobId: row.job_id,
    listId: row.list_id,
    campaignId: row.campaign_id,
    state: row.state,
    read: Number(row.rows_read),
    accepted: Number(row.rows_accepted),
    rejected: Number(row.rows_rejected),
    duplicate: Number(row.rows_duplicate),
    noted: Number(row.rows_noted),
    withExtension: Number(row.rows_with_extension),
    failureReason: row.failure_reason,
    warnings: row.warnings,
    eventsPublished: row.events_published,
    rejectsTruncated: row.rejects_truncated,
  };
}

/** Create the job; false when the id is taken (a job id is used once). */
export async function createJob(
  pool: Pool,
  job: { jobId: string; listId: string; campaignId: string },
): Promise<boolean> {
  const result = await pool.query(
    `INSERT INTO import_jobs (job_id, list_id, campaign_id, state) VALUES ($1, $2, $3, 'running') ON CONFLICT DO NOTHING`,
    [job.jobId, job.listId, job.campaignId],
  );
  return result.rowCount === 1;
}

export async function getJob(pool: Pool, jobId: string): Promise<JobRecord | undefined> {
  const { rows } = await pool.query<JobRow>('SELECT * FROM import_jobs WHERE job_id = $1', [jobId]);
  return rows[0] && toRecord(rows[0]);
}

/** Save progress and refresh the heartbeat; returns whether someone asked to cancel. */
export async function saveProgress(pool: Pool, jobId: string, counts: JobCounts): Promise<boolean> {
  const { rows } = await pool.query<{ cancel_requested: boolean }>(
    `UPDATE import_jobs SET rows_read = $2, rows_accepted = $3, rows_rejected = $4, rows_duplicate = $5, rows_noted = $6,
       rows_with_extension = $7, heartbeat_at = now()
     WHERE job_id = $1 RETURNING cancel_requested`,
    [jobId, ...countValues(counts)],
  );
  return rows[0]?.cancel_requested ?? false;
}

export async function finishJob(
  pool: Pool,
  jobId: string,
  state: Exclude<JobState, 'running'>,
  counts: JobCounts,
  outcome: { failureReason?: string; warnings?: readonly string[] } = {},
): Promise<void> {
  await pool.query(
    `UPDATE import_jobs SET state = $8, rows_read = $2, rows_accepted = $3, rows_rejected = $4, rows_duplicate = $5,
       rows_noted = $6, rows_with_extension = $7, failure_reason = $9, warnings = $10, finished_at = now(),
       heartbeat_at = now() WHERE job_id = $1`,
    [jobId, ...countValues(counts), state, outcome.failureReason ?? '', outcome.warnings ?? []],
  );
}

/** The counts as the statements above number them ($2 to $7). */
function countValues(counts: JobCounts): number[] {
  return [counts.read, counts.accepted, counts.rejected, counts.duplicate, counts.noted, counts.withExtension];
}

export async function requestCancel(pool: Pool, jobId: string): Promise<void> {
  await pool.query(`UPDATE import_jobs SET cancel_requested = true WHERE job_id = $1 AND state = 'running'`, [jobId]);
}

/** One page of the ids a committed import created; (chunk, page) names its event. */
export interface EventPage {
  chunk: number;
  page: number;
  leadIds: string[];
}

/** Event pages of a job after the given one, in order (keyset on the primary key). */
export async function eventPages(
  pool: Pool,
  jobId: string,
  after: { chunk: number; page: number },
  limit: number,
): Promise<EventPage[]> {
  // Ids as one comma-joined string: uuids need no quoting, and a split is far cheaper than
  // parsing the array literal character by character.
  const { rows } = await pool.query<{ chunk: number; page: number; lead_ids: string }>(
    "SELECT chunk, page, array_to_string(lead_ids, ',') AS lead_ids FROM import_event_pages WHERE job_id = $1 AND (chunk, page) > ($2, $3) ORDER BY chunk, page LIMIT $4",
    [jobId, after.chunk, after.page, limit],
  );
  return rows.map((r) => ({ chunk: r.chunk, page: r.page, leadIds: r.lead_ids === '' ? [] : r.lead_ids.split(',') }));
}

/** Every event of the job is out: mark it and drop its pages, together. */
export async function markEventsPublished(pool: Pool, jobId: string): Promise<void> {
  await pool.query(
    `WITH marked AS (UPDATE import_jobs SET events_published = true WHERE job_id = $1)
     DELETE FROM import_event_pages WHERE job_id = $1`,
    [jobId],
  );
}

/**
 * Jobs left behind by a process that died: running ones whose heartbeat stopped (their
 * transaction rolled back with the connection, so they failed) and finished ones whose events
 * never went out.
 */
export async function recoverJobs(pool: Pool, staleAfterMs: number): Promise<JobRecord[]> {
  await pool.query(
    `UPDATE import_jobs SET state = 'failed', failure_reason = 'the service stopped during the import; nothing was stored, re-run it', finished_at = now()
     WHERE state = 'running' AND heartbeat_at < now() - make_interval(secs => $1)`,
    [staleAfterMs / 1000],
  );
  const { rows } = await pool.query<JobRow>(
    `SELECT * FROM import_jobs WHERE state = 'succeeded' AND NOT events_published`,
  );
  return rows.map(toRecord);
}

/** A row of the import's report: refused, or kept with a note (`kept`). */
export interface RejectRecord {
  line: number;
  column: string;
  maskedValue: string;
  reason: string;
  kept: boolean;
}

export async function insertRejects(
  pool: Pool,
  jobId: string,
  rejects: readonly RejectRecord[],
  truncated: boolean,
): Promise<void> {
  if (rejects.length > 0) {
    await pool.query(
      `INSERT INTO import_rejects (job_id, line, column_name, masked_value, reason, kept)
       SELECT $1, * FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::boolean[])`,
      [
        jobId,
        rejects.map((r) => r.line),
        rejects.map((r) => r.column),
        rejects.map((r) => r.maskedValue),
        rejects.map((r) => r.reason),
        rejects.map((r) => r.kept),
      ],
    );
  }
  if (truncated) await pool.query('UPDATE import_jobs SET rejects_truncated = true WHERE job_id = $1', [jobId]);
}

export async function listRejects(pool: Pool, jobId: string): Promise<RejectRecord[]> {
  const { rows } = await pool.query<{
    line: number;
    column_name: string;
    masked_value: string;
    reason: string;
    kept: boolean;
  }>('SELECT line, column_name, masked_value, reason, kept FROM import_rejects WHERE job_id = $1 ORDER BY line, kept', [
    jobId,
  ]);
  return rows.map((r) => ({
    line: r.line,
    column: r.column_name,
    maskedValue: r.masked_value,
    reason: r.reason,
    kept: r.kept,
  }));
}
