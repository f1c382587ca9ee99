import { PermissionDeniedError } from '@outbound/errors';
import { grantedPrincipal, type TokenGrant } from './grants.js';

/**
 * Who may see clear personal data. Masking is the default; a caller asks for clear values and
 * proves it may with a bearer token whose hash is configured. Asking without a valid token is
 * refused, never silently masked, so a misconfigured client notices.
 */
export class RevealPolicy {
  constructor(private readonly grants: readonly TokenGrant[]) {}

  /**
   * `undefined` when the caller did not ask; the principal when it asked and may; throws
   * PermissionDeniedError when it asked and may not.
   */
  principalFor(asked: boolean, bearerToken: string | undefined): string | undefined {
    if (!asked) return undefined;
    const principal = grantedPrincipal(this.grants, bearerToken);
    if (principal) return principal;
    throw new PermissionDeniedError(
      'clear numbers and names need a bearer token granted PII reveal (PII_REVEAL_GRANTS)',
      { reason: 'PII_REVEAL_DENIED' },
    );
  }
}
