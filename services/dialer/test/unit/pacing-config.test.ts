import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEFAULT_PACER_CONFIG,
  PacerConfigError,
  resolvePacerConfig,
  validatePacerConfig,
  withDefaults,
  type PacerConfigInput,
} from '../../src/domain/pacing/index.js';

test('defaults are valid', () => {
  assert.deepEqual(validatePacerConfig(withDefaults()), []);
  assert.equal(resolvePacerConfig().targetAbandonRate, DEFAULT_PACER_CONFIG.targetAbandonRate);
});

const invalid: { name: string; input: PacerConfigInput; field: string }[] = [
  { name: 'target of zero', input: { targetAbandonRate: 0 }, field: 'targetAbandonRate' },
  { name: 'target of one', input: { targetAbandonRate: 1 }, field: 'targetAbandonRate' },
  { name: 'NaN target', input: { targetAbandonRate: Number.NaN }, field: 'targetAbandonRate' },
  { name: 'no windows', input: { abandonWindows: [] }, field: 'abandonWindows' },
  {
    name: 'window too short',
    input: { abandonWindows: [{ kind: 'rolling', lengthMs: 1000 }] },
    field: 'abandonWindows[0].lengthMs',
  },
  {
    name: 'fixed window without origin',
    input: { abandonWindows: [{ kind: 'fixed', lengthMs: 86_400_000, originMs: Number.NaN }] },
    field: 'abandonWindows[0].originMs',
  },
  { name: 'negative grace', input: { abandonAfterMs: -1 }, field: 'abandonAfterMs' },
  { name: 'zero ring timeout', input: { maxRingMs: 0 }, field: 'maxRingMs' },
  { name: 'zero channels', input: { channelCapacity: 0 }, field: 'channelCapacity' },
  { name: 'zero cps', input: { maxCps: 0 }, field: 'maxCps' },
  {
    name: 'AMD false positives at the target',
    input: { amd: { enabled: true, humanFalsePositiveRate: 0.03 } },
    field: 'amd.humanFalsePositiveRate',
  },
  {
    name: 'AMD false-positive rate above one',
    input: { amd: { humanFalsePositiveRate: 2 } },
    field: 'amd.humanFalsePositiveRate',
  },
  { name: 'dial ratio below one', input: { maxDialRatio: 0.5 }, field: 'maxDialRatio' },
  { name: 'fractional minimum', input: { minResolvedCalls: 1.5 }, field: 'minResolvedCalls' },
  { name: 'zero live answers before predicting', input: { minLiveAnswers: 0 }, field: 'minLiveAnswers' },
  { name: 'budget share of zero', input: { budgetShare: 0 }, field: 'budgetShare' },
  { name: 'marginal risk above one', input: { maxMarginalAbandonRisk: 1.5 }, field: 'maxMarginalAbandonRisk' },
  { name: 'negative z', input: { confidenceZ: -1 }, field: 'confidenceZ' },
  { name: 'negative reserve', input: { reserveAbandons: -1 }, field: 'reserveAbandons' },
  { name: 'window breach chance above one', input: { windowBreachChance: 1.5 }, field: 'windowBreachChance' },
  { name: 'negative dialing day', input: { dialingDayMs: -1 }, field: 'dialingDayMs' },
  { name: 'breach answer share above one', input: { breachAnswerShareMax: 1.2 }, field: 'breachAnswerShareMax' },
  { name: 'negative future answer share', input: { futureAnswerShare: -0.1 }, field: 'futureAnswerShare' },
  {
    name: 'future answer share ceiling below its floor',
    input: { futureAnswerShareMax: 0.4 },
    field: 'futureAnswerShareMax',
  },
  { name: 'infinite shift end', input: { shiftEndMs: Number.POSITIVE_INFINITY }, field: 'shiftEndMs' },
  { name: 'negative stress span', input: { stressSpanMs: -1 }, field: 'stressSpanMs' },
  { name: 'stress span beyond a day', input: { stressSpanMs: 2 * 86_400_000 }, field: 'stressSpanMs' },
  {
    name: 'staffing scaling that is not a boolean',
    input: { staffingScaledAnswers: 'yes' as unknown as boolean },
    field: 'staffingScaledAnswers',
  },
  { name: 'calibration floor of zero', input: { calibrationFloor: 0 }, field: 'calibrationFloor' },
  { name: 'calibration floor above one', input: { calibrationFloor: 1.5 }, field: 'calibrationFloor' },
];

for (const c of invalid) {
  test(`rejects ${c.name}, naming ${c.field}`, () => {
    const issues = validatePacerConfig(withDefaults(c.input));
    assert.deepEqual(
      issues.map((i) => i.field),
      [c.field],
    );
    assert.throws(
      () => resolvePacerConfig(c.input),
      (e: unknown) => e instanceof PacerConfigError && e.issues[0]?.field === c.field && e.message.includes(c.field),
    );
  });
}

test('AMD false positives only matter with AMD on', () => {
  assert.deepEqual(validatePacerConfig(withDefaults({ amd: { enabled: false, humanFalsePositiveRate: 0.05 } })), []);
});
