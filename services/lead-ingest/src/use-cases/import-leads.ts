import { setImmediate as nextTurn } from 'node:timers/promises';
import type { CountryCode } from 'libphonenumber-js/max';
import { events } from '@outbound/bus';
import type { Logger } from '@outbound/telemetry';
import type { Pool, PoolClient } from '@outbound/store';
import { cleanRow, isRejection, type Rejection, type RowNote } from '../domain/clean.js';
import { MappingError, resolveMapping, type ColumnMapping } from '../domain/fields.js';
import type { TierRule } from '../domain/tiers.js';
import type { PiiCipher } from '../adapters/pii-cipher.js';
import { FileFormatError, type SourceRows } from '../adapters/readers/index.js';
import * as jobs from '../adapters/sql/jobs-repo.js';
import { CopyChunk, LeadStaging } from '../adapters/sql/lead-staging.js';
import { DoNotCallUnavailableError, type DoNotCallList, type EventPublisher } from './ports.js';
import { ChunkSealer, maskReportEntry } from '../adapters/sql/protect.js';

export interface ImportSpec {
  jobId: string;
  listId: string;
  campaignId: string;
  defaultRegion: CountryCode;
  /** Operator's column → target overrides. */
  mapping: Record<string, string>;
  dedupByExternalId: boolean;
}

/** Told how each import ended, with its counts (the service's metrics). */
export interface ImportMetrics {
  finished(
    state: 'succeeded' | 'cancelled' | 'failed',
    counts: { read: number; accepted: number; rejected: number; duplicate: number },
  ): void;
}

export interface ImportRunnerDeps {
  pool: Pool;
  bus: EventPublisher;
  cipher: PiiCipher;
  dnc: DoNotCallList;
  logger: Logger;
  tierRules: readonly TierRule[];
  batchRows: number;
  maxRejectsStored: number;
  metrics?: ImportMetrics;
  /**
   * Imports running at once; more wait their turn. Each holds one pooled connection for its
   * transaction and needs others for its progress and report, so the pool must never be all
   * transactions (PostgreSQL pool of 10: at most 4 imports).
   */
  maxConcurrent?: number;
}

/** Why an import stopped before its end; the reason is safe to show (no personal data). */
export class ImportAborted extends Error {
  constructor(
    readonly state: 'failed' | 'cancelled',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ImportAborted';
  }
}

const PROGRESS_EVERY_MS = 1000;
const DEFAULT_MAX_CONCURRENT = 4;
const EVENT_BATCH = 1000;
// Event pages read per query and published concurrently: JetStream acks overlap instead of
// costing one round trip each.
const EVENT_PAGES_IN_FLIGHT = 32;
const REJECT_FLUSH = 1000;
// Rows read between turns of the event loop. Parsed rows come through promises (microtasks), so
// without a turn the loop would not send the COPY data nor see the merge finish until the
// parser ran dry, leaving PostgreSQL idle.
const ROWS_PER_TURN = 500;

/**
 * Runs import jobs. All leads of one job go in through one transaction, so a failed or cancelled
 * import stores nothing and a re-run starts clean; duplicates (in the file, or already in the
 * list) are skipped by the unique dedup key, so re-importing a file adds nothing. Rows are
 * cleaned while the previous batch is being written: one batch in flight bounds memory, and a
 * slow database slows the reading (back-pressure) instead of filling the heap.
 */
