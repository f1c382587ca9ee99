import { randomUUID } from 'node:crypto';
import { UnavailableError } from '@outbound/errors';
import { maskPhone } from '@outbound/phone/mask';
import { BlindIndex } from '../domain/blind.js';
import { decideAfterLocal, localDenials, planDial } from '../domain/engine.js';
import type { PackCatalogue } from '../domain/packs/index.js';
import type { AbandonDay, Decision, Denial, DialRequest } from '../domain/types.js';
import type { AbandonCounts } from '../adapters/redis/abandon-counts.js';
import type { DialStateInput, DialStateStore } from '../adapters/redis/dial-state.js';
import type { DecisionInputs, DecisionRecord, EvidenceStore } from '../adapters/sql/evidence.js';
import type { PolicyEntry, PolicyStore } from '../adapters/sql/policies.js';
import type { Registry } from '../domain/registry.js';

export interface CheckedDecision extends Decision {
  readonly checkId: string;
}

export interface DialCheckerDeps {
  readonly catalogue: PackCatalogue;
  readonly policies: PolicyStore;
  readonly registry: Registry;
  readonly blind: BlindIndex;
  readonly state: DialStateStore;
  readonly abandon: AbandonCounts;
  readonly evidence: EvidenceStore;
  readonly now: () => number;
  /** Told of every decision given (after its evidence is stored). */
  readonly metrics?: { decided(decision: Decision): void };
}

/** Most checks decided in one step (one Redis pipeline). */
const MAX_COALESCED = 256;
/** Plans again under a newly announced policy before giving up (a policy changing that fast is a fault). */
const MAX_REPLANS = 3;

interface Prepared extends DialStateInput {
  readonly onRegistry: boolean;
  readonly denials: Denial[];
}

const reservationRefused: Denial = {
  reason: 'LEAD_FREQUENCY_CAP',
  code: 'RESERVATION_REFUSED',
  rulePack: 'engine',
  text: 'the atomic cap reservation was refused (another dial for this number or caller ID won the race)',
  data: {},
};

/**
 * The hot path: plan each dial from in-memory data, then one Redis pipeline checks the shared
 * state and reserves the allowed attempts atomically, then the pure engine names every reason.
 * No decision is answered before its evidence is stored; when it cannot be, the checks fail
 * (UNAVAILABLE) and their reservations are released: fail closed, never an unexplained dial.
 */
export class DialChecker {
  private waiting: Array<{
    request: DialRequest;
    resolve: (d: CheckedDecision) => void;
    reject: (e: unknown) => void;
  }> = [];

  constructor(private readonly deps: DialCheckerDeps) {}

  /**
   * One check. Checks arriving in the same turn of the event loop (concurrent CheckDial calls)
   * are decided together, in arrival order, so they share one Redis round trip.
   */
  checkOne(request: DialRequest): Promise<CheckedDecision> {
    return new Promise((resolve, reject) => {
      if (this.waiting.push({ request, resolve, reject }) === 1) setImmediate(() => this.drain());
    });
  }

  private drain(): void {
    // A bounded batch per turn: under a burst, later checks go in the next turn's pipeline instead
    // of making one huge synchronous step that every check in it waits for.
    const batch = this.waiting.length > MAX_COALESCED ? this.waiting.splice(0, MAX_COALESCED) : this.waiting;
    if (batch === this.waiting) this.waiting = [];
    else setImmediate(() => this.drain());
    this.check(batch.map((w) => w.request)).then(
      (decisions) => {
        for (let i = 0; i < batch.length; i++) batch[i]!.resolve(decisions[i]!);
      },
      (error: unknown) => {
        for (const w of batch) w.reject(error);
      },
    );
  }

