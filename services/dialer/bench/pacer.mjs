// pacing-bench adapter: default-exports createPacer(config) per pacing-bench's pacer.d.ts and runs
// the dialer's own pacer (built to dist/). Bench options (--pacer pacer.mjs:key=value) override
// numeric and boolean pacer settings by name (booleans as 0/1), e.g. maxMarginalAbandonRisk=0.15,
// reassessInFlight=0, changeThreshold=Infinity, amd.humanFalsePositiveSpread=0. One more, for
// experiments only: fpEstimateScale=0.67 tells the pacer the workload's AMD false-positive rate times
// 0.67, a day whose true rate runs 1.5 × the measured one. A second argument (deps, e.g.
// { onDecision }) goes to the dialer's createPacer (bench/diagnose.mjs uses it).
import { createPacer as createDialerPacer, DEFAULT_PACER_CONFIG } from '../dist/src/domain/pacing/index.js';

const NUMERIC_OPTIONS = Object.keys(DEFAULT_PACER_CONFIG).filter((k) => typeof DEFAULT_PACER_CONFIG[k] === 'number');
const BOOLEAN_OPTIONS = Object.keys(DEFAULT_PACER_CONFIG).filter((k) => typeof DEFAULT_PACER_CONFIG[k] === 'boolean');
const AMD_OPTIONS = ['amd.humanFalsePositiveSpread'];
const FP_ESTIMATE_SCALE = 'fpEstimateScale';

export default function createPacer(bench, deps = {}) {
  const overrides = {};
  const amd = {};
  let fpEstimateScale = 1;
  for (const [key, value] of Object.entries(bench.options ?? {})) {
    if (NUMERIC_OPTIONS.includes(key)) overrides[key] = Number(value);
    else if (BOOLEAN_OPTIONS.includes(key)) overrides[key] = value === true || value === 'true' || Number(value) === 1;
    else if (AMD_OPTIONS.includes(key)) amd[key.slice(4)] = Number(value);
    else if (key === FP_ESTIMATE_SCALE) fpEstimateScale = Number(value);
    else
      throw new Error(
        `unknown pacer option '${key}' (known: ${[...NUMERIC_OPTIONS, ...BOOLEAN_OPTIONS, ...AMD_OPTIONS, FP_ESTIMATE_SCALE].join(', ')})`,
      );
  }
  const pacer = createDialerPacer(
    {
      targetAbandonRate: bench.targetAbandonRate,
      abandonWindows: [
        { kind: 'rolling', lengthMs: bench.abandonWindowMs },
        { kind: 'fixed', lengthMs: Math.max(bench.shiftMs, 24 * 3_600_000), originMs: 0 },
      ],
      abandonAfterMs: bench.abandonAfterMs,
      maxRingMs: bench.maxRingMs,
      channelCapacity: bench.channelCapacity,
      maxCps: bench.maxCps,
      amd: {
        enabled: bench.amd.enabled,
        detectMs: bench.amd.detectMs,
        humanFalsePositiveRate: bench.amd.humanFalsePositiveEstimate * fpEstimateScale,
        ...amd,
      },
      shiftEndMs: bench.shiftMs,
      ...overrides,
    },
    deps,
  );
  return { onEvent: (e) => pacer.onEvent(e), decide: (s) => pacer.decide(s) };
}
