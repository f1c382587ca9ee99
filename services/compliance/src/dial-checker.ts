import { randomUUID } from 'node:crypto';
import { UnavailableError } from '@outbound/errors';
import { BlindIndex, maskE164 } from './domain/blind.js';
import { decideAfterLocal, localDenials, planDial, type DialPlan } from './domain/engine.js';
import type { PackCatalogue } from './domain/packs/index.js';
import type { AbandonDay, CampaignPolicy, Decision, Denial, DialRequest } from './domain/types.js';
import type { AbandonCounts } from './adapters/redis/abandon-counts.js';
import type { DialStateStore } from './adapters/redis/dial-state.js';
import type { DecisionInputs, DecisionRecord, EvidenceStore } from './adapters/sql/evidence.js';
import type { PolicyStore } from './adapters/sql/policies.js';
import type { Registry } from './registry.js';

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
}

/** Most checks decided in one step (one Redis pipeline). */
const MAX_COALESCED = 256;

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
  private waiting: Array<{ request: DialRequest; resolve: (d: CheckedDecision) => void; reject: (e: unknown) => void }> = [];

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
    const policyOf = new Map<string, CampaignPolicy>();
    const abandonOf = new Map<string, readonly AbandonDay[]>();
    for (const { campaignId } of requests) {
      if (policyOf.has(campaignId)) continue;
      // Both are cached in memory: only a campaign's first check (or an expired policy) waits.
      policyOf.set(campaignId, policies.cached(campaignId) ?? (await policies.get(campaignId)));
      abandonOf.set(campaignId, await abandon.cached(campaignId));
    }
    const prepared = requests.map((request) => {
      const plan = planDial(request, policyOf.get(request.campaignId)!, catalogue);
      const numberKey = blind.hex(request.phone);
      const onRegistry = registry.has(BlindIndex.key64FromHex(numberKey));
      const abandonDays = abandonOf.get(request.campaignId)!;
      // This check's own array: it becomes the decision's denials (`decideAfterLocal`).
      const denials = localDenials(plan, { onRegistry, abandonDays });
      return { plan, numberKey, onRegistry, denials, checkId: randomUUID(), reserve: plan.number.valid && denials.length === 0 };
    });
    const states = await state.checkAndReserve(prepared);
    const decidedAt = this.deps.now();
    const releases: Array<Promise<void>> = [];
    const out: CheckedDecision[] = [];
    const records: DecisionRecord[] = [];
    for (let i = 0; i < prepared.length; i++) {
      const p = prepared[i]!;
      const seen = states[i]!;
      const { facts, caps } = seen;
      const decided = decideAfterLocal(p.plan, facts, caps, p.denials);
      if (seen.reserved && !decided.allowed) releases.push(state.release(p.numberKey, p.plan.request.callerId, p.checkId));
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
      records.push(this.record(p.plan, p.numberKey, decision, decidedAt, facts, caps, p.onRegistry));
      out.push(decision);
    }
    try {
      await evidence.store(records);
    } catch (error) {
      // Nobody will dial on these decisions: give back the attempts they reserved (if Redis fails
      // too, the slots stay taken until they age out, which errs on the safe side).
      await Promise.allSettled([...releases, ...out.flatMap((d, i) => (d.allowed ? [state.release(prepared[i]!.numberKey, prepared[i]!.plan.request.callerId, d.checkId)] : []))]);
      throw new UnavailableError('the decisions could not be stored as evidence, so none is given; retry the check', { reason: 'EVIDENCE_UNAVAILABLE', cause: error });
    }
    if (releases.length > 0) await Promise.all(releases);
    return out;
  }

  private record(plan: DialPlan, numberKey: string, decision: CheckedDecision, decidedAt: number, facts: DecisionInputs['facts'], caps: DecisionInputs['caps'], onRegistry: boolean): DecisionRecord {
    const { request, policy, number } = plan;
    return {
      checkId: decision.checkId,
      decidedAt,
      dialAt: request.at,
      campaignId: request.campaignId,
      leadId: request.leadId,
      phoneKey: numberKey,
      maskedPhone: maskE164(request.phone),
      callerId: request.callerId,
      allowed: decision.allowed,
      denials: decision.denials,
      rulePacks: decision.rulePacks,
      timeZones: decision.timeZones,
      inputs: { policy, region: number.region, areaCode: number.areaCode ?? null, uncertainty: number.uncertainty ?? null, timeZoneOverride: request.timeZoneOverride ?? null, facts, caps, onRegistry },
    };
  }
}
