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

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keyspace,
  ) {}

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
      pipeline.evalsha(
        sha,
        5,
        this.attemptsKey(input.numberKey),
        this.callerKey(plan.request.callerId),
        this.numberStateKey(input.numberKey),
        this.leadStateKey(plan.request.leadId),
        this.consentKey(plan.request.campaignId, input.numberKey),
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
