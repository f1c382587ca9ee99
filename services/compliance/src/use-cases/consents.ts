import { maskPhone } from '@outbound/phone/mask';
import { BlindIndex } from '../domain/blind.js';
import type { DialStateStore } from '../adapters/redis/dial-state.js';
import type { ConsentRow, ListStore } from '../adapters/sql/lists.js';

export interface ConsentRecord {
  readonly phone: string;
  readonly campaignId: string;
  readonly source: string;
  readonly givenAt: number;
}

/**
 * Consents to be called: recorded in PostgreSQL (the record, kept two years), then in Redis where
 * the dial script reads them; listed by number.
 */
export class Consents {
  constructor(
    private readonly deps: { readonly blind: BlindIndex; readonly lists: ListStore; readonly state: DialStateStore },
  ) {}

  async record(consent: ConsentRecord): Promise<string> {
    const { blind, lists, state } = this.deps;
    const key = blind.hex(consent.phone);
    const consentId = await lists.addConsent({
      phoneKey: key,
      maskedPhone: maskPhone(consent.phone),
      campaignId: consent.campaignId,
      source: consent.source,
      givenAt: consent.givenAt,
    });
    await state.recordConsent(consent.campaignId, key, consent.givenAt);
    return consentId;
  }

  /** The number's consents (for one campaign, or every one when `campaignId` is undefined), newest first. */
  list(phone: string, campaignId: string | undefined): Promise<ConsentRow[]> {
    return this.deps.lists.consents(this.deps.blind.hex(phone), campaignId);
  }
}
