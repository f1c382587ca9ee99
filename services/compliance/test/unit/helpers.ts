import { PackCatalogue } from '../../src/domain/packs/index.js';
import {
  defaultPolicy,
  type CampaignPolicy,
  type CapState,
  type DialFacts,
  type DialRequest,
} from '../../src/domain/types.js';

export const catalogue = new PackCatalogue();

export const noFacts: DialFacts = { onRegistry: false, internalDnc: false, optedOut: false, abandonDays: [] };
export const noCaps: CapState = { leadCount: 0, callerCount: 0 };

export function policy(overrides: Partial<CampaignPolicy> = {}): CampaignPolicy {
  return { ...defaultPolicy('c1'), officialCallerIds: ['+8610010000'], ...overrides };
}

export function request(phone: string, isoInstant: string, overrides: Partial<DialRequest> = {}): DialRequest {
  return { campaignId: 'c1', leadId: 'l1', phone, callerId: '+8610010000', at: Date.parse(isoInstant), ...overrides };
}

/** Numbers used across the tests (fictional subscriber parts). */
export const numbers = {
  newYork: '+12125550123',
  miami: '+13055550123',
  losAngeles: '+13105550123',
  /** 605: South Dakota, split between Central and Mountain time. */
  southDakota: '+16055550123',
  /** 850: Florida panhandle, split between Central and Eastern time. */
  panhandle: '+18505550123',
  london: '+442079460123',
  shanghai: '+8613800138000',
  /** A valid Brazilian number: Brazil is not in the zone table, so its zone is unknown. */
  unknownRegion: '+5511987654321',
};
