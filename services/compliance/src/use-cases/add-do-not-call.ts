import { events } from '@outbound/bus';
import { UnavailableError } from '@outbound/errors';
import type { BlindIndex } from '../domain/blind.js';
import { refusalLockEnd } from '../domain/dnc.js';
import { refusalLockMs } from '../domain/engine.js';
import type { PackCatalogue } from '../domain/packs/index.js';
import type { ListField, DialStateStore } from '../adapters/redis/dial-state.js';
import type { AuditLog } from '../adapters/sql/audit.js';
import type { DncKind, ListStore } from '../adapters/sql/lists.js';
import type { PolicyStore } from '../adapters/sql/policies.js';
import type { EventPublisher, SharedNumberIndex } from './ports.js';

export interface DoNotCallEntry {
  readonly phone: string;
  readonly kind: DncKind;
  /** Set: the entry binds this campaign only. */
  readonly campaignId?: string;
  readonly source: string;
  readonly actor: string;
}

export interface AddDoNotCallDeps {
  readonly catalogue: PackCatalogue;
  readonly policies: PolicyStore;
  readonly blind: BlindIndex;
  readonly state: DialStateStore;
  readonly lists: ListStore;
  readonly audit: AuditLog;
  readonly events: EventPublisher;
  /** Unset: other services are not told (BLIND_INDEX_KEY not configured; the service warns at start). */
  readonly sharedIndex: SharedNumberIndex | undefined;
  readonly now: () => number;
}

/** Where each kind lives in the number's Redis state. */
const FIELD: Readonly<Record<DncKind, ListField>> = { internal: 'dnc', opt_out: 'optout', refusal: 'refusedAt' };

/**
 * Put a number on a do-not-call list: in force for the next check at once (Redis), then recorded
 * (PostgreSQL), audited, and announced to the other services by its shared blind index
 * (`compliance.dnc_added`), so lead-ingest stops offering leads already imported with it.
 */
export class AddDoNotCall {
  constructor(private readonly deps: AddDoNotCallDeps) {}

  /** Returns when a refusal's lock ends (`null` never); undefined for the other kinds or no lock. */
  async add(entry: DoNotCallEntry): Promise<{ lockedUntil: number | null | undefined }> {
    const { blind, state, lists, audit, now } = this.deps;
    const key = blind.hex(entry.phone);
    const at = now();
    const { kind, campaignId } = entry;
    await state.markNumber(key, FIELD[kind], kind === 'refusal' ? String(at) : '1', campaignId);
    await lists.addEntry({
      phoneKey: key,
      kind,
      source: entry.source,
      actor: entry.actor,
      ...(campaignId ? { campaignId } : {}),
    });
    await audit.append({
      actor: entry.actor,
      action: 'changed_list',
      target: `dnc:${kind}`,
      service: 'compliance',
      details: { numberKey: key, campaignId: campaignId ?? '', source: entry.source },
    });
    const lockedUntil = kind === 'refusal' ? await this.refusalLockEnd(entry.phone, campaignId, at) : undefined;
    // A refusal no pack locks after bars nothing, so there is nothing to tell.
    if (kind !== 'refusal' || lockedUntil !== undefined) await this.announce(entry, lockedUntil);
    return { lockedUntil };
  }

  private async refusalLockEnd(phone: string, campaignId: string | undefined, at: number) {
    const { policies, catalogue } = this.deps;
    const policy = await policies.get(campaignId ?? 'default');
    return refusalLockEnd(at, refusalLockMs(phone, policy, catalogue, at));
  }

  private async announce(entry: DoNotCallEntry, lockedUntil: number | null | undefined): Promise<void> {
    const { sharedIndex } = this.deps;
    if (!sharedIndex) return;
    await this.deps.events
      .publish(events.complianceDncAdded, {
        blindIndex: sharedIndex.hex(entry.phone),
        kind: entry.kind,
        ...(entry.campaignId ? { campaignId: entry.campaignId } : {}),
        ...(typeof lockedUntil === 'number' ? { lockedUntil: new Date(lockedUntil).toISOString() } : {}),
      })
      .catch((error: unknown) => {
        // Stored and in force for every check; only the lists elsewhere lag. A retry adds a second,
        // identical entry, which changes nothing, and announces it.
        throw new UnavailableError(
          'the entry is stored and in force for every dial check, but could not be announced to the other services; retry',
          { reason: 'DNC_NOT_ANNOUNCED', cause: error },
        );
      });
  }
}
