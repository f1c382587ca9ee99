import { DomainError, type ErrorKind } from '@outbound/errors';

/** A message that can never be processed (bad envelope, payload failing its schema): dead-lettered at once. */
export class PoisonMessageError extends DomainError {
  readonly kind: ErrorKind = 'invalid_argument';
}

/** Publishing failed after the retry budget. */
export class PublishError extends DomainError {
  readonly kind: ErrorKind = 'unavailable';
}
