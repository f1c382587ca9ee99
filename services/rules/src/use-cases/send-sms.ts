// The SMS channel: a tasks.sms event becomes one message through the provider, retried with
// back-off on transient failures, recorded per task (a redelivered task is not sent twice), its
// delivery status filled in later by the provider's callback. The body is rendered here, from the
// lead's fields fetched with the reveal permission; it is never logged.

import { DomainError, retry, type RetryPolicy } from '@outbound/errors';
import type { Pool } from '@outbound/store';
import type { Logger } from '@outbound/telemetry';
import { renderTemplate, templateValues } from '../domain/template.js';
import type { FieldValue } from '../domain/variables.js';
import * as sms from '../adapters/sql/sms-repo.js';
import type { LeadDirectory, SmsProvider } from './ports.js';

/** The provider refused the message for good (a 4xx): not retried. */
export class SmsRejectedError extends DomainError {
  readonly kind = 'failed_precondition' as const;
}

export interface SmsTask {
  taskId: string;
  campaignId: string;
  leadId: string;
  template: string;
  fields?: Record<string, FieldValue>;
}

export const DEFAULT_SMS_RETRY: RetryPolicy = { initialDelayMs: 200, maxDelayMs: 5_000, multiplier: 2, maxAttempts: 5 };

export class SmsSender {
  constructor(
    private readonly pool: Pool,
    private readonly directory: LeadDirectory,
    private readonly provider: SmsProvider,
    private readonly logger: Logger,
    private readonly policy: RetryPolicy = DEFAULT_SMS_RETRY,
  ) {}

  async send(task: SmsTask, signal?: AbortSignal): Promise<sms.SmsStatus> {
    const seen = await sms.getSms(this.pool, task.taskId);
    if (seen && seen.status !== 'sending') return seen.status;
    const base = { taskId: task.taskId, campaignId: task.campaignId, leadId: task.leadId };
    const contact = await this.directory.contact(task.leadId);
    if (!contact || !contact.phone) {
      await sms.recordSend(this.pool, {
        ...base,
        status: 'failed',
        attempts: 0,
        error: 'lead or number not available',
      });
      this.logger.warn({ taskId: task.taskId, leadId: task.leadId }, 'sms not sent: no number for the lead');
      return 'failed';
    }
    const body = renderTemplate(
      task.template,
      templateValues({ ...contact.lead, name: contact.name }, task.fields ?? {}),
    );
    let attempts = 0;
    try {
      const { providerMessageId } = await retry(
        async () => {
          attempts++;
          return this.provider.send({ messageId: task.taskId, to: contact.phone, body }, signal);
        },
        { policy: this.policy, isRetryable: (e) => !(e instanceof SmsRejectedError), ...(signal ? { signal } : {}) },
      );
      await sms.recordSend(this.pool, { ...base, status: 'sent', providerMessageId, attempts });
      this.logger.info({ taskId: task.taskId, leadId: task.leadId, attempts }, 'sms sent');
      return 'sent';
    } catch (error) {
      const message = error instanceof Error ? error.message.slice(0, 300) : 'send failed';
      await sms.recordSend(this.pool, { ...base, status: 'failed', attempts, error: message });
      this.logger.warn({ taskId: task.taskId, leadId: task.leadId, attempts, err: message }, 'sms failed');
      return 'failed';
    }
  }

  async status(ref: { messageId?: string; providerMessageId?: string }, status: sms.SmsStatus, error?: string) {
    return sms.recordStatus(this.pool, ref, status, error);
  }
}
