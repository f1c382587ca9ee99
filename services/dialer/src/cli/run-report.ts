// The main job's checks of a finished run, as pure functions: the attempts the dialer stored
// against what switch-sim says really happened (its ground-truth file), and the two promises
// that must hold under any load: no lead in two calls at once, no call compliance refused.

/** One attempt as the run reads it back through ListAttempts. */
export interface RunAttempt {
  readonly attemptId: string;
  readonly leadId: string;
  readonly outcome: string;
  readonly callId: string;
  readonly hangupCause: string;
  readonly complianceCheckId: string;
  readonly denied: boolean;
  readonly amdVerdict: string;
  readonly originatedAtMs: number | undefined;
  readonly answeredAtMs: number | undefined;
  readonly bridgedAtMs: number | undefined;
  readonly endedAtMs: number | undefined;
}

/** One line of switch-sim's ground truth (numbers masked there). */
export interface TruthCall {
  readonly uuid: string;
  readonly outcome: string;
  readonly cause: string;
  readonly answeredAt: string | null;
  readonly bridgedAt?: string | null;
}

/** What the far end's outcome must read as in the attempt when the call was never answered. */
const UNANSWERED: Record<string, readonly string[]> = {
  busy: ['busy'],
  no_answer: ['no_answer'],
  unavailable: ['no_answer'],
  invalid: ['invalid_number'],
  decline: ['rejected'],
  network_failure: ['network_failure'],
};

export interface TruthMismatch {
  readonly callId: string;
  readonly why: string;
}

export const NO_ATTEMPT = 'no attempt placed this call';
export const NOT_ENDED = 'attempt not ended';

/** Calls of the far end with no attempt, or whose attempt never ended: records lost (other mismatches are details lost). */
export function callsWithoutAttempt(mismatches: readonly TruthMismatch[]): number {
  return mismatches.filter((m) => m.why === NO_ATTEMPT || m.why === NOT_ENDED).length;
}

/**
 * Each ground-truth call against the attempt that placed it: same hangup cause, answered exactly
 * when the far end answered, bridged exactly when switch-sim joined the customer to another leg,
 * and an outcome that fits what the far end was.
 */
export function matchGroundTruth(
  truth: readonly TruthCall[],
  attempts: readonly RunAttempt[],
): { matching: number; mismatches: TruthMismatch[] } {
  const byCall = new Map(attempts.filter((a) => a.callId).map((a) => [a.callId, a]));
  const mismatches: TruthMismatch[] = [];
  for (const call of truth) {
    const attempt = byCall.get(call.uuid);
    const why = attempt === undefined ? NO_ATTEMPT : mismatch(call, attempt);
    if (why !== undefined) mismatches.push({ callId: call.uuid, why });
  }
  return { matching: truth.length - mismatches.length, mismatches };
}

function mismatch(call: TruthCall, attempt: RunAttempt): string | undefined {
  if (attempt.endedAtMs === undefined) return NOT_ENDED;
  if (attempt.hangupCause !== call.cause) return `cause ${attempt.hangupCause || '-'} vs ${call.cause}`;
  const answered = call.answeredAt !== null;
  if ((attempt.answeredAtMs !== undefined) !== answered) return `answered ${!answered} vs ${answered}`;
  if (call.bridgedAt !== undefined) {
    const bridged = call.bridgedAt !== null;
    if ((attempt.bridgedAtMs !== undefined) !== bridged) return `bridged ${!bridged} vs ${bridged}`;
  }
  const fits = answered
    ? answeredOutcomes(attempt).includes(attempt.outcome)
    : (UNANSWERED[call.outcome] ?? []).includes(attempt.outcome);
  return fits ? undefined : `outcome ${attempt.outcome} for a ${call.outcome} call`;
}

function answeredOutcomes(attempt: RunAttempt): readonly string[] {
  // A machine is what AMD said it was; without AMD a machine is taken for a person.
  if (attempt.amdVerdict === 'machine') return ['machine', 'connected'];
  return ['connected', 'abandoned'];
}

/** Leads whose calls overlapped in time (originated before an earlier call of theirs ended). */
export function leadsDialedTwiceAtOnce(attempts: readonly RunAttempt[]): number {
  const byLead = new Map<string, RunAttempt[]>();
  for (const a of attempts) {
    if (a.originatedAtMs === undefined) continue;
    const list = byLead.get(a.leadId) ?? [];
    list.push(a);
    byLead.set(a.leadId, list);
  }
  let twice = 0;
  for (const calls of byLead.values()) {
    calls.sort((x, y) => x.originatedAtMs! - y.originatedAtMs!);
    for (let i = 1; i < calls.length; i++) {
      const previousEnd = calls[i - 1]!.endedAtMs ?? Number.POSITIVE_INFINITY;
      if (calls[i]!.originatedAtMs! < previousEnd) {
        twice++;
        break;
      }
    }
  }
  return twice;
}

/** Calls placed without an allowing compliance decision. */
export function deniedDialed(attempts: readonly RunAttempt[]): number {
  return attempts.filter((a) => a.callId && (a.denied || !a.complianceCheckId)).length;
}
