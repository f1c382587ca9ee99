import { abandonStatus, type AbandonWindowStatus } from './abandon.js';
import { capDenials, effectiveCaps, DAY_MS, type EffectiveCaps } from './caps.js';
import { refusalLockEnd } from './dnc.js';
import { describeNumber, type NumberInfo } from '@outbound/phone';
import { PackCatalogue, packLabel } from './packs/index.js';
import type {
  AbandonDay,
  CampaignPolicy,
  CapState,
  Decision,
  DialFacts,
  DialRequest,
  Denial,
  RulePackVersion,
} from './types.js';
import { checkWindow, explainWindow } from './window.js';

/** Everything about a dial that follows from the request, the policy and the packs alone. */
export interface DialPlan {
  readonly request: DialRequest;
  readonly policy: CampaignPolicy;
  readonly number: NumberInfo;
  readonly packs: readonly RulePackVersion[];
  readonly caps: EffectiveCaps;
  /** Denials that need no stored facts: number, window, caller ID. */
  readonly staticDenials: readonly Denial[];
  /** Refusal lock: undefined none, null final, else milliseconds. */
  readonly refusalLockMs: number | null | undefined;
  /** Lock-out after an abandoned call (0: none). */
  readonly abandonLockoutMs: number;
  readonly consentRequired: boolean;
  /** The pieces shared by every dial of the same policy, pack versions and region. */
  readonly packPlan?: PackPlan;
}

function selectPacks(
  catalogue: PackCatalogue,
  policy: CampaignPolicy,
  number: NumberInfo,
  at: number,
): RulePackVersion[] {
  const names =
    policy.rulePacks.length === 0 ? catalogue.names() : ['BASE', ...policy.rulePacks.filter((n) => n !== 'BASE')];
  const out: RulePackVersion[] = [];
  for (const name of names) {
    const pack = catalogue.at(name, at);
    if (!pack) continue;
    const { regions, areaCodes } = pack.scope;
    if (regions.length > 0 && !regions.includes(number.region)) continue;
    if (areaCodes && (!number.areaCode || !areaCodes.includes(number.areaCode))) continue;
    out.push(pack);
  }
  return out;
}

function platformLabel(packs: readonly RulePackVersion[]): string {
  const base = packs.find((p) => p.pack === 'BASE');
  return base ? packLabel(base) : 'engine';
}

function windowDenials(number: NumberInfo, packs: readonly RulePackVersion[], at: number, out: Denial[]): Denial[] {
  if (number.zones.length === 0) {
    out.push({
      reason: 'UNCERTAIN_TIME_ZONE',
      code: 'ZONE_UNKNOWN',
      rulePack: platformLabel(packs),
      text: 'the callee’s time zone cannot be derived from the number; set a zone override on the lead',
      data: { region: number.region },
    });
    return out;
  }
  for (const pack of packs) {
    if (!pack.window) continue;
    // Common case first: one zone, inside the window.
    if (number.zones.length === 1 && checkWindow(pack.window, number.zones[0]!, at).inside) continue;
    const verdicts = number.zones.map((zone) => ({ zone, ...checkWindow(pack.window!, zone, at) }));
    const outside = verdicts.filter((v) => !v.inside);
    if (outside.length === 0) continue;
    const first = outside[0]!;
    const explained = explainWindow(pack.window, first.zone, at);
    const data = {
      zonesOutside: outside.map((v) => v.zone).join(','),
      localTime: explained.local,
      window: explained.intervals,
      calendar: first.calendar,
    };
    if (outside.length < verdicts.length) {
      out.push({
        reason: 'UNCERTAIN_TIME_ZONE',
        code: 'WINDOW_UNCERTAIN_ZONE',
        rulePack: packLabel(pack),
        text: `the callee may be in ${outside.length} of ${verdicts.length} plausible zones where it is outside the calling window (${data.window})`,
        data: { ...data, uncertainty: number.uncertainty ?? '' },
      });
    } else {
      const code =
        first.calendar === 'holiday'
          ? 'WINDOW_HOLIDAY'
          : first.calendar === 'weekday'
            ? 'WINDOW_WEEKDAY'
            : first.calendar === 'invalid-zone'
              ? 'WINDOW_INVALID_ZONE'
              : 'WINDOW_HOURS';
      out.push({
        reason: 'OUTSIDE_CALLING_WINDOW',
        code,
        rulePack: packLabel(pack),
        text: `callee local time ${explained.local} is outside ${data.window}`,
        data,
      });
    }
  }
  return out;
}

interface PackDerived {
  readonly caps: EffectiveCaps;
  readonly refusalLockMs: number | null | undefined;
  readonly abandonLockoutMs: number;
}

// A handful of pack combinations recur on every dial: combine each once.
const derivedCache = new Map<string, PackDerived>();

