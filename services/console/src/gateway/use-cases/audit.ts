// Every export and every reveal goes into compliance's audit chain before the data leaves.

import type { Backends } from '../adapters/backends.js';
import { call } from '../adapters/backends.js';
import type { Session } from '../domain/session.js';

export type Audit = (
  session: Session,
  action: string,
  target: string,
  details?: Record<string, string>,
) => Promise<void>;

export function createAudit(backends: Backends): Audit {
  return async (session, action, target, details = {}) => {
    await call('compliance', backends.compliance, backends.compliance.recordAudit, {
      actor: `console:${session.username}`,
      action,
      target,
      details: { role: session.role, ...details },
      service: 'console',
    });
  };
}
