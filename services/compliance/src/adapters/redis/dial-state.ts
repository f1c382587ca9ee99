import { readFileSync } from 'node:fs';
import type { Keyspace, Redis } from '@outbound/redis';
import type { DialPlan } from '../../domain/engine.js';
import type { NumberListing } from '../../domain/dnc.js';
import type { CapState, DialFacts } from '../../domain/types.js';

/**
 * One dial in the script's argument, in this order: the script's loop variables are these names
 * (see dial-state.lua), and `encodeDial` writes them in this order. Each value is followed by ','.
 */
export const DIAL_FIELDS = [
  /** The dial's instant (ms). */
  'nowMs',
  /** Most attempts to the number in 24 h; -1 none. */
  'leadMax',
  /** Least time between attempts to the number (ms). */
  'leadGapMs',
  /** Most attempts from the caller ID in 24 h; -1 none. */
  'callerMax',
  /** Least time between attempts from the caller ID (ms). */
  'callerGapMs',
  /** 1: reserve the attempt if nothing denies it; 0: look only. */
  'reserve',
  /** The reservation's member (the check id). */
  'member',
  /** How long a refusal locks (ms); -1 no lock, -2 for good. */
  'refusalLockMs',
  /** How long an abandoned call locks the lead out (ms). */
  'lockoutMs',
  /** 1/0: a consent is required (then read and returned). */
  'consentRequired',
  /** The number's blind index (remembered on the lead for opt-outs that name only the lead). */
  'numberKey',
  /** The campaign (its own list entries are fields suffixed `:<campaign id>`). */
  'campaignId',
  /** The caller ID's digits, no '+'. */
  'caller',
  'leadId',
  /** The version of the campaign policy the dial was planned under. */
  'policyVersion',
] as const;
export type DialField = (typeof DIAL_FIELDS)[number];

/**
 * What the script returns per dial, in this order: the script's reply variables are these names.
 * List entries are '1' or '', times digits or ''.
 */
export const REPLY_FIELDS = [
  /** Attempts to the number in the last 24 h, and the last one's instant. */
  'leadCount',
  'leadLastAt',
  /** Attempts from the caller ID in the last 24 h, and the last one's instant. */
  'callerCount',
  'callerLastAt',
  /** 1: the attempt was reserved. */
  'reserved',
  /** Global list entries of the number. */
  'dnc',
  'optout',
  'refusedAt',
  /** The lead opted out (an opt-out that named only the lead). */
  'leadOptout',
  'abandonedAt',
  /** Read only when the dial requires a consent. */
  'consentGivenAt',
  /** The campaign's own list entries of the number. */
  'campaignDnc',
  'campaignOptout',
  'campaignRefusedAt',
  /** '1': the campaign's policy changed since the dial was planned; nothing was read or reserved. */
  'stalePolicy',
] as const;
type ReplyField = (typeof REPLY_FIELDS)[number];

/** Each reply field's position among a dial's values. */
const AT = Object.freeze(Object.fromEntries(REPLY_FIELDS.map((field, i) => [field, i]))) as Readonly<
  Record<ReplyField, number>
>;

/**
 * The script with its layout filled in from DIAL_FIELDS and REPLY_FIELDS (a package asset beside
 * migrations/, what an image ships with dist/, read once at start).
 */
export const dialStateScript = (() => {
  const source = readFileSync(new URL('../../../../redis/dial-state.lua', import.meta.url), 'utf8');
  const emit = `${REPLY_FIELDS.map((_, i) => `out[n + ${i + 1}]`).join(', ')} = ${REPLY_FIELDS.join(', ')}; n = n + ${REPLY_FIELDS.length}`;
  const filled = source
    .replace('$DIAL_FIELDS', DIAL_FIELDS.join(', '))
    .replace('$DIAL_WIDTH', String(DIAL_FIELDS.length))
    .replace('$EMIT_REPLY', emit);
  if (/\$[A-Z_]+/.test(filled)) throw new Error('dial-state.lua: a layout placeholder is left unfilled');
  return filled;
})();

/** One dial as the script reads it (see DIAL_FIELDS): named here, ordered by the layout. */
export function encodeDial(dial: Readonly<Record<DialField, string | number>>): string {
  let text = '';
  for (const field of DIAL_FIELDS) text += `${dial[field]},`;
  return `${text};`;
}

/** What the script saw and did for one dial. */
export interface DialState {
  readonly caps: CapState;
  readonly facts: Omit<DialFacts, 'onRegistry' | 'abandonDays'>;
  readonly reserved: boolean;
  /** A newer policy version was announced for the campaign: nothing was read or reserved; plan it again. */
  readonly stalePolicy: boolean;
}