function derivedFromPacks(packs: readonly RulePackVersion[], agentGuaranteed: boolean): PackDerived {
  const key = `${packs.map(packLabel).join('|')}#${agentGuaranteed}`;
  const hit = derivedCache.get(key);
  if (hit) return hit;
  let refusalLockMs: number | null | undefined;
  let abandonLockoutMs = 0;
  for (const pack of packs) {
    if (pack.refusalLockDays === null) refusalLockMs = null;
    else if (pack.refusalLockDays !== undefined && refusalLockMs !== null)
      refusalLockMs = Math.max(refusalLockMs ?? 0, pack.refusalLockDays * DAY_MS);
    if (pack.abandon?.lockoutHours && !agentGuaranteed)
      abandonLockoutMs = Math.max(abandonLockoutMs, pack.abandon.lockoutHours * 3_600_000);
  }
  const derived = { caps: effectiveCaps(packs), refusalLockMs, abandonLockoutMs };
  derivedCache.set(key, derived);
  return derived;
}

/** What follows from the policy, the packs in effect and the number's region alone. */
interface PackPlan extends PackDerived {
  readonly policy: CampaignPolicy;
  readonly packs: readonly RulePackVersion[];
  readonly consentRequired: boolean;
  /** `PACK@version` of each pack, in order (the decision's `rulePacks`). */
  readonly labels: readonly string[];
  readonly maxCallSeconds: number;
  readonly minRingSeconds: number;
  readonly maxAgentConnectSeconds: number;
}

/**
 * Pack plans per policy object (the policy cache serves one object per campaign until it is
 * re-read), then per versions in effect, region and area code: thousands of checks a second
 * share a handful of plans instead of selecting and combining packs for each.
 */
const packPlans = new WeakMap<PackCatalogue, WeakMap<CampaignPolicy, Map<string, PackPlan>>>();
const PACK_PLANS_MAX = 4096;

function packPlan(catalogue: PackCatalogue, policy: CampaignPolicy, number: NumberInfo, at: number): PackPlan {
  let byPolicy = packPlans.get(catalogue);
  if (!byPolicy) {
    byPolicy = new WeakMap();
    packPlans.set(catalogue, byPolicy);
  }
  let plans = byPolicy.get(policy);
  if (!plans) {
    plans = new Map();
    byPolicy.set(policy, plans);
  }
  const key = `${catalogue.epoch(at)}|${number.region}|${number.areaCode ?? ''}`;
  let plan = plans.get(key);
  if (!plan) {
    const packs = selectPacks(catalogue, policy, number, at);
    plan = {
      policy,
      packs,
      ...derivedFromPacks(packs, policy.agentGuaranteed),
      consentRequired: policy.requireConsent || packs.some((p) => p.consent === 'always'),
      labels: Object.freeze(packs.map(packLabel)),
      maxCallSeconds: policy.marketing
        ? finiteOrZero(Math.min(...packs.map((p) => p.maxMarketingCallSeconds ?? Infinity)))
        : 0,
      minRingSeconds: Math.max(0, ...packs.map((p) => p.minRingSeconds ?? 0)),
      maxAgentConnectSeconds: finiteOrZero(Math.min(...packs.map((p) => p.maxAgentConnectSeconds ?? Infinity))),
    };
    if (plans.size >= PACK_PLANS_MAX) plans.clear();
    plans.set(key, plan);
  }
  return plan;
}

/**
 * How long a refusal locks `phone` under `policy` at `at`: milliseconds, `null` for good, or
 * `undefined` when no pack in effect locks after a refusal. The packs follow from the number's
 * region (as for a dial to it), so no dial is needed to ask.
 */
export function refusalLockMs(
  phone: string,
  policy: CampaignPolicy,
  catalogue: PackCatalogue,
  at: number,
): number | null | undefined {
  return packPlan(catalogue, policy, describeNumber(phone), at).refusalLockMs;
}

/** Work out which packs apply and what the request alone violates. */
export function planDial(request: DialRequest, policy: CampaignPolicy, catalogue: PackCatalogue): DialPlan {
  const number = describeNumber(request.phone, request.timeZoneOverride);
  const packPlanned = packPlan(catalogue, policy, number, request.at);
  const { packs } = packPlanned;
  const staticDenials: Denial[] = [];
  if (!number.valid) {
    staticDenials.push({
      reason: 'INVALID_NUMBER',
      code: 'INVALID_NUMBER',
      rulePack: platformLabel(packs),
      text: 'not a valid E.164 number',
      data: {},
    });
  } else {
    windowDenials(number, packs, request.at, staticDenials);
  }
  for (const pack of packs) {
    if (pack.officialCallerIdOnly && !policy.officialCallerIds.includes(request.callerId)) {
      staticDenials.push({
        reason: 'CALLER_ID_NOT_ALLOWED',
        code: 'CALLER_ID_NOT_OFFICIAL',
        rulePack: packLabel(pack),
        text: 'caller ID is not one of the campaign’s registered official numbers',
        data: { callerId: request.callerId },
      });
    }
  }
  return {
    request,
    policy,
    number,
    packs,
    caps: packPlanned.caps,
    refusalLockMs: packPlanned.refusalLockMs,
    abandonLockoutMs: packPlanned.abandonLockoutMs,
    staticDenials,
    consentRequired: packPlanned.consentRequired,
    packPlan: packPlanned,
  };
}

