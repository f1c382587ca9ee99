// What a campaign's settings tell its pacer: the campaign's own abandon target and dial-ratio cap
// (predictive mode), its ring timeout, whether AMD screens its answers and AMD's measured false
// positives, the length of its calling day, within the replica's own ceilings. Everything else keeps
// the pacer's defaults (pacing/config.ts).
import type { CampaignSettings } from './model.js';
import { HOUR_MS, type PacerConfigInput } from './pacing/index.js';

/** The replica's ceilings for one campaign, from the dialer's configuration. */
export interface PacerCeilings {
  readonly channelCapacity: number;
  readonly maxCps: number;
  readonly abandonAfterMs: number;
}

export function pacerConfigFor(settings: CampaignSettings, ceilings: PacerCeilings): PacerConfigInput {
  const mode = settings.modeSettings;
  return {
    channelCapacity: ceilings.channelCapacity,
    maxCps: ceilings.maxCps,
    abandonAfterMs: ceilings.abandonAfterMs,
    maxRingMs: settings.ringTimeoutMs,
    // The day a small window's breach chance is spread over (pacing README, "A day's chance").
    dialingDayMs: Math.max(0, settings.hours.endHour - settings.hours.startHour) * HOUR_MS,
    // A call AMD screens rings on for the detection time, and AMD's false positives are abandons the
    // dialer never sees: the pacer counts both only when it is told AMD is on.
    amd: {
      enabled: settings.amd,
      ...(settings.amd && mode.mode === 'predictive' && mode.amdHumanFalsePositiveRate !== undefined
        ? { humanFalsePositiveRate: mode.amdHumanFalsePositiveRate }
        : {}),
    },
    ...(mode.mode === 'predictive'
      ? { targetAbandonRate: mode.targetAbandonRate, maxDialRatio: mode.maxDialRatio }
      : {}),
  };
}

/** Whether two configurations differ (a running campaign's edit rebuilds its pacer only then). */
export function samePacerConfig(a: PacerConfigInput, b: PacerConfigInput): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