export interface DialStateInput {
  readonly plan: DialPlan;
  readonly numberKey: string;
  readonly checkId: string;
  /** False when the dial is already denied: look, but do not reserve. */
  readonly reserve: boolean;
  /** The version of the campaign policy the plan used (0: the defaults, never set). */
  readonly policyVersion: number;
}

const KEY_PART = /^[A-Za-z0-9_.@-]+$/;
const HEX = /^[0-9a-f]+$/;
const CALLER = /^\+?[0-9]+$/;

function num(value: string): number | undefined {
  return value === '' ? undefined : Number(value);
}

const ANNOUNCE = `if tonumber(ARGV[1]) > tonumber(redis.call('GET', KEYS[1]) or '0') then redis.call('SET', KEYS[1], ARGV[1]) end`;

/** Fields of the number's state hash: global list entries, then one campaign's own (`<field>:<campaign id>`). */
const LIST_FIELDS = ['dnc', 'optout', 'refusedAt'] as const;
export type ListField = (typeof LIST_FIELDS)[number];

/** Global and campaign entries combined: on a list if either says so; the later refusal counts. */
function listingOf(
  dnc: string,
  optout: string,
  refusedAt: string,
  campaignDnc: string,
  campaignOptout: string,
  campaignRefusedAt: string,
): Omit<NumberListing, 'onRegistry'> {
  const refused = Math.max(num(refusedAt) ?? -Infinity, num(campaignRefusedAt) ?? -Infinity);
  return {
    internalDnc: dnc !== '' || campaignDnc !== '',
    optedOut: optout !== '' || campaignOptout !== '',
    ...(refused > -Infinity ? { refusedAt: refused } : {}),
  };
}

/**
 * Dials per script call: one call instead of one per dial saves Redis and client work, and a
 * bounded chunk keeps any one call short (Redis serves nobody else while a script runs).
 */
const DIALS_PER_CALL = 64;
/** Values the script returns per dial. */
const RESULT_WIDTH = REPLY_FIELDS.length;

/** A field of the script's string reply, `text.slice(from, to)`, as a number (undefined when empty). */
function numberAt(text: string, from: number, to: number): number | undefined {
  return to === from ? undefined : Number(text.slice(from, to));
}

/** Where each value of the dial being parsed starts and ends (reused: one reply is parsed at a time). */
const starts = new Int32Array(RESULT_WIDTH);
const ends = new Int32Array(RESULT_WIDTH);

/** The reply field of the dial being parsed, as a number (undefined when empty). */
const numberOf = (text: string, field: ReplyField) => numberAt(text, starts[AT[field]]!, ends[AT[field]]!);
/** Whether the reply field of the dial being parsed is set (a list entry: '1'). */
const isSet = (field: ReplyField) => ends[AT[field]] !== starts[AT[field]];

/**
 * The dials of the script's reply (REPLY_FIELDS per dial, each followed by ','), without a string
 * per value (most are empty).
 */
function parseReply(text: string, out: DialState[]): void {
  let at = 0;
  while (at < text.length) {
    for (let i = 0; i < RESULT_WIDTH; i++) {
      starts[i] = at;
      at = text.indexOf(',', at);
      if (at < 0) throw new Error('malformed dial-state reply');
      ends[i] = at++;
    }
    const leadLastAt = numberOf(text, 'leadLastAt');
    const callerLastAt = numberOf(text, 'callerLastAt');
    const leadCount = numberOf(text, 'leadCount') ?? 0;
    const callerCount = numberOf(text, 'callerCount') ?? 0;
    const caps: CapState =
      leadLastAt === undefined
        ? callerLastAt === undefined
          ? { leadCount, callerCount }
          : { leadCount, callerCount, callerLastAt }
        : callerLastAt === undefined
          ? { leadCount, callerCount, leadLastAt }
          : { leadCount, callerCount, leadLastAt, callerLastAt };
    // Global and campaign entries combined, as `listingOf` does; the later refusal counts.
    const refusedAt = Math.max(
      numberOf(text, 'refusedAt') ?? -Infinity,
      numberOf(text, 'campaignRefusedAt') ?? -Infinity,
    );
    const internalDnc = isSet('dnc') || isSet('campaignDnc');
    const optedOut = isSet('optout') || isSet('campaignOptout') || isSet('leadOptout');
    const facts: { -readonly [K in keyof DialState['facts']]: DialState['facts'][K] } =
      refusedAt > -Infinity ? { internalDnc, optedOut, refusedAt } : { internalDnc, optedOut };
    const abandonedAt = numberOf(text, 'abandonedAt');
    if (abandonedAt !== undefined) facts.lastAbandonedAt = abandonedAt;
    const consent = numberOf(text, 'consentGivenAt');
    if (consent !== undefined) facts.consentGivenAt = consent;
    const reserved = AT.reserved;
    out.push({
      caps,
      facts,
      reserved: ends[reserved]! - starts[reserved]! === 1 && text.charCodeAt(starts[reserved]!) === 49,
      stalePolicy: isSet('stalePolicy'),
    });
  }
}