/**
 * Abandon status per (counts snapshot, pack versions, UTC day). The hot path serves one cached
 * counts array per campaign until it is refreshed (a new array), and the status depends only on
 * the counts, the packs and the UTC day of the dial, so thousands of checks a second share one
 * computation. A new snapshot, another day or another pack version is a miss.
 */
const abandonCache = new WeakMap<readonly AbandonDay[], Map<string, Map<number, readonly AbandonWindowStatus[]>>>();
const ABANDON_KEYS_MAX = 64;
/** `PACK@version|…` of a packs array (plans share one array per pack plan): no key built per check. */
const packsKeys = new WeakMap<readonly RulePackVersion[], string>();

export function cachedAbandonStatus(
  packs: readonly RulePackVersion[],
  days: readonly AbandonDay[],
  at: number,
): readonly AbandonWindowStatus[] {
  let byPacks = abandonCache.get(days);
  if (!byPacks) {
    byPacks = new Map();
    abandonCache.set(days, byPacks);
  }
  let packsKey = packsKeys.get(packs);
  if (packsKey === undefined) {
    packsKey = '';
    for (const pack of packs) packsKey += `|${pack.pack}@${pack.version}`;
    packsKeys.set(packs, packsKey);
  }
  let byDay = byPacks.get(packsKey);
  if (!byDay) {
    if (byPacks.size >= ABANDON_KEYS_MAX) byPacks.clear();
    byDay = new Map();
    byPacks.set(packsKey, byDay);
  }
  const day = Math.floor(at / DAY_MS);
  let statuses = byDay.get(day);
  if (!statuses) {
    statuses = abandonStatus(packs, days, at);
    if (byDay.size >= ABANDON_KEYS_MAX) byDay.clear();
    byDay.set(day, statuses);
  }
  return statuses;
}

/** Denials that follow from facts known in this process (the loaded registry, abandon counts). */
export function localDenials(plan: DialPlan, facts: Pick<DialFacts, 'onRegistry' | 'abandonDays'>): Denial[] {
  const out: Denial[] = [...plan.staticDenials];
  if (facts.onRegistry)
    out.push({
      reason: 'DO_NOT_CALL',
      code: 'DNC_REGISTRY',
      rulePack: platformLabel(plan.packs),
      text: 'number is on an imported do-not-call registry',
      data: {},
    });
  for (const status of cachedAbandonStatus(plan.packs, facts.abandonDays, plan.request.at)) {
    if (status.action !== 'STOP') continue;
    out.push({
      reason: 'ABANDON_RATE',
      code: 'ABANDON_RATE_LIMIT',
      rulePack: status.rulePack,
      text: `campaign abandon rate ${(status.rate * 100).toFixed(2)} % over ${status.windowDays} day(s) has reached the limit of ${(status.limit * 100).toFixed(1)} %`,
      data: {
        answered: String(status.answered),
        abandoned: String(status.abandoned),
        rate: status.rate.toFixed(4),
        limit: String(status.limit),
      },
    });
  }
  return out;
}

