import { describeE164 } from './e164.js';
import { allUsZones, nanpZones, regionZones } from './zones.js';

export interface NumberInfo {
  readonly valid: boolean;
  /** ISO region, e.g. `US`; empty when unknown. */
  readonly region: string;
  /** NANP area code for +1 numbers. */
  readonly areaCode?: string;
  /** Every zone the callee may be in; empty when nothing is known. */
  readonly zones: readonly string[];
  /** Why the zones are uncertain, when they are (several zones or a guess). */
  readonly uncertainty?: 'spans-zones' | 'unknown-area-code' | 'unknown-region';
}

const invalid: NumberInfo = Object.freeze({ valid: false, region: '', zones: [] });
const cache = new Map<string, NumberInfo>();
const CACHE_MAX = 100_000;
const overrides = new Map<string, NumberInfo>();

/**
 * Region and plausible time zones of an E.164 number. A per-lead zone override replaces the
 * guess (the lead's own data is better than the number's). Cached: parsing is the costliest step
 * of a decision and the same numbers come back every attempt.
 */
export function describeNumber(e164: string, zoneOverride?: string): NumberInfo {
  if (zoneOverride) {
    const info = describeNumber(e164);
    if (!info.valid) return info;
    // Depends only on the region, the area code and the zone: shared by every such number.
    const key = `${info.region}|${info.areaCode ?? ''}|${zoneOverride}`;
    let overridden = overrides.get(key);
    if (!overridden) {
      const { uncertainty: _ignored, ...rest } = info;
      overridden = Object.freeze({ ...rest, zones: Object.freeze([zoneOverride]) });
      if (overrides.size >= CACHE_MAX) overrides.clear();
      overrides.set(key, overridden);
    }
    return overridden;
  }
  const hit = cache.get(e164);
  if (hit) return hit;
  const info = parse(e164);
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(e164, info);
  return info;
}

function parse(e164: string): NumberInfo {
  if (!/^\+[1-9]\d{6,14}$/.test(e164)) return invalid;
  // libphonenumber-js's answer (parsePhoneNumberFromString + isValid), patterns compiled once.
  const parsed = describeE164(e164);
  if (!parsed.valid) return invalid;
  const region = parsed.region;
  if (region === 'US') {
    const areaCode = parsed.nationalNumber.slice(0, 3);
    const zones = nanpZones.get(areaCode);
    if (!zones) return { valid: true, region, areaCode, zones: allUsZones, uncertainty: 'unknown-area-code' };
    return zones.length > 1
      ? { valid: true, region, areaCode, zones, uncertainty: 'spans-zones' }
      : { valid: true, region, areaCode, zones };
  }
  const zones = regionZones[region];
  if (!zones) return { valid: true, region, zones: [], uncertainty: 'unknown-region' };
  return zones.length > 1 ? { valid: true, region, zones, uncertainty: 'spans-zones' } : { valid: true, region, zones };
}
