import { createHash, timingSafeEqual } from 'node:crypto';

/** A caller named for the audit log, proved by a bearer token whose SHA-256 is configured. */
export interface TokenGrant {
  readonly principal: string;
  /** SHA-256 of the bearer token; the token itself is never configured or stored. */
  readonly tokenSha256: Buffer;
}

/** The principal a bearer token was granted to, or undefined. */
export function grantedPrincipal(grants: readonly TokenGrant[], bearerToken: string | undefined): string | undefined {
  if (!bearerToken) return undefined;
  const hash = createHash('sha256').update(bearerToken).digest();
  // Every grant is compared, so timing says nothing about which one matched.
  let principal: string | undefined;
  for (const grant of grants) if (timingSafeEqual(hash, grant.tokenSha256)) principal ??= grant.principal;
  return principal;
}

/** `name:sha256hex,…` as configured; the hash is of the token (e.g. `printf %s "$TOKEN" | sha256sum`). */
export function parseTokenGrants(raw: string): { grants: TokenGrant[]; problems: string[] } {
  const grants: TokenGrant[] = [];
  const problems: string[] = [];
  for (const [index, entry] of raw
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '')
    .entries()) {
    const cut = entry.indexOf(':');
    const principal = entry.slice(0, cut);
    const hex = entry.slice(cut + 1);
    if (cut < 1 || !/^[A-Za-z0-9_.@-]{1,64}$/.test(principal))
      problems.push(`entry ${index + 1} must be name:sha256hex with a short name`);
    else if (!/^[0-9a-f]{64}$/.test(hex))
      problems.push(`the hash of ${principal} must be 64 lower-case hex digits (SHA-256 of the token)`);
    else grants.push({ principal, tokenSha256: Buffer.from(hex, 'hex') });
  }
  return { grants, problems };
}