export class ImportRunner {
  private readonly running = new Map<string, AbortController>();
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly deps: ImportRunnerDeps) {}

  /** Register the job before its rows arrive, so it can be watched and cancelled at once. */
  async create(spec: ImportSpec): Promise<boolean> {
    return jobs.createJob(this.deps.pool, spec);
  }

  /** Ask a job to stop: at once when it runs here, at its next progress save on another replica. */
  async cancel(jobId: string): Promise<void> {
    this.running.get(jobId)?.abort();
    await jobs.requestCancel(this.deps.pool, jobId);
  }

  get inFlight(): number {
    return this.running.size;
  }

  async run(spec: ImportSpec, rows: SourceRows, signal?: AbortSignal): Promise<jobs.JobRecord> {
    const controller = new AbortController();
    const onCallerAbort = () => controller.abort();
    signal?.addEventListener('abort', onCallerAbort, { once: true });
    this.running.set(spec.jobId, controller);
    await this.turn();
    try {
      return await this.runNow(spec, rows, controller, signal, onCallerAbort);
    } finally {
      // The slot goes straight to the next import waiting, if any.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }

  /** Waits until fewer than maxConcurrent imports run (first come, first served). */
  private async turn(): Promise<void> {
    if (this.active < (this.deps.maxConcurrent ?? DEFAULT_MAX_CONCURRENT)) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private async runNow(
    spec: ImportSpec,
    rows: SourceRows,
    controller: AbortController,
    signal: AbortSignal | undefined,
    onCallerAbort: () => void,
  ): Promise<jobs.JobRecord> {
    const log = this.deps.logger.child({ importJobId: spec.jobId, listId: spec.listId });
    const counts: jobs.JobCounts = { read: 0, accepted: 0, rejected: 0, duplicate: 0, noted: 0, withExtension: 0 };
    const warnings: string[] = [];
    const phases: ImportPhases = { readCleanSealMs: 0, dncMs: 0, storeMs: 0, storeWaitMs: 0 };
    const client = await this.deps.pool.connect();
    try {
      await client.query('BEGIN');
      await this.ingest(spec, rows, client, counts, warnings, phases, controller.signal);
      if (controller.signal.aborted) throw new ImportAborted('cancelled', 'the import was cancelled');
      await client.query('COMMIT');
      await jobs.finishJob(this.deps.pool, spec.jobId, 'succeeded', counts, { warnings });
      this.deps.metrics?.finished('succeeded', counts);
      log.info({ ...counts, warnings, phases: roundPhases(phases) }, 'import committed');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      const aborted = toAborted(error, controller.signal);
      // Nothing was stored, so the counts say what was read, not what was kept.
      await jobs.finishJob(
        this.deps.pool,
        spec.jobId,
        aborted.state,
        { ...counts, accepted: 0, duplicate: 0 },
        { failureReason: aborted.message, warnings },
      );
      this.deps.metrics?.finished(aborted.state, counts);
      if (aborted.state === 'failed' && !(error instanceof FileFormatError || error instanceof MappingError))
        log.error({ err: error }, 'import failed');
      else log.info({ state: aborted.state, reason: aborted.message }, 'import stopped');
    } finally {
      client.release();
      this.running.delete(spec.jobId);
      signal?.removeEventListener('abort', onCallerAbort);
    }
    const job = (await jobs.getJob(this.deps.pool, spec.jobId))!;
    // The leads are committed whatever happens here: events that fail to go out stay pending
    // (events_published false) and the next start publishes them.
    if (job.state === 'succeeded') {
      await this.publishIngested(spec.jobId, spec.listId).catch((err: unknown) =>
        log.error({ err }, 'leads.ingested not published; the next start retries'),
      );
    }
    return job;
  }

  private async ingest(
    spec: ImportSpec,
    rows: SourceRows,
    client: PoolClient,
    counts: jobs.JobCounts,
    warnings: string[],
    phases: ImportPhases,
    signal: AbortSignal,
  ): Promise<void> {
    const { cipher, tierRules, batchRows } = this.deps;
    const cleanOptions = { defaultRegion: spec.defaultRegion, tierRules };
    let mapping: ColumnMapping | undefined;
    // Leads are sealed into `sealer`'s chunk as they are cleaned; a full chunk is looked up in the
    // do-not-call list and COPY'd and merged while the next one fills the other buffer, so the
    // database does not sit idle while the service works. Two buffers, reused: the one being
    // filled is the one whose store was awaited before the previous chunk went out. (Sealing on
    // a worker thread was measured slower on two cores: the structured clone costs more than it frees.)
    const buffers = [new CopyChunk(), new CopyChunk()];
    let next = 1;
    let storing: Promise<void> = Promise.resolve();
    const rejects = new RejectSink(this.deps.pool, spec.jobId, this.deps.maxRejectsStored);
    let lastProgress = Date.now();

    const staging = new LeadStaging(client, spec.listId, spec.jobId, EVENT_BATCH);
    const sealer = new ChunkSealer(cipher, { dedupByExternalId: spec.dedupByExternalId }, buffers[0]!);
    const store = async (data: Buffer, rowCount: number): Promise<void> => {
      const started = performance.now();
      const inserted = await staging.merge(data);
      counts.accepted += inserted;
      counts.duplicate += rowCount - inserted;
      phases.storeMs += performance.now() - started;
    };
    const flush = async (): Promise<void> => {
      const started = performance.now();
      sealer.markBarred(await this.deps.dnc.barred(sealer.numbers, spec.campaignId, signal));
      const waitStarted = performance.now();
      phases.dncMs += waitStarted - started;
      await storing;
      phases.storeWaitMs += performance.now() - waitStarted;
      storing = store(sealer.chunk.finish(), sealer.rows);
      // Attach a handler now so a failing chunk is not an unhandled rejection while we read on.
      storing.catch(() => undefined);
      sealer.reset(buffers[next]!);
      next = 1 - next;
    };
    const readStarted = performance.now();
    const report = (entry: Rejection | (RowNote & { line: number }), kept: boolean) =>
      rejects.add(
        mapping
          ? maskReportEntry(entry, kept, mapping.phoneColumn, nameColumn(mapping))
          : { line: entry.line, column: entry.column, maskedValue: '', reason: entry.reason, kept },
      );
    const reject = async (rejection: Rejection) => {
      counts.rejected++;
      await report(rejection, false);
    };

    // Readers yield a batch of rows per input chunk; each row is still checked for cancellation,
    // counted, and given its turn of the event loop every ROWS_PER_TURN rows.
    for await (const batch of rows) {
      for (let r = 0; r < batch.length; r++) {
        const row = batch[r]!;
        if (signal.aborted) throw new ImportAborted('cancelled', 'the import was cancelled');
        if ('warning' in row) {
          // Not a row of the file: something the reader has to say about the whole of it.
          warnings.push(row.warning);
          continue;
        }
        if (++counts.read % ROWS_PER_TURN === 0) await nextTurn();
        if ('malformed' in row) {
          await reject({ line: row.line, column: '', value: '', reason: 'MALFORMED_ROW' });
          continue;
        }
        if (!mapping || hasNewColumn(mapping, row.cells))
          mapping = resolveMapping(mergeHeaders(mapping, row.cells), spec.mapping);
        const result = cleanRow(row.line, row.cells, mapping, cleanOptions);
        if (isRejection(result)) {
          await reject(result);
          continue;
        }
        if (result.notes) {
          counts.noted++;
          for (const note of result.notes) await report({ ...note, line: result.line }, true);
        }
        if (result.extension) counts.withExtension++;
        sealer.add(result);
        if (sealer.rows >= batchRows) {
          await flush();
          if (Date.now() - lastProgress >= PROGRESS_EVERY_MS) {
            lastProgress = Date.now();
            if (await jobs.saveProgress(this.deps.pool, spec.jobId, counts))
              throw new ImportAborted('cancelled', 'the import was cancelled');
          }
        }
      }
    }
    if (sealer.rows > 0) await flush();
    const waitStarted = performance.now();
    await storing;
    phases.storeWaitMs += performance.now() - waitStarted;
    phases.readCleanSealMs = performance.now() - readStarted - phases.dncMs - phases.storeWaitMs;
    await rejects.flush();
    if (counts.read === 0) warnings.push('the file has a header but no data rows: nothing was imported');
  }

  /**
   * Publish leads.ingested for a committed job from the event pages its transaction stored; the
   * event id names the page, so a repeat after a restart is stored once by JetStream.
   */
  async publishIngested(jobId: string, listId: string): Promise<void> {
    let after = { chunk: -1, page: -1 };
    for (;;) {
      const pages = await jobs.eventPages(this.deps.pool, jobId, after, EVENT_PAGES_IN_FLIGHT);
      if (pages.length === 0) break;
      await Promise.all(
        pages.map((p) =>
          this.deps.bus.publish(
            events.leadIngested,
            { listId, leadIds: p.leadIds, importJobId: jobId },
            { id: `${jobId}-ingested-${p.chunk}-${p.page}` },
          ),
        ),
      );
      after = pages[pages.length - 1]!;
    }
    await jobs.markEventsPublished(this.deps.pool, jobId);
  }
}

/**
 * Where an import's time went (logged with the commit): receiving, decoding, cleaning and sealing
 * the file; the do-not-call lookups of chunks; COPY and merge of chunks (overlaps the rest); and
 * the reading waiting for the previous chunk's merge (the database was the bottleneck for that long).
 */
interface ImportPhases {
  readCleanSealMs: number;
  dncMs: number;
  storeMs: number;
  storeWaitMs: number;
}

function roundPhases(phases: ImportPhases): ImportPhases {
  return {
    readCleanSealMs: Math.round(phases.readCleanSealMs),
    dncMs: Math.round(phases.dncMs),
    storeMs: Math.round(phases.storeMs),
    storeWaitMs: Math.round(phases.storeWaitMs),
  };
}

function nameColumn(mapping: ColumnMapping): string | undefined {
  return [...mapping.targets].find(([, t]) => t.kind === 'field' && t.field === 'name')?.[0];
}

function hasNewColumn(mapping: ColumnMapping, cells: Record<string, string>): boolean {
  for (const key in cells) if (!mapping.targets.has(key)) return true;
  return false;
}

// JSON lines may bring new keys on any line: they join the mapping as they appear.
function mergeHeaders(mapping: ColumnMapping | undefined, cells: Record<string, string>): string[] {
  return [...new Set([...(mapping ? mapping.targets.keys() : []), ...Object.keys(cells)])];
}

function toAborted(error: unknown, signal: AbortSignal): ImportAborted {
  if (error instanceof ImportAborted) return error;
  if (signal.aborted) return new ImportAborted('cancelled', 'the import was cancelled', { cause: error });
  if (error instanceof FileFormatError || error instanceof MappingError)
    return new ImportAborted('failed', error.message, { cause: error });
  if (error instanceof DoNotCallUnavailableError)
    return new ImportAborted(
      'failed',
      `${error.message}; nothing was stored, re-run the import when compliance answers`,
      { cause: error },
    );
  return new ImportAborted('failed', 'internal error while storing the leads; nothing was stored', { cause: error });
}

/** Rejections go to their own table as they come (outside the job's transaction: a failed job keeps its report). */
class RejectSink {
  private pending: jobs.RejectRecord[] = [];
  private stored = 0;
  private truncated = false;

  constructor(
    private readonly pool: Pool,
    private readonly jobId: string,
    private readonly cap: number,
  ) {}

  async add(record: jobs.RejectRecord): Promise<void> {
    if (this.stored + this.pending.length >= this.cap) {
      this.truncated = true;
      return;
    }
    this.pending.push(record);
    if (this.pending.length >= REJECT_FLUSH) await this.flush();
  }

  async flush(): Promise<void> {
    const records = this.pending;
    this.pending = [];
    this.stored += records.length;
    await jobs.insertRejects(this.pool, this.jobId, records, this.truncated);
  }
}