/** Denials from the shared per-number facts (lists, refusals, consent, lock-outs). */
export function factDenials(plan: DialPlan, facts: Omit<DialFacts, 'onRegistry' | 'abandonDays'>): Denial[] {
  const out: Denial[] = [];
  const at = plan.request.at;
  const base = platformLabel(plan.packs);
  if (facts.internalDnc)
    out.push({
      reason: 'DO_NOT_CALL',
      code: 'DNC_INTERNAL',
      rulePack: base,
      text: 'number is on the internal do-not-call list',
      data: {},
    });
  if (facts.optedOut)
    out.push({
      reason: 'OPTED_OUT',
      code: 'OPT_OUT',
      rulePack: base,
      text: 'the customer unsubscribed (退订); no further contact',
      data: {},
    });
  const lockEnd = facts.refusedAt === undefined ? undefined : refusalLockEnd(facts.refusedAt, plan.refusalLockMs);
  if (facts.refusedAt !== undefined && lockEnd !== undefined) {
    const lockPack =
      plan.packs.find((p) => p.refusalLockDays === null) ??
      plan.packs
        .filter((p) => p.refusalLockDays != null)
        .sort((a, b) => (b.refusalLockDays ?? 0) - (a.refusalLockDays ?? 0))[0];
    const label = lockPack ? packLabel(lockPack) : base;
    if (lockEnd === null) {
      out.push({
        reason: 'REFUSAL_LOCK',
        code: 'REFUSAL_FINAL',
        rulePack: label,
        text: 'the customer refused; under this pack a refusal is final',
        data: { refusedAt: new Date(facts.refusedAt).toISOString() },
      });
    } else if (at < lockEnd) {
      const until = new Date(lockEnd).toISOString();
      out.push({
        reason: 'REFUSAL_LOCK',
        code: 'REFUSAL_LOCK',
        rulePack: label,
        text: `the customer refused; locked until ${until}`,
        data: { refusedAt: new Date(facts.refusedAt).toISOString(), lockedUntil: until },
      });
    }
  }
  if (
    facts.lastAbandonedAt !== undefined &&
    plan.abandonLockoutMs > 0 &&
    at < facts.lastAbandonedAt + plan.abandonLockoutMs
  ) {
    const pack = plan.packs.find((p) => p.abandon?.lockoutHours);
    out.push({
      reason: 'ABANDON_LOCKOUT',
      code: 'ABANDON_LOCKOUT',
      rulePack: pack ? packLabel(pack) : base,
      text: `a call to this lead was abandoned at ${new Date(facts.lastAbandonedAt).toISOString()}; no repeat call within ${plan.abandonLockoutMs / 3_600_000} h unless an agent is guaranteed`,
      data: { abandonedAt: new Date(facts.lastAbandonedAt).toISOString() },
    });
  }
  if (plan.consentRequired && (facts.consentGivenAt === undefined || facts.consentGivenAt > at)) {
    const pack = plan.packs.find((p) => p.consent);
    out.push({
      reason: 'NO_CONSENT',
      code: 'CONSENT_REQUIRED',
      rulePack: pack ? packLabel(pack) : 'campaign',
      text: 'the campaign requires recorded consent and none is on file for this number',
      data: {},
    });
  }
  return out;
}

/** 0 stands for "no limit" on the wire. */
function finiteOrZero(value: number): number {
  return Number.isFinite(value) ? value : 0;
}

/**
 * The whole decision from a plan, the facts and the cap state before reservation. `local` is
 * `localDenials(plan, facts)` when the caller already computed it (the hot path does, to decide
 * whether to reserve).
 */
export function decide(
  plan: DialPlan,
  facts: DialFacts,
  capState: CapState,
  local: readonly Denial[] = localDenials(plan, facts),
): Decision {
  return decideAfterLocal(plan, facts, capState, (local as Denial[]).slice());
}

/**
 * `decide` for the hot path: `local` is this check's own `localDenials` array, which becomes (and
 * may be extended into) the decision's denials instead of being copied; the local facts
 * (registry, abandon counts) are already in it, so only the shared facts are needed.
 */
export function decideAfterLocal(
  plan: DialPlan,
  facts: Omit<DialFacts, 'onRegistry' | 'abandonDays'>,
  capState: CapState,
  local: Denial[],
): Decision {
  const denials = local;
  for (const denial of factDenials(plan, facts)) denials.push(denial);
  for (const denial of capDenials(capState, plan.caps, plan.request.at)) denials.push(denial);
  const shared = plan.packPlan;
  if (shared && shared.policy === plan.policy && shared.packs === plan.packs && shared.caps === plan.caps) {
    return {
      allowed: denials.length === 0,
      denials,
      rulePacks: shared.labels,
      timeZones: plan.number.zones,
      maxCallSeconds: shared.maxCallSeconds,
      minRingSeconds: shared.minRingSeconds,
      maxAgentConnectSeconds: shared.maxAgentConnectSeconds,
    };
  }
  return {
    allowed: denials.length === 0,
    denials,
    rulePacks: plan.packs.map(packLabel),
    timeZones: plan.number.zones,
    maxCallSeconds: plan.policy.marketing
      ? finiteOrZero(Math.min(...plan.packs.map((p) => p.maxMarketingCallSeconds ?? Infinity)))
      : 0,
    minRingSeconds: Math.max(0, ...plan.packs.map((p) => p.minRingSeconds ?? 0)),
    maxAgentConnectSeconds: finiteOrZero(Math.min(...plan.packs.map((p) => p.maxAgentConnectSeconds ?? Infinity))),
  };
}

/** Plan and decide in one step (tests, the in-process benchmark). */
export function decideDial(
  request: DialRequest,
  policy: CampaignPolicy,
  facts: DialFacts,
  capState: CapState,
  catalogue: PackCatalogue,
): Decision {
  return decide(planDial(request, policy, catalogue), facts, capState);
}
