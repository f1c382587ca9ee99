import assert from 'node:assert/strict';
import { test } from 'node:test';
import { settingsViolations } from '../../src/domain/campaign.js';
import type { CampaignSettings } from '../../src/domain/model.js';
import { pacerConfigFor, samePacerConfig } from '../../src/domain/pacer-settings.js';
import { DEFAULT_PACER_CONFIG, HOUR_MS, resolvePacerConfig } from '../../src/domain/pacing/index.js';
import { settings } from '../support/engine-world.js';

const ceilings = { channelCapacity: 40, maxCps: 12, abandonAfterMs: 2_000 };
const predictive = (
  targetAbandonRate: number,
  maxDialRatio: number,
  amdHumanFalsePositiveRate?: number,
): CampaignSettings => ({
  ...settings,
  modeSettings: {
    mode: 'predictive',
    targetAbandonRate,
    maxDialRatio,
    ...(amdHumanFalsePositiveRate === undefined ? {} : { amdHumanFalsePositiveRate }),
  },
});

test('pacer-settings: a predictive campaign paces to its own abandon target, dial ratio, ring timeout and AMD', () => {
  const config = resolvePacerConfig(
    pacerConfigFor({ ...predictive(0.01, 2.5), ringTimeoutMs: 40_000, amd: true }, ceilings),
  );
  assert.equal(config.targetAbandonRate, 0.01);
  assert.equal(config.maxDialRatio, 2.5);
  assert.equal(config.maxRingMs, 40_000);
  assert.equal(config.amd.enabled, true);
  assert.equal(config.channelCapacity, 40);
  assert.equal(config.maxCps, 12);
  assert.equal(config.abandonAfterMs, 2_000);
});

test("pacer-settings: the campaign's calling hours are the day its pacer spreads a window's breach chance over", () => {
  const hours = (startHour: number, endHour: number): number =>
    resolvePacerConfig(
      pacerConfigFor({ ...predictive(0.03, 3), hours: { startHour, endHour, weekdays: [] } }, ceilings),
    ).dialingDayMs;
  assert.equal(hours(9, 21), 12 * HOUR_MS);
  assert.equal(hours(0, 24), 24 * HOUR_MS);
  assert.equal(hours(8, 9), HOUR_MS);
});

test("pacer-settings: AMD's measured false positives reach the pacer only with AMD on; at the target both refuse them", () => {
  const withAmd = (amd: boolean, rate: number): CampaignSettings => ({ ...predictive(0.03, 3, rate), amd });
  assert.equal(resolvePacerConfig(pacerConfigFor(withAmd(true, 0.01), ceilings)).amd.humanFalsePositiveRate, 0.01);
  const off = resolvePacerConfig(pacerConfigFor(withAmd(false, 0.01), ceilings)).amd;
  assert.equal(off.enabled, false);
  assert.equal(off.humanFalsePositiveRate, 0, 'a rate without AMD is not counted');
  const atTarget = withAmd(true, 0.03);
  assert.deepEqual(
    settingsViolations(atTarget).map((v) => v.field),
    ['campaign.predictive.amd_human_false_positive_rate'],
  );
  assert.throws(() => resolvePacerConfig(pacerConfigFor(atTarget, ceilings)), /humanFalsePositiveRate/);
});

test('pacer-settings: other modes keep the pacer default target and ratio; AMD off stays off', () => {
  const config = resolvePacerConfig(pacerConfigFor(settings, ceilings));
  assert.equal(settings.modeSettings.mode, 'progressive');
  assert.equal(config.targetAbandonRate, DEFAULT_PACER_CONFIG.targetAbandonRate);
  assert.equal(config.maxDialRatio, DEFAULT_PACER_CONFIG.maxDialRatio);
  assert.equal(config.amd.enabled, false);
});

test('pacer-settings: every campaign the dialer accepts gives a configuration the pacer accepts', () => {
  for (const [target, ratio] of [
    [0.001, 1],
    [0.05, 6],
    [0.03, 3],
  ] as const)
    for (const ringTimeoutMs of [5_000, 120_000])
      for (const amd of [false, true]) {
        const campaign = { ...predictive(target, ratio, target * 0.99), ringTimeoutMs, amd };
        assert.deepEqual(settingsViolations(campaign), [], 'the campaign is valid');
        assert.doesNotThrow(() => resolvePacerConfig(pacerConfigFor(campaign, ceilings)));
      }
});

test('pacer-settings: an edit changes the configuration only when it touches what the pacer is built with', () => {
  const before = pacerConfigFor(predictive(0.03, 3), ceilings);
  assert.equal(samePacerConfig(before, pacerConfigFor({ ...predictive(0.03, 3), name: 'renamed' }, ceilings)), true);
  assert.equal(samePacerConfig(before, pacerConfigFor(predictive(0.02, 3), ceilings)), false);
  assert.equal(samePacerConfig(before, pacerConfigFor(predictive(0.03, 4), ceilings)), false);
  assert.equal(samePacerConfig(before, pacerConfigFor({ ...predictive(0.03, 3), amd: true }, ceilings)), false);
  assert.equal(
    samePacerConfig(before, pacerConfigFor({ ...predictive(0.03, 3), ringTimeoutMs: 30_000 }, ceilings)),
    false,
  );
});
