import { readFileSync } from 'node:fs';
import type { Keyspace, Redis } from '@outbound/redis';
import type { DialPlan } from '../../domain/engine.js';
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

/**
 * Per-number and per-caller-ID state in Redis: attempt reservations (the caps), lists, refusals,
 * opt-outs, consent and abandon lock-outs, read and reserved with one script call per dial and
 * one pipeline per batch.
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
    for (const input of inputs) {
      const { plan } = input;
      const lead = plan.caps.lead;
      const caller = plan.caps.callerId;
      const [attempts, callerCalls, numberState, leadState, consent] = this.dialKeys(input.numberKey, plan.request.callerId, plan.request.leadId, plan.request.campaignId);
      pipeline.evalsha(
        sha,
        5,
        attempts,
        callerCalls,
        numberState,
        leadState,
        consent,
        plan.request.at,
        lead ? lead.maxPer24h : -1,
        lead ? lead.minGapMinutes * 60_000 : 0,
        caller ? caller.maxPer24h : -1,
        caller ? caller.minGapSeconds * 1000 : 0,
        input.reserve ? 1 : 0,
        input.checkId,
        plan.refusalLockMs === undefined ? -1 : plan.refusalLockMs === null ? -2 : plan.refusalLockMs,
        plan.abandonLockoutMs,
        plan.consentRequired ? 1 : 0,
        input.numberKey,
      );
    }
    const results = (await pipeline.exec()) ?? [];
    return results.map(([error, raw]) => {
      if (error) throw error;
      const r = (raw as Array<number | string>).map(String);
      const [leadCount, leadLast, callerCount, callerLast, reserved, dnc, optout, refusedAt, leadOptout, abandonedAt, consent] = r as [string, string, string, string, string, string, string, string, string, string, string];
      const caps: CapState = {
        leadCount: Number(leadCount),
        callerCount: Number(callerCount),
        ...(leadLast ? { leadLastAt: Number(leadLast) } : {}),
        ...(callerLast ? { callerLastAt: Number(callerLast) } : {}),
      };
      const facts: DialState['facts'] = {
        internalDnc: dnc !== '',
        optedOut: optout !== '' || leadOptout !== '',
        ...(num(refusedAt) !== undefined ? { refusedAt: num(refusedAt)! } : {}),
        ...(num(abandonedAt) !== undefined ? { lastAbandonedAt: num(abandonedAt)! } : {}),
        ...(num(consent) !== undefined ? { consentGivenAt: num(consent)! } : {}),
      };
      return { caps, facts, reserved: reserved === '1' };
    });
  }

  /** Undo a reservation whose final decision was a deny (keeps the caps exact). */
  async release(numberKey: string, callerId: string, checkId: string): Promise<void> {
    await this.redis.multi().zrem(this.attemptsKey(numberKey), checkId).zrem(this.callerKey(callerId), checkId).exec();
  }

  async markNumber(numberKey: string, field: 'dnc' | 'optout' | 'refusedAt', value: string): Promise<void> {
    await this.redis.hset(this.numberStateKey(numberKey), field, value);
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
