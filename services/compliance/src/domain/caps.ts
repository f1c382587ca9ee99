import type { CallerIdCaps, CapState, Denial, LeadCaps, RulePackVersion } from './types.js';
import { packLabel } from './packs/index.js';

/** The strictest caps of the applicable packs, each remembering the pack it came from. */
export interface EffectiveCaps {
  readonly lead?: LeadCaps & { readonly pack: string; readonly gapPack: string };
  readonly callerId?: CallerIdCaps & { readonly pack: string; readonly gapPack: string };
}

export const DAY_MS = 86_400_000;

export function effectiveCaps(packs: readonly RulePackVersion[]): EffectiveCaps {
  let lead: EffectiveCaps['lead'];
  let callerId: EffectiveCaps['callerId'];
  for (const pack of packs) {
    const l = pack.leadCaps;
    if (l) {
      const count =
        !lead || l.maxPer24h < lead.maxPer24h
          ? { maxPer24h: l.maxPer24h, pack: packLabel(pack) }
          : { maxPer24h: lead.maxPer24h, pack: lead.pack };
      const gap =
        !lead || l.minGapMinutes > lead.minGapMinutes
          ? { minGapMinutes: l.minGapMinutes, gapPack: packLabel(pack) }
          : { minGapMinutes: lead.minGapMinutes, gapPack: lead.gapPack };
      lead = { ...count, ...gap };
    }
    const c = pack.callerIdCaps;
    if (c) {
      const count =
        !callerId || c.maxPer24h < callerId.maxPer24h
          ? { maxPer24h: c.maxPer24h, pack: packLabel(pack) }
          : { maxPer24h: callerId.maxPer24h, pack: callerId.pack };
      const gap =
        !callerId || c.minGapSeconds > callerId.minGapSeconds
          ? { minGapSeconds: c.minGapSeconds, gapPack: packLabel(pack) }
          : { minGapSeconds: callerId.minGapSeconds, gapPack: callerId.gapPack };
      callerId = { ...count, ...gap };
    }
  }
  return { ...(lead ? { lead } : {}), ...(callerId ? { callerId } : {}) };
}

/**
 * Denials from the attempts already reserved in the last 24 hours. The Redis script applies the
 * same arithmetic atomically; this function names the reasons. Caps use a rolling 24 hours, which
 * is never looser than a calendar day.
 */
export function capDenials(state: CapState, caps: EffectiveCaps, at: number): Denial[] {
  const out: Denial[] = [];
  if (caps.lead) {
    if (state.leadCount >= caps.lead.maxPer24h) {
      out.push({
        reason: 'LEAD_FREQUENCY_CAP',
        code: 'LEAD_DAILY_CAP',
        rulePack: caps.lead.pack,
        text: `number already dialled ${state.leadCount} times in 24 h (limit ${caps.lead.maxPer24h})`,
        data: { attempts24h: String(state.leadCount), limit: String(caps.lead.maxPer24h) },
      });
    }
    const gapMs = caps.lead.minGapMinutes * 60_000;
    if (gapMs > 0 && state.leadLastAt !== undefined && at - state.leadLastAt < gapMs) {
      out.push({
        reason: 'LEAD_FREQUENCY_CAP',
        code: 'LEAD_MIN_GAP',
        rulePack: caps.lead.gapPack,
        text: `last attempt ${Math.floor((at - state.leadLastAt) / 60_000)} min ago (minimum ${caps.lead.minGapMinutes} min)`,
        data: {
          lastAttemptAt: new Date(state.leadLastAt).toISOString(),
          minGapMinutes: String(caps.lead.minGapMinutes),
        },
      });
    }
  }
  if (caps.callerId) {
    if (state.callerCount >= caps.callerId.maxPer24h) {
      out.push({
        reason: 'CALLER_ID_CAP',
        code: 'CALLER_ID_DAILY_CAP',
        rulePack: caps.callerId.pack,
        text: `caller ID used ${state.callerCount} times in 24 h (limit ${caps.callerId.maxPer24h})`,
        data: { calls24h: String(state.callerCount), limit: String(caps.callerId.maxPer24h) },
      });
    }
    const gapMs = caps.callerId.minGapSeconds * 1000;
    if (gapMs > 0 && state.callerLastAt !== undefined && at - state.callerLastAt < gapMs) {
      out.push({
        reason: 'CALLER_ID_CAP',
        code: 'CALLER_ID_MIN_GAP',
        rulePack: caps.callerId.gapPack,
        text: `caller ID last used ${Math.floor((at - state.callerLastAt) / 1000)} s ago (minimum ${caps.callerId.minGapSeconds} s)`,
        data: {
          lastCallAt: new Date(state.callerLastAt).toISOString(),
          minGapSeconds: String(caps.callerId.minGapSeconds),
        },
      });
    }
  }
  return out;
}
