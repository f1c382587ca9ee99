import { DomainError, type ErrorKind } from '@outbound/errors';

/**
 * Why a transcription failed, stable across versions. Messages never carry the audio's content or
 * the file's path (paths may embed call ids or numbers); `details` carries only format facts.
 */
export type AsrErrorCode =
  /** The WAV file does not exist (or vanished before it was read). */
  | 'AUDIO_NOT_FOUND'
  /** A valid header with no samples. */
  | 'AUDIO_EMPTY'
  /** Not a RIFF/WAVE file, or a header cut short. */
  | 'AUDIO_CORRUPT'
  /** A WAV the engine cannot take: unknown encoding, a missing channel, a rate out of range. */
  | 'AUDIO_UNSUPPORTED'
  /** A keyword set with nothing the engine can listen for. */
  | 'KEYWORDS_INVALID'
  /** The engine binary or its model is missing. */
  | 'ENGINE_UNAVAILABLE'
  /** The engine (or the audio converter) exited with an error or was killed by a signal. */
  | 'ENGINE_FAILED'
  | 'TIMEOUT'
  | 'ABORTED';

const KINDS: Readonly<Record<AsrErrorCode, ErrorKind>> = {
  AUDIO_NOT_FOUND: 'not_found',
  AUDIO_EMPTY: 'failed_precondition',
  AUDIO_CORRUPT: 'failed_precondition',
  AUDIO_UNSUPPORTED: 'failed_precondition',
  KEYWORDS_INVALID: 'invalid_argument',
  ENGINE_UNAVAILABLE: 'unavailable',
  ENGINE_FAILED: 'internal',
  TIMEOUT: 'deadline_exceeded',
  ABORTED: 'cancelled',
};

/**
 * Worth retrying later (the same input may then succeed): a file not there yet, an engine that
 * crashed or ran out of time. Bad audio and bad keywords go straight to dead letters.
 */
const RETRYABLE: ReadonlySet<AsrErrorCode> = new Set([
  'AUDIO_NOT_FOUND',
  'ENGINE_UNAVAILABLE',
  'ENGINE_FAILED',
  'TIMEOUT',
]);

/** The one error class of this package; `code` says what went wrong, `kind` maps it to gRPC. */
export class AsrError extends DomainError {
  readonly kind: ErrorKind;
  readonly code: AsrErrorCode;
  readonly retryable: boolean;

  constructor(
    code: AsrErrorCode,
    message: string,
    options: { details?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message, { ...options, reason: code });
    this.code = code;
    this.kind = KINDS[code];
    this.retryable = RETRYABLE.has(code);
  }
}

export function isAsrError(error: unknown, code?: AsrErrorCode): error is AsrError {
  return error instanceof AsrError && (code === undefined || error.code === code);
}
