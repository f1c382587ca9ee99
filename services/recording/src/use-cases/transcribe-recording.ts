import { AsrError, normalizePhrase, readWavHeader, spotKeywords } from '@outbound/asr';
import { DomainError, type ErrorKind } from '@outbound/errors';
import type { Logger } from '@outbound/telemetry';
import {
  hitsFromKeywordMode,
  intentsOf,
  interleave,
  mergeHits,
  segmentsOf,
  spellablePhrases,
  type Segment,
  type SpottedKeyword,
} from '../domain/analysis.js';
import { SealError } from '../domain/crypto.js';
import { defaultPolicy, type PolicyDefaults } from '../domain/policy.js';
import type {
  AttemptIds,
  Policies,
  ReadyPublisher,
  Recordings,
  SensitiveWordScanner,
  Transcriber,
  Transcripts,
} from './ports.js';
import { ChecksumMismatchError, type RecordingVault } from './vault.js';
import { NotFoundError } from '@outbound/errors';

/**
 * Why a job failed, with a stable code; `permanent` failures (bad audio, a stored file that fails
 * its checksum or tag) go to dead letters at once, the others are retried with back-off.
 */
export class TranscriptionError extends DomainError {
  readonly kind: ErrorKind;
  constructor(
    readonly code: string,
    readonly permanent: boolean,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(`${code}: ${message}`, { ...options, reason: code });
    this.kind = permanent ? 'failed_precondition' : 'unavailable';
  }
}

export interface TranscriptionObserver {
  finished?(outcome: 'done' | 'failed' | 'retry', seconds: number): void;
}

/**
 * One transcription job: open the stored recording (checksums verified), transcribe each channel
 * (customer on 0, agent on 1) with word timings, keyword mode for the campaign's phrases, store the
 * transcript, then analyse (intent tags, sensitive words to compliance) and publish
 * `transcripts.ready`. Steps already done by an earlier try are not done again.
 */
export class TranscribeRecording {
  constructor(
    private readonly deps: {
      readonly recordings: Recordings;
      readonly transcripts: Transcripts;
      readonly policies: Policies;
      readonly vault: RecordingVault;
      readonly transcriber: Transcriber;
      readonly scanner: SensitiveWordScanner;
      readonly ready: ReadyPublisher;
      readonly defaults: PolicyDefaults;
      readonly logger: Logger;
      readonly observer?: TranscriptionObserver;
    },
  ) {}

  /**
   * `lastAttempt`: a failure now ends in dead letters, so the recording is marked failed with the
   * reason. Throws TranscriptionError (its `permanent` says whether to retry).
   */
  async run(
    job: AttemptIds & { recordingId: string },
    lastAttempt: boolean,
    signal?: AbortSignal,
  ): Promise<'done' | 'skipped'> {
    const startedAt = performance.now();
    try {
      const outcome = await this.work(job, signal);
      if (outcome === 'done') this.deps.observer?.finished?.('done', (performance.now() - startedAt) / 1000);
      return outcome;
    } catch (error) {
      const failure = classify(error);
      const final = failure.permanent || lastAttempt;
      this.deps.observer?.finished?.(final ? 'failed' : 'retry', (performance.now() - startedAt) / 1000);
      if (final) await this.deps.recordings.setTranscription(job.recordingId, 'failed', failure.code);
      this.deps.logger.warn(
        { recordingId: job.recordingId, attemptId: job.attemptId, code: failure.code, final },
        'transcription failed',
      );
      throw failure;
    }
  }

  private async work(job: AttemptIds & { recordingId: string }, signal?: AbortSignal): Promise<'done' | 'skipped'> {
    const { recordings, transcripts } = this.deps;
    const row = await recordings.get(job.recordingId);
    // Purged (or never stored) meanwhile: nothing left to transcribe.
    if (row === undefined || row.state !== 'stored') return 'skipped';
    const policy = (await this.deps.policies.get(row.campaignId)) ?? defaultPolicy(row.campaignId, this.deps.defaults);
    let transcript = await transcripts.get(row.recordingId);
    if (transcript === undefined) {
      const plain = await this.deps.vault.open(row);
      const header = readWavHeader(plain);
      if (!header.ok) throw new AsrError(header.problem.code, header.problem.reason);
      const channels = header.format.channels === 2 ? 2 : 1;
      const heard = await this.deps.transcriber.transcribe(plain, channels, spellablePhrases(policy.keywords), signal);
      const sides = heard.channels.map((c) =>
        segmentsOf(c.words, channels === 1 ? 'mixed' : c.channel === 0 ? 'customer' : 'agent'),
      );
      const segments = interleave(...sides);
      await transcripts.save({
        recordingId: row.recordingId,
        campaignId: row.campaignId,
        engine: this.deps.transcriber.engine,
        segments,
        body: bodyOf(segments),
        spotted: hitsFromKeywordMode(heard.spotted, policy.keywords, normalizePhrase).map((h) => ({
          ...h,
          source: 'keyword' as const,
        })),
      });
      transcript = (await transcripts.get(row.recordingId))!;
    }
    const customerText = bodyOf(transcript.segments.filter((s) => s.speaker !== 'agent'));
    const keywordSet = Object.fromEntries(policy.keywords.map((k) => [k.phrase, k.intent]));
    const keywords: SpottedKeyword[] = mergeHits(spotKeywords(customerText, keywordSet), transcript.spotted);
    const intents = intentsOf(keywords);
    let sensitiveHits = transcript.sensitiveHits;
    if (transcript.analysedAt === undefined) {
      // Compliance publishes the violation itself (with the attempt): a retry after a crash here
      // may publish it twice, which its consumers take as the same words for the same attempt.
      sensitiveHits =
        transcript.body === ''
          ? 0
          : await this.deps.scanner.scan(row.industry || policy.industry, transcript.body, row);
      await transcripts.markAnalysed(
        row.recordingId,
        keywords,
        intents.map((i) => i.tag),
        sensitiveHits,
      );
    }
    await this.deps.ready.ready({
      recording: row,
      intents,
      segments: transcript.segments.length,
      words: transcript.segments.reduce((n, s) => n + s.words.length, 0),
      keywordHits: keywords.reduce((n, k) => n + k.count, 0),
      sensitiveHits,
      engine: transcript.engine,
    });
    return 'done';
  }
}

function bodyOf(segments: readonly Segment[]): string {
  return segments.map((s) => s.text).join('\n');
}

/** Any failure as a TranscriptionError with a code (asr's own split between retryable and not). */
export function classify(error: unknown): TranscriptionError {
  if (error instanceof TranscriptionError) return error;
  if (error instanceof AsrError)
    return new TranscriptionError(error.code, !error.retryable, error.message, { cause: error });
  if (error instanceof SealError)
    return new TranscriptionError(`SEALED_${error.code}`, true, error.message, { cause: error });
  if (error instanceof ChecksumMismatchError)
    return new TranscriptionError('CHECKSUM_MISMATCH', true, error.message, { cause: error });
  // The stored file is gone (deleted under us, or a backend that lost it): retried, then dead letters.
  if (error instanceof NotFoundError)
    return new TranscriptionError('AUDIO_NOT_FOUND', false, 'the stored recording is missing', { cause: error });
  const message = error instanceof Error ? error.message : String(error);
  return new TranscriptionError('FAILED', false, message.slice(0, 200), { cause: error });
}