  async check(requests: readonly DialRequest[]): Promise<CheckedDecision[]> {
    const { catalogue, policies, registry, blind, state, abandon, evidence } = this.deps;
    const policyOf = new Map<string, PolicyEntry>();
    const abandonOf = new Map<string, readonly AbandonDay[]>();
    for (const { campaignId } of requests) {
      if (policyOf.has(campaignId)) continue;
      // Both are cached in memory: only a campaign's first check (or an expired policy) waits.
      policyOf.set(campaignId, policies.cached(campaignId) ?? (await policies.entry(campaignId)));
      abandonOf.set(campaignId, await abandon.cached(campaignId));
    }
    const prepare = (request: DialRequest): Prepared => {
      const { policy, version } = policyOf.get(request.campaignId)!;
      const plan = planDial(request, policy, catalogue);
      const numberKey = blind.hex(request.phone);
      const onRegistry = registry.has(BlindIndex.key64FromHex(numberKey));
      const abandonDays = abandonOf.get(request.campaignId)!;
      // This check's own array: it becomes the decision's denials (`decideAfterLocal`).
      const denials = localDenials(plan, { onRegistry, abandonDays });
      return {
        plan,
        numberKey,
        onRegistry,
        denials,
        checkId: randomUUID(),
        reserve: plan.number.valid && denials.length === 0,
        policyVersion: version,
      };
    };
    const prepared = requests.map(prepare);
    const states = await state.checkAndReserve(prepared);
    // A newer policy was announced for a campaign (set on any replica) after its cached one was
    // read: the script refused those dials, so plan them again under the new one. A policy
    // change binds every replica's next check, not the next cache refresh.
    for (let round = 1; ; round++) {
      const stale = states.flatMap((s, i) => (s.stalePolicy ? [i] : []));
      if (stale.length === 0) break;
      if (round > MAX_REPLANS)
        throw new UnavailableError('the campaign policy kept changing during the check; retry it', {
          reason: 'POLICY_CHANGING',
        });
      for (const campaignId of new Set(stale.map((i) => requests[i]!.campaignId)))
        policyOf.set(campaignId, await policies.reload(campaignId));
      const again = stale.map((i) => prepare(requests[i]!));
      const seen = await state.checkAndReserve(again);
      stale.forEach((i, k) => {
        prepared[i] = again[k]!;
        states[i] = seen[k]!;
      });
    }
    const decidedAt = this.deps.now();
    const releases: Array<Promise<void>> = [];
    const out: CheckedDecision[] = [];
    const records: DecisionRecord[] = [];
    for (let i = 0; i < prepared.length; i++) {
      const p = prepared[i]!;
      const seen = states[i]!;
      const { facts, caps } = seen;
      const decided = decideAfterLocal(p.plan, facts, caps, p.denials);
      if (seen.reserved && !decided.allowed)
        releases.push(state.release(p.numberKey, p.plan.request.callerId, p.checkId));
      const refused = !seen.reserved && decided.allowed;
      const decision: CheckedDecision = {
        allowed: refused ? false : decided.allowed,
        denials: refused ? [reservationRefused] : decided.denials,
        rulePacks: decided.rulePacks,
        timeZones: decided.timeZones,
        maxCallSeconds: decided.maxCallSeconds,
        minRingSeconds: decided.minRingSeconds,
        maxAgentConnectSeconds: decided.maxAgentConnectSeconds,
        checkId: p.checkId,
      };
      records.push(this.record(p, decision, decidedAt, facts, caps));
      out.push(decision);
    }
    try {
      await evidence.store(records);
    } catch (error) {
      // Nobody will dial on these decisions: give back the attempts they reserved (if Redis fails
      // too, the slots stay taken until they age out, which errs on the safe side).
      await Promise.allSettled([
        ...releases,
        ...out.flatMap((d, i) =>
          d.allowed ? [state.release(prepared[i]!.numberKey, prepared[i]!.plan.request.callerId, d.checkId)] : [],
        ),
      ]);
      throw new UnavailableError('the decisions could not be stored as evidence, so none is given; retry the check', {
        reason: 'EVIDENCE_UNAVAILABLE',
        cause: error,
      });
    }
    if (releases.length > 0) await Promise.all(releases);
    if (this.deps.metrics) for (const decision of out) this.deps.metrics.decided(decision);
    return out;
  }

  private record(
    p: Prepared,
    decision: CheckedDecision,
    decidedAt: number,
    facts: DecisionInputs['facts'],
    caps: DecisionInputs['caps'],
  ): DecisionRecord {
    const { request, policy, number } = p.plan;
    return {
      checkId: decision.checkId,
      decidedAt,
      dialAt: request.at,
      campaignId: request.campaignId,
      leadId: request.leadId,
      phoneKey: p.numberKey,
      maskedPhone: maskPhone(request.phone),
      callerId: request.callerId,
      allowed: decision.allowed,
      denials: decision.denials,
      rulePacks: decision.rulePacks,
      timeZones: decision.timeZones,
      inputs: {
        policy,
        policyVersion: p.policyVersion,
        region: number.region,
        areaCode: number.areaCode ?? null,
        uncertainty: number.uncertainty ?? null,
        timeZoneOverride: request.timeZoneOverride ?? null,
        facts,
        caps,
        onRegistry: p.onRegistry,
      },
    };
  }
}
