import { DenyReason, type Denial as ProtoDenial, type DialDecision } from '@outbound/proto/outbound/v1/compliance';
import type { Timestamp } from '@outbound/proto/google/protobuf/timestamp';
import type { CheckedDecision } from '../../use-cases/check-dial.js';
import type { Denial } from '../../domain/types.js';

export function toTimestamp(ms: number): Timestamp {
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 };
}

export function fromTimestamp(ts: Timestamp): number {
  return ts.seconds * 1000 + Math.floor(ts.nanos / 1_000_000);
}

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
