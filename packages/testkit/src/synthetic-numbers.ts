// Synthetic lead numbers for local runs, tests and benchmarks, and the regions worth dialing now:
// each region's calling window is the law's (compliance decides), so a run made at 04:30 UTC whose
// numbers are all Chinese, American or British places no call at all.

import { DenyReason, type CheckDialRequest, type CheckDialResponse } from '@outbound/proto/outbound/v1/compliance';

export type Region = 'CN' | 'US' | 'GB' | 'AU';
export const REGIONS: readonly Region[] = ['CN', 'US', 'GB', 'AU'];

/** Seeded (same seed, same list): Chinese mobiles, New York numbers, British and Australian mobiles, the regions in turn. */
export function syntheticNumbers(count: number, seed: number, regions: readonly Region[] = REGIONS): string[] {
  let state = seed >>> 0 || 1;
  const next = (): number => (state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32;
  const digits = (n: number): string => String(Math.floor(next() * 10 ** n)).padStart(n, '0');
  const byRegion: Record<Region, () => string> = {
    CN: () => `+86139${digits(8)}`,
    US: () => `+1212${2 + Math.floor(next() * 8)}${digits(6)}`,
    GB: () => `+447911${digits(6)}`,
    AU: () => `+61412${digits(6)}`,
  };
  return Array.from({ length: count }, (_, i) => byRegion[regions[i % regions.length]!]());
}

/**
 * The regions of `regions` whose calling window is open both at `fromMs` and at `untilMs`, as
 * `inWindow` (compliance, asked about a probe number of the region) says; all of them when none is,
 * so a run still starts and its refusals say why.
 */
export async function openRegions(
  regions: readonly Region[],
  inWindow: (phone: string, atMs: number) => Promise<boolean>,
  fromMs: number,
  untilMs: number,
): Promise<Region[]> {
  const open: Region[] = [];
  for (const region of regions) {
    const [probe] = syntheticNumbers(1, fromMs % 1_000_000_007, [region]);
    if ((await inWindow(probe!, fromMs)) && (await inWindow(probe!, untilMs))) open.push(region);
  }
  return open.length > 0 ? open : [...regions];
}

/**
 * Whether compliance (asked through `checkDial`) lets a call to `phone` through its calling window
 * at `atMs`, other reasons aside: the `inWindow` of `openRegions`.
 */
export function callingWindowProbe(
  checkDial: (request: CheckDialRequest) => Promise<CheckDialResponse>,
): (phone: string, atMs: number) => Promise<boolean> {
  return async (phone, atMs) => {
    const reply = await checkDial({
      check: {
        campaignId: 'region-probe',
        leadId: `probe-${String(atMs)}`,
        phone,
        callerId: '+861058880000',
        at: { seconds: Math.floor(atMs / 1000), nanos: 0 },
        timeZoneOverride: '',
      },
    });
    return !reply.decision?.denials.some((d) => d.reason === DenyReason.DENY_REASON_OUTSIDE_CALLING_WINDOW);
  };
}
