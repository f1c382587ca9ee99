import { createHash, timingSafeEqual } from 'node:crypto';
import { PermissionDeniedError } from '@outbound/errors';

/** Someone allowed to see clear numbers and names: a name for the audit log and a token hash. */
export interface RevealGrant {
  readonly principal: string;
  /** SHA-256 of the bearer token; the token itself is never configured or stored. */
  readonly tokenSha256: Buffer;
}

/**
 * Who may see clear personal data. Masking is the default; a caller asks for clear values and
 * proves it may with a bearer token whose hash is configured. Asking without a valid token is
 * refused, never silently masked, so a misconfigured client notices.
 */
export class RevealPolicy {
  constructor(private readonly grants: readonly RevealGrant[]) {}

  /**
   * `undefined` when the caller did not ask; the principal when it asked and may; throws
   * PermissionDeniedError when it asked and may not.
   */
  principalFor(asked: boolean, bearerToken: string | undefined): string | undefined {
    if (!asked) return undefined;
    if (bearerToken) {
      const hash = createHash('sha256').update(bearerToken).digest();
      // Every grant is compared, so timing says nothing about which one matched.
      let principal: string | undefined;
      for (const grant of this.grants) if (timingSafeEqual(hash, grant.tokenSha256)) principal ??= grant.principal;
      if (principal) return principal;
    }
    throw new PermissionDeniedError('clear numbers and names need a bearer token granted PII reveal (PII_REVEAL_GRANTS)', { reason: 'PII_REVEAL_DENIED' });
  }
}

/** `name:sha256hex,…` as configured; the hash is of the token (e.g. `printf %s "$TOKEN" | sha256sum`). */
export function parseRevealGrants(raw: string): { grants: RevealGrant[]; problems: string[] } {
  const grants: RevealGrant[] = [];
  const problems: string[] = [];
  for (const [index, entry] of raw.split(',').map((e) => e.trim()).filter((e) => e !== '').entries()) {
    const cut = entry.indexOf(':');
    const principal = entry.slice(0, cut);
    const hex = entry.slice(cut + 1);
    if (cut < 1 || !/^[A-Za-z0-9_.@-]{1,64}$/.test(principal)) problems.push(`entry ${index + 1} must be name:sha256hex with a short name`);
    else if (!/^[0-9a-f]{64}$/.test(hex)) problems.push(`the hash of ${principal} must be 64 lower-case hex digits (SHA-256 of the token)`);
    else grants.push({ principal, tokenSha256: Buffer.from(hex, 'hex') });
  }
  return { grants, problems };
}
