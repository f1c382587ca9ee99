// An SMS gateway reached by an HTTP webhook: POST JSON { messageId, to, body, statusCallbackUrl }
// (bearer token optional); 2xx sent (the provider's id from `{ id }` when given), 4xx refused for
// good (except 408 and 429), 5xx and network errors retried by the caller's back-off.

import { SmsRejectedError } from '../../use-cases/send-sms.js';
import type { SmsMessage, SmsProvider } from '../../use-cases/ports.js';

export interface WebhookSmsOptions {
  url: string;
  token?: string;
  /** Where the provider posts delivery status (this service's /v1/sms/status). */
  statusCallbackUrl?: string;
  timeoutMs?: number;
}

export class WebhookSmsProvider implements SmsProvider {
  constructor(private readonly options: WebhookSmsOptions) {}

  async send(message: SmsMessage, signal?: AbortSignal): Promise<{ providerMessageId: string }> {
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 5_000);
    const response = await fetch(this.options.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'idempotency-key': message.messageId,
        ...(this.options.token ? { authorization: `Bearer ${this.options.token}` } : {}),
      },
      body: JSON.stringify({
        messageId: message.messageId,
        to: message.to,
        body: message.body,
        ...(this.options.statusCallbackUrl ? { statusCallbackUrl: this.options.statusCallbackUrl } : {}),
      }),
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    const text = await response.text();
    if (response.ok) {
      let id = message.messageId;
      try {
        const parsed = JSON.parse(text) as { id?: unknown };
        if (typeof parsed.id === 'string' && parsed.id) id = parsed.id;
      } catch {
        // a body that is not JSON: keep our id
      }
      return { providerMessageId: id };
    }
    const status = response.status;
    if (status >= 400 && status < 500 && status !== 408 && status !== 429)
      throw new SmsRejectedError(`sms provider refused the message (HTTP ${status})`, { reason: 'SMS_REJECTED' });
    throw new Error(`sms provider failed (HTTP ${status})`);
  }
}
