import { readFileSync } from 'node:fs';
import type { Keyspace, Redis } from '@outbound/redis';
import type { DialPlan } from '../../domain/engine.js';
import type { NumberListing } from '../../domain/dnc.js';
import type { CapState, DialFacts } from '../../domain/types.js';

const script = readFileSync(new URL('../../../../src/adapters/redis/dial-state.lua', import.meta.url), 'utf8');

/** What the script saw and did for one dial. */
export interface DialState {
  readonly caps: CapState;
  readonly facts: Omit<DialFacts, 'onRegistry' | 'abandonDays'>;
  readonly reserved: boolean;
}

export interface DialStateInput {
  readonly plan: DialPlan;
  readonly numberKey: string;
  readonly checkId: string;
  /** False when the dial is already denied: look, but do not reserve. */
  readonly reserve: boolean;
}

const KEY_PART = /^[A-Za-z0-9_.@-]+$/;
const HEX = /^[0-9a-f]+$/;
const CALLER = /^\+?[0-9]+$/;

function num(value: string): number | undefined {
  return value === '' ? undefined : Number(value);
}

/** Fields of the number's state hash: global list entries, then one campaign's own (`<field>:<campaign id>`). */
const LIST_FIELDS = ['dnc', 'optout', 'refusedAt'] as const;
export type ListField = (typeof LIST_FIELDS)[number];

/** Global and campaign entries combined: on a list if either says so; the later refusal counts. */
function listingOf(dnc: string, optout: string, refusedAt: string, campaignDnc: string, campaignOptout: string, campaignRefusedAt: string): Omit<NumberListing, 'onRegistry'> {
  const refused = Math.max(num(refusedAt) ?? -Infinity, num(campaignRefusedAt) ?? -Infinity);
  return { internalDnc: dnc !== '' || campaignDnc !== '', optedOut: optout !== '' || campaignOptout !== '', ...(refused > -Infinity ? { refusedAt: refused } : {}) };
}

/**
 * Dials per script call: one call instead of one per dial saves Redis and client work, and a
 * bounded chunk keeps any one call short (Redis serves nobody else while a script runs).
 */
const DIALS_PER_CALL = 64;
/** Values the script returns per dial. */
const RESULT_WIDTH = 14;

function parseDial(r: readonly string[], at: number): DialState {
  const leadLast = r[at + 1]!;
  const callerLast = r[at + 3]!;
  const caps: CapState = {
    leadCount: Number(r[at]),
    callerCount: Number(r[at + 2]),
    ...(leadLast ? { leadLastAt: Number(leadLast) } : {}),
    ...(callerLast ? { callerLastAt: Number(callerLast) } : {}),
  };
  // dnc, optout, refusedAt, then the campaign's own three (see the script's return order).
  const listing = listingOf(r[at + 5]!, r[at + 6]!, r[at + 7]!, r[at + 11]!, r[at + 12]!, r[at + 13]!);
  const abandonedAt = num(r[at + 9]!);
  const consent = num(r[at + 10]!);
  const facts: DialState['facts'] = {
    ...listing,
    optedOut: listing.optedOut || r[at + 8]! !== '',
    ...(abandonedAt !== undefined ? { lastAbandonedAt: abandonedAt } : {}),
    ...(consent !== undefined ? { consentGivenAt: consent } : {}),
  };
  return { caps, facts, reserved: r[at + 4] === '1' };
}

/**
 * Per-number and per-caller-ID state in Redis: attempt reservations (the caps), lists, refusals,
 * opt-outs, consent and abandon lock-outs, read and reserved by one script call per
 * `DIALS_PER_CALL` dials, all in one pipeline.
 */
