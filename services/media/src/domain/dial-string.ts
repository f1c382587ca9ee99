import { VAR } from './channel-signal.js';

export interface OriginatePlan {
  readonly callId: string;
  readonly destination: string;
  readonly callerId?: string;
  readonly gateway: string;
  readonly ringTimeoutMs: number;
  readonly campaignId: string;
  readonly leadId: string;
  readonly attemptId: string;
  readonly traceparent?: string;
}

export class DialStringError extends Error {
  constructor(
    readonly field: string,
    detail: string,
  ) {
    super(`${field}: ${detail}`);
    this.name = 'DialStringError';
  }
}

const PLAIN = /^[A-Za-z0-9_.+:@\-/]*$/;
const FORBIDDEN = /[\r\n'{}[\]\s]/;

/**
 * Escape one channel-variable value for a `{k=v,…}` block. Safe values pass as they are; a comma
 * is escaped (`\,`), and characters that could end the block or the command are refused.
 */
export function escapeVarValue(field: string, value: string): string {
  if (PLAIN.test(value)) return value;
  if (FORBIDDEN.test(value)) throw new DialStringError(field, 'contains a character not allowed in a channel variable');
  return value.replace(/\\/g, '\\\\').replace(/,/g, '\\,');
}

const GATEWAY = /^[A-Za-z0-9_.-]+$/;
const NUMBER = /^\+?[0-9]+$/;

/** `originate {vars}sofia/gateway/<gw>/<number> &park()` (the arguments of `bgapi`). */
export function buildOriginate(plan: OriginatePlan): string {
  if (!GATEWAY.test(plan.gateway))
    throw new DialStringError('gateway', 'must be letters, digits, dot, dash or underscore');
  if (!NUMBER.test(plan.destination))
    throw new DialStringError('destination', 'must be digits with an optional leading +');
  const vars: [string, string][] = [
    ['origination_uuid', plan.callId],
    ...(plan.callerId ? ([['origination_caller_id_number', plan.callerId]] as [string, string][]) : []),
    ['originate_timeout', String(Math.max(1, Math.ceil(plan.ringTimeoutMs / 1000)))],
    ['ignore_early_media', 'true'],
    [VAR.campaignId, plan.campaignId],
    [VAR.leadId, plan.leadId],
    [VAR.attemptId, plan.attemptId],
    ...(plan.traceparent ? ([[VAR.traceparent, plan.traceparent]] as [string, string][]) : []),
  ];
  const block = vars.map(([k, v]) => `${k}=${escapeVarValue(k, v)}`).join(',');
  return `originate {${block}}sofia/gateway/${plan.gateway}/${plan.destination} &park()`;
}

/** The agent leg of a Bridge: `user/<agent>` or an explicit endpoint, parked until uuid_bridge. */
export function buildAgentOriginate(
  agentCallId: string,
  endpoint: string,
  customer: { campaignId: string; leadId: string; attemptId: string; traceparent?: string },
): string {
  if (!/^[A-Za-z0-9_.@:/+-]+$/.test(endpoint))
    throw new DialStringError('agent_endpoint', 'must be an endpoint like user/1001');
  const target = endpoint.includes('/') ? endpoint : `user/${endpoint}`;
  const vars: [string, string][] = [
    ['origination_uuid', agentCallId],
    [VAR.campaignId, customer.campaignId],
    [VAR.leadId, customer.leadId],
    [VAR.attemptId, customer.attemptId],
    ['outbound_leg', 'agent'],
    ...(customer.traceparent ? ([[VAR.traceparent, customer.traceparent]] as [string, string][]) : []),
  ];
  return `originate {${vars.map(([k, v]) => `${k}=${escapeVarValue(k, v)}`).join(',')}}${target} &park()`;
}
