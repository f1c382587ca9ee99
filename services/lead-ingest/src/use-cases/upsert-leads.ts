import { randomUUID } from 'node:crypto';
import type { CountryCode } from 'libphonenumber-js/max';
import { events } from '@outbound/bus';
import { retry } from '@outbound/errors';
import { withTransaction, type Pool } from '@outbound/store';
import type { Logger } from '@outbound/telemetry';
import { cleanRow, isRejection, type CleanLead } from '../domain/clean.js';
import { resolveMapping } from '../domain/fields.js';
import { inputCells, type LeadInput } from '../domain/lead-input.js';
import type { TierRule } from '../domain/tiers.js';
import type { DoNotCallList, EventPublisher } from './ports.js';
import { protect } from '../adapters/sql/protect.js';
import type { PiiCipher } from '../adapters/pii-cipher.js';
import * as leads from '../adapters/sql/leads-repo.js';

export interface UpsertCommand {
  listId: string;
  /** '' for the service's default. */
  defaultRegion: string;
  leads: readonly LeadInput[];
}

/** Per input lead, in order: the stored lead, or why it was not stored. */
export interface UpsertLeadResult {
  externalId: string;
  leadId: string;
  created: boolean;
  /** '' when stored; a rejection reason or DUPLICATE_PHONE otherwise. */
  rejectionReason: string;
}

export interface LeadUpserterDeps {
  pool: Pool;
  bus: EventPublisher;
  cipher: PiiCipher;
  dnc: DoNotCallList;
  tierRules: readonly TierRule[];
  defaultRegion: CountryCode;
  logger: Logger;
}

// A concurrent writer storing the same number under another external id aborts the transaction;
// the retry sees its row and reports the duplicate.
const RACE_RETRY = { initialDelayMs: 10, maxDelayMs: 200, multiplier: 4, maxAttempts: 3 };
const PENDING_PAGE = 100;

/**
 * Create-or-update by external id for CRM and order systems (gRPC and HTTP share it). One call is
 * one transaction: its leads and its events are stored together, the events go out after commit
 * and, if NATS fails then, at the next call or start (`publishPending`), so a stored upsert never
 * loses them. The do-not-call list is asked once per call.
 */
export class LeadUpserter {
  private eventsPending = false;

  constructor(private readonly deps: LeadUpserterDeps) {}

  async upsert(command: UpsertCommand, signal?: AbortSignal): Promise<UpsertLeadResult[]> {
    const { cipher, dnc, pool, tierRules } = this.deps;
    const defaultRegion = (command.defaultRegion || this.deps.defaultRegion) as CountryCode;
    const outcomes: UpsertLeadResult[] = [];
    const clean: Array<{ index: number; lead: CleanLead }> = [];
    for (const [index, input] of command.leads.entries()) {
      const cells = inputCells(input);
      const result = cleanRow(index + 1, cells, resolveMapping(Object.keys(cells)), { defaultRegion, tierRules });
      outcomes.push({
        externalId: input.externalId,
        leadId: '',
        created: false,
        rejectionReason: isRejection(result) ? result.reason : '',
      });
      if (!isRejection(result)) clean.push({ index, lead: result });
    }
    const barred =
      clean.length > 0
        ? await dnc.barred(
            clean.map((c) => c.lead.e164),
            '',
            signal,
          )
        : new Set<number>();
    const stored = clean.map((c, i) =>
      protect(cipher, c.lead, {
        listId: command.listId,
        importJobId: null,
        dedupByExternalId: true,
        doNotCall: barred.has(i),
      }),
    );
    const batch: leads.UpsertEvents = { batchId: randomUUID(), listId: command.listId, created: [], updated: [] };
    const results = await retry(
      () =>
        withTransaction(pool, async (client) => {
          const written: leads.UpsertOutcome[] = [];
          for (const lead of stored) written.push(await leads.upsertLead(client, lead));
          const created = written.flatMap((w) => ('created' in w && w.created ? [w.leadId] : []));
          const updated = written.flatMap((w) => ('created' in w && !w.created ? [w.leadId] : []));
          if (created.length + updated.length > 0)
            await leads.storeUpsertEvents(client, { ...batch, created, updated });
          batch.created = created;
          batch.updated = updated;
          return written;
        }),
      {
        policy: RACE_RETRY,
        isRetryable: (error) => error instanceof leads.UpsertRaceError,
        ...(signal ? { signal } : {}),
      },
    );
    for (const [i, written] of results.entries()) {
      const outcome = outcomes[clean[i]!.index]!;
      if ('duplicateOf' in written) outcome.rejectionReason = 'DUPLICATE_PHONE';
      else Object.assign(outcome, { leadId: written.leadId, created: written.created });
    }
    if (batch.created.length + batch.updated.length > 0) {
      try {
        await this.publish(batch);
        if (this.eventsPending) await this.publishPending();
      } catch (err) {
        // Stored with the leads: the next call or start sends them (same event ids).
        this.eventsPending = true;
        this.deps.logger.error(
          { err, batchId: batch.batchId },
          'upsert events not published; they stay stored and go out later',
        );
      }
    }
    return outcomes;
  }

  /** Publish every stored upsert event left unpublished (at start, and after a failure). */
  async publishPending(): Promise<void> {
    for (;;) {
      const page = await leads.pendingUpsertEvents(this.deps.pool, PENDING_PAGE);
      for (const batch of page) await this.publish(batch);
      if (page.length < PENDING_PAGE) break;
    }
    this.eventsPending = false;
  }

  // The event ids name the call, so a repeat (after a crash between publish and delete) is
  // dropped by JetStream's duplicate window; consumers are idempotent beyond it.
  private async publish(batch: leads.UpsertEvents): Promise<void> {
    const { bus } = this.deps;
    for (let from = 0; from < batch.created.length; from += 1000) {
      await bus.publish(
        events.leadIngested,
        { listId: batch.listId, leadIds: batch.created.slice(from, from + 1000) },
        { id: `${batch.batchId}-ingested-${from}` },
      );
    }
    for (let from = 0; from < batch.updated.length; from += 1000) {
      await bus.publish(
        events.leadUpdated,
        { listId: batch.listId, leadIds: batch.updated.slice(from, from + 1000) },
        { id: `${batch.batchId}-updated-${from}` },
      );
    }
    await leads.deleteUpsertEvents(this.deps.pool, batch.batchId);
  }
}
