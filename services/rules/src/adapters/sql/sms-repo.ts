// SMS messages sent for tasks and their delivery status (one row per task id).

import type { Pool } from '@outbound/store';

export type SmsStatus = 'sending' | 'sent' | 'delivered' | 'failed' | 'undelivered';

export interface SmsRow {
  taskId: string;
  status: SmsStatus;
  providerMessageId: string | null;
  attempts: number;
  lastError: string | null;
}

export async function getSms(pool: Pool, taskId: string): Promise<SmsRow | undefined> {
  const { rows } = await pool.query<{
    task_id: string;
    status: SmsStatus;
    provider_message_id: string | null;
    attempts: number;
    last_error: string | null;
  }>('SELECT task_id, status, provider_message_id, attempts, last_error FROM sms_messages WHERE task_id = $1', [
    taskId,
  ]);
  const r = rows[0];
  return r
    ? {
        taskId: r.task_id,
        status: r.status,
        providerMessageId: r.provider_message_id,
        attempts: r.attempts,
        lastError: r.last_error,
      }
    : undefined;
}

export async function recordSend(
  pool: Pool,
  row: {
    taskId: string;
    campaignId: string;
    leadId: string;
    status: SmsStatus;
    providerMessageId?: string;
    attempts: number;
    error?: string;
  },
): Promise<void> {
  await pool.query(
    `INSERT INTO sms_messages (task_id, campaign_id, lead_id, status, provider_message_id, attempts, last_error, status_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, now())
     ON CONFLICT (task_id) DO UPDATE SET status = EXCLUDED.status,
       provider_message_id = COALESCE(EXCLUDED.provider_message_id, sms_messages.provider_message_id),
       attempts = sms_messages.attempts + EXCLUDED.attempts, last_error = EXCLUDED.last_error, status_at = now()`,
    [
      row.taskId,
      row.campaignId,
      row.leadId,
      row.status,
      row.providerMessageId ?? null,
      row.attempts,
      row.error ?? null,
    ],
  );
}

/** A delivery-status callback: by our message id (the task id) or the provider's. False: unknown message. */
export async function recordStatus(
  pool: Pool,
  ref: { messageId?: string; providerMessageId?: string },
  status: SmsStatus,
  error?: string,
): Promise<boolean> {
  const result = await pool.query(
    `UPDATE sms_messages SET status = $3, last_error = COALESCE($4, last_error), status_at = now()
      WHERE task_id = $1 OR ($2::text IS NOT NULL AND provider_message_id = $2)`,
    [ref.messageId ?? '', ref.providerMessageId ?? null, status, error ?? null],
  );
  return (result.rowCount ?? 0) > 0;
}
