import { DenyReason, type Denial as ProtoDenial, type DialDecision } from '@outbound/proto/outbound/v1/compliance';
import type { CheckedDecision } from '../../use-cases/check-dial.js';
import type { Denial } from '../../domain/types.js';

export { fromTimestamp, toTimestamp } from '@outbound/proto';

export function toProtoDenial(denial: Denial): ProtoDenial {
  return {
    reason: DenyReason[`DENY_REASON_${denial.reason}`],
    text: denial.text,
    rulePack: denial.rulePack,
    code: denial.code,
    data: { ...denial.data },
  };
}

export function toProtoDecision(decision: CheckedDecision): DialDecision {
  return {
    allowed: decision.allowed,
    denials: decision.denials.map(toProtoDenial),
    checkId: decision.checkId,
    rulePacks: [...decision.rulePacks],
    maxCallSeconds: decision.allowed ? decision.maxCallSeconds : 0,
    minRingSeconds: decision.allowed ? decision.minRingSeconds : 0,
    maxAgentConnectSeconds: decision.allowed ? decision.maxAgentConnectSeconds : 0,
  };
}
