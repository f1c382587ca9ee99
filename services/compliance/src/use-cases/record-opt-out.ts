import type { DialStateStore } from '../adapters/redis/dial-state.js';
import type { ListStore } from '../adapters/sql/lists.js';

export interface OptOut {
  readonly leadId: string;
  readonly campaignId: string;
  /** How the customer asked (dtmf, speech, sms, agent, web). */
  readonly channel: string;
}

/**
 * A customer asked for no more contact during a call: block the lead, and its number if a check
 * has seen it, for the next check at once (Redis: setting a flag, so a repeat changes nothing),
 * then record it once per event (PostgreSQL, through the inbox).
 */
export class RecordOptOut {
  constructor(private readonly deps: { readonly state: DialStateStore; readonly lists: ListStore }) {}

  async record(inbox: string, eventId: string, optOut: OptOut): Promise<void> {
    // Block first: the next dial must see it even if the record below is retried.
    const numberKey = await this.deps.state.optOutLead(optOut.leadId);
    await this.deps.lists.addEntryOnce(inbox, eventId, {
      kind: 'opt_out',
      leadId: optOut.leadId,
      campaignId: optOut.campaignId,
      source: `event:${optOut.channel}`,
      actor: 'system',
      ...(numberKey ? { phoneKey: numberKey } : {}),
    });
  }
}