/**
 * Per-number and per-caller-ID state in Redis: attempt reservations (the caps), lists, refusals,
 * opt-outs, consent and abandon lock-outs, read and reserved by one script call per
 * `DIALS_PER_CALL` dials, all in one pipeline.
 */
export class DialStateStore {
  private sha: string | undefined;
  /** `<prefix>:compliance:<kind>:` per kind, so the hot path concatenates instead of re-validating. */
  private readonly kindPrefix: Readonly<Record<'num' | 'lead' | 'consent' | 'cid' | 'attempts' | 'policyver', string>>;

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keyspace,
  ) {
    const prefixOf = (kind: string) => keys.key(kind, '_').slice(0, -1);
    this.kindPrefix = {
      num: prefixOf('num'),
      lead: prefixOf('lead'),
      consent: prefixOf('consent'),
      cid: prefixOf('cid'),
      attempts: prefixOf('attempts'),
      policyver: prefixOf('policyver'),
    };
  }

  /**
   * Checks the parts the script builds a dial's keys from, without Keyspace's per-part checks on
   * the hot path: the blind index is hex and the caller ID E.164 by construction, lead and
   * campaign ids take one test each; a part outside the key alphabet goes through Keyspace, which
   * throws (this also keeps ',' and ';' out of the script's argument). Answers the caller ID
   * without '+'.
   */
  private checkedParts(numberKey: string, callerId: string, leadId: string, campaignId: string): string {
    if (!KEY_PART.test(leadId) || !KEY_PART.test(campaignId) || !HEX.test(numberKey) || !CALLER.test(callerId)) {
      // Throws for any part outside the alphabet, as the keys themselves would.
      this.attemptsKey(numberKey);
      this.callerKey(callerId);
      this.leadStateKey(leadId);
      this.consentKey(campaignId, numberKey);
    }
    return callerId.charCodeAt(0) === 43 ? callerId.slice(1) : callerId;
  }

  private async scriptSha(reload = false): Promise<string> {
    if (!this.sha || reload) this.sha = String(await this.redis.script('LOAD', dialStateScript));
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
    const p = this.kindPrefix;
    for (let from = 0; from < inputs.length; from += DIALS_PER_CALL) {
      // Every dial of the chunk in one argument (see DIAL_FIELDS); the script builds the keys
      // from the prefixes and the parts.
      let dials = '';
      for (let i = from, end = Math.min(inputs.length, from + DIALS_PER_CALL); i < end; i++) {
        const input = inputs[i]!;
        const { plan, numberKey } = input;
        const { request } = plan;
        const lead = plan.caps.lead;
        const caller = plan.caps.callerId;
        dials += encodeDial({
          nowMs: request.at,
          leadMax: lead ? lead.maxPer24h : -1,
          leadGapMs: lead ? lead.minGapMinutes * 60_000 : 0,
          callerMax: caller ? caller.maxPer24h : -1,
          callerGapMs: caller ? caller.minGapSeconds * 1000 : 0,
          reserve: input.reserve ? 1 : 0,
          member: input.checkId,
          refusalLockMs: plan.refusalLockMs === undefined ? -1 : plan.refusalLockMs === null ? -2 : plan.refusalLockMs,
          lockoutMs: plan.abandonLockoutMs,
          consentRequired: plan.consentRequired ? 1 : 0,
          numberKey,
          campaignId: request.campaignId,
          caller: this.checkedParts(numberKey, request.callerId, request.leadId, request.campaignId),
          leadId: request.leadId,
          policyVersion: input.policyVersion,
        });
      }
      pipeline.evalsha(sha, 0, p.attempts, p.cid, p.num, p.lead, p.consent, p.policyver, dials);
    }
    const results = (await pipeline.exec()) ?? [];
    const out: DialState[] = [];
    for (const [error, raw] of results) {
      if (error) throw error;
      parseReply(String(raw), out);
    }
    return out;
  }

  /**
   * Announce a campaign's new policy version to every replica's checks (never moving it back:
   * an announcement that arrives late for an older version changes nothing).
   */
  async announcePolicyVersion(campaignId: string, version: number): Promise<void> {
    await this.redis.eval(ANNOUNCE, 1, this.keys.key('policyver', campaignId), String(version));
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
      const [dnc, optout, refusedAt, campaignDnc, campaignOptout, campaignRefusedAt] = raw as Array<string | null>;
      return listingOf(
        dnc ?? '',
        optout ?? '',
        refusedAt ?? '',
        campaignDnc ?? '',
        campaignOptout ?? '',
        campaignRefusedAt ?? '',
      );
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
