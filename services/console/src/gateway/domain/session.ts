// Sessions are a signed cookie (HMAC-SHA256 over the payload), so the gateway keeps no session
// store and any replica can check one; an expiry inside the payload bounds a stolen cookie's use.

import { createHmac, scryptSync, timingSafeEqual, randomBytes } from 'node:crypto';

export type Role = 'agent' | 'supervisor' | 'admin';
export const ROLES: readonly Role[] = ['agent', 'supervisor', 'admin'];

export interface User {
  readonly username: string;
  readonly role: Role;
  /** `scrypt$<salt b64>$<hash b64>`, made by hashPassword. */
  readonly passwordHash: string;
  /** The dialer agent id an agent works as (agents only). */
  readonly agentId?: string;
  /** May see clear numbers (every reveal is audited). */
  readonly reveal?: boolean;
}

export interface Session {
  readonly username: string;
  readonly role: Role;
  readonly agentId?: string;
  readonly reveal: boolean;
  /** Epoch ms. */
  readonly expiresAt: number;
}

export function hashPassword(password: string, salt: Buffer = randomBytes(16)): string {
  return `scrypt$${salt.toString('base64')}$${scryptSync(password, salt, 32).toString('base64')}`;
}

export function checkPassword(password: string, stored: string): boolean {
  const [scheme, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = scryptSync(password, Buffer.from(salt, 'base64'), expected.length);
  return expected.length > 0 && timingSafeEqual(expected, actual);
}

const sign = (secret: string, payload: string) => createHmac('sha256', secret).update(payload).digest('base64url');

export function encodeSession(session: Session, secret: string): string {
  const payload = Buffer.from(JSON.stringify(session)).toString('base64url');
  return `${payload}.${sign(secret, payload)}`;
}

export type SessionCheck =
  | { readonly ok: true; readonly session: Session }
  | { readonly ok: false; readonly reason: 'missing' | 'invalid' | 'expired' };

export function decodeSession(cookie: string | undefined, secret: string, now: number): SessionCheck {
  if (!cookie) return { ok: false, reason: 'missing' };
  const [payload, signature] = cookie.split('.');
  if (!payload || !signature) return { ok: false, reason: 'invalid' };
  const expected = Buffer.from(sign(secret, payload));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'invalid' };
  let session: Session;
  try {
    session = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Session;
  } catch {
    return { ok: false, reason: 'invalid' };
  }
  if (!ROLES.includes(session.role) || typeof session.expiresAt !== 'number') return { ok: false, reason: 'invalid' };
  if (session.expiresAt <= now) return { ok: false, reason: 'expired' };
  return { ok: true, session };
}

/** What each role may do; the gateway checks every route against it. */
export const PERMISSIONS = {
  watchCampaigns: ['supervisor', 'admin'],
  steerCampaigns: ['supervisor', 'admin'],
  createCampaigns: ['admin', 'supervisor'],
  uploadLeads: ['supervisor', 'admin'],
  viewDenials: ['supervisor', 'admin'],
  reports: ['supervisor', 'admin', 'agent'],
  export: ['supervisor', 'admin'],
  desk: ['agent'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

export function may(session: Session, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly Role[]).includes(session.role);
}