export class DialStateStore {
  private sha: string | undefined;
  /** `<prefix>:compliance:<kind>:` per kind, so the hot path concatenates instead of re-validating. */
  private readonly kindPrefix: Readonly<Record<'num' | 'lead' | 'consent' | 'cid' | 'attempts', string>>;

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keyspace,
  ) {
    const prefixOf = (kind: string) => keys.key(kind, '_').slice(0, -1);
    this.kindPrefix = { num: prefixOf('num'), lead: prefixOf('lead'), consent: prefixOf('consent'), cid: prefixOf('cid'), attempts: prefixOf('attempts') };
  }

  /**
   * Keys of one dial without Keyspace's per-part checks: the blind index is hex and the caller ID
   * E.164 by construction; lead and campaign ids are checked here with one test each (the same
   * key-safe alphabet), so a bad id still cannot change a key's shape.
   */
  private dialKeys(numberKey: string, callerId: string, leadId: string, campaignId: string): [string, string, string, string, string] {
    if (!KEY_PART.test(leadId) || !KEY_PART.test(campaignId) || !HEX.test(numberKey) || !CALLER.test(callerId)) {
      return [this.attemptsKey(numberKey), this.callerKey(callerId), this.numberStateKey(numberKey), this.leadStateKey(leadId), this.consentKey(campaignId, numberKey)];
    }
    const p = this.kindPrefix;
    return [p.attempts + numberKey, p.cid + (callerId.charCodeAt(0) === 43 ? callerId.slice(1) : callerId), p.num + numberKey, p.lead + leadId, `${p.consent}${campaignId}:${numberKey}`];
  }

  private async scriptSha(reload = false): Promise<string> {
    if (!this.sha || reload) this.sha = String(await this.redis.script('LOAD', script));
    return this.sha;
  }

  numberStateKey(numberKey: string): string {
    return this.keys.key('num', numberKey);
  }

  leadStateKey(leadId: string): string {
    return this.keys.key('lead', leadId);
  }

  consentKey(campaignId: string, numberKey: string): string {
    return this.keys.key('consent', campaignId, numberKey);
  }

  private callerKey(callerId: string): string {
    return this.keys.key('cid', callerId.replace(/^\+/, ''));
  }

  private attemptsKey(numberKey: string): string {
    return this.keys.key('attempts', numberKey);
  }

  async checkAndReserve(inputs: readonly DialStateInput[]): Promise<DialState[]> {
    try {
      return await this.run(inputs, await this.scriptSha());
    } catch (error) {
      // A restarted Redis forgets loaded scripts; nothing ran, so load it again and retry once.
      if (!(error instanceof Error) || !error.message.includes('NOSCRIPT')) throw error;
      return this.run(inputs, await this.scriptSha(true));
    }
  }

  private async run(inputs: readonly DialStateInput[], sha: string): Promise<DialState[]> {
    const pipeline = this.redis.pipeline();
    for (let from = 0; from < inputs.length; from += DIALS_PER_CALL) {
      const chunk = inputs.slice(from, from + DIALS_PER_CALL);
      const keys: string[] = [];
      const args: string[] = [];
      for (const input of chunk) {
        const { plan } = input;
        const lead = plan.caps.lead;
        const caller = plan.caps.callerId;
        keys.push(...this.dialKeys(input.numberKey, plan.request.callerId, plan.request.leadId, plan.request.campaignId));
        // One argument per dial (see the script): 12 fields joined by ',', the campaign id last.
        args.push(
          `${plan.request.at},${lead ? lead.maxPer24h : -1},${lead ? lead.minGapMinutes * 60_000 : 0},${caller ? caller.maxPer24h : -1},${caller ? caller.minGapSeconds * 1000 : 0},${input.reserve ? 1 : 0},${input.checkId},${plan.refusalLockMs === undefined ? -1 : plan.refusalLockMs === null ? -2 : plan.refusalLockMs},${plan.abandonLockoutMs},${plan.consentRequired ? 1 : 0},${input.numberKey},${plan.request.campaignId}`,
        );
      }
      pipeline.evalsha(sha, keys.length, ...keys, ...args);
    }
    const results = (await pipeline.exec()) ?? [];
    const out: DialState[] = [];
    for (const [error, raw] of results) {
      if (error) throw error;
      const values = raw as Array<number | string>;
      const strings = values.map(String);
      for (let at = 0; at < strings.length; at += RESULT_WIDTH) out.push(parseDial(strings, at));
    }
    return out;
  }

  /** Undo a reservation whose final decision was a deny (keeps the caps exact). */
  async release(numberKey: string, callerId: string, checkId: string): Promise<void> {
    await this.redis.multi().zrem(this.attemptsKey(numberKey), checkId).zrem(this.callerKey(callerId), checkId).exec();
  }

  /** Put a number on a list, for every campaign or (with `campaignId`) for that campaign only. */
  async markNumber(numberKey: string, field: ListField, value: string, campaignId?: string): Promise<void> {
    await this.redis.hset(this.numberStateKey(numberKey), campaignId ? `${field}:${campaignId}` : field, value);
  }

  /**
   * The list entries of many numbers (global ones plus `campaignId`'s own), read only: one
   * pipeline, nothing reserved or remembered.
   */
  async listings(numberKeys: readonly string[], campaignId: string): Promise<Array<Omit<NumberListing, 'onRegistry'>>> {
    const fields = campaignId ? [...LIST_FIELDS, ...LIST_FIELDS.map((f) => `${f}:${campaignId}`)] : LIST_FIELDS;
    const pipeline = this.redis.pipeline();
    for (const key of numberKeys) pipeline.hmget(this.numberStateKey(key), ...fields);
    const results = (await pipeline.exec()) ?? [];
    return results.map(([error, raw]) => {
      if (error) throw error;
      const [dnc, optout, refusedAt, campaignDnc, campaignOptout, campaignRefusedAt] = (raw as Array<string | null>).map((v) => v ?? '');
      return listingOf(dnc ?? '', optout ?? '', refusedAt ?? '', campaignDnc ?? '', campaignOptout ?? '', campaignRefusedAt ?? '');
    });
  }

  async recordConsent(campaignId: string, numberKey: string, givenAt: number): Promise<void> {
    // Keep the earliest consent: a later record must not move the date past dials made under it.
    await this.redis.set(this.consentKey(campaignId, numberKey), String(givenAt), 'NX');
  }

  /** An opt-out that names only the lead: lock the lead, and its number if a check has seen it. */
  async optOutLead(leadId: string): Promise<string | undefined> {
    const key = this.leadStateKey(leadId);
    const [, numberKey] = (await this.redis.multi().hset(key, 'optout', '1').hget(key, 'num').exec()) ?? [];
    const value = numberKey?.[1];
    if (typeof value === 'string' && value !== '') {
      await this.markNumber(value, 'optout', '1');
      return value;
    }
    return undefined;
  }

  async markAbandoned(leadId: string, at: number): Promise<void> {
    await this.redis.hset(this.leadStateKey(leadId), 'abandonedAt', String(at));
  }
}
