// pacing-bench adapter: default-exports createPacer(config) per pacing-bench's pacer.d.ts and runs
// the dialer's own pacer (built to dist/). Bench options (--pacer pacer.mjs:key=value) override
// numeric pacer settings by name, e.g. maxMarginalAbandonRisk=0.15.
import { createPacer as createDialerPacer, DEFAULT_PACER_CONFIG } from '../dist/src/domain/pacing/index.js';

const NUMERIC_OPTIONS = Object.keys(DEFAULT_PACER_CONFIG).filter((k) => typeof DEFAULT_PACER_CONFIG[k] === 'number');

export default function createPacer(bench) {
  const overrides = {};
  for (const [key, value] of Object.entries(bench.options ?? {})) {
    if (!NUMERIC_OPTIONS.includes(key))
      throw new Error(`unknown pacer option '${key}' (known: ${NUMERIC_OPTIONS.join(', ')})`);
    overrides[key] = Number(value);
  }
  const pacer = createDialerPacer({
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
      humanFalsePositiveRate: bench.amd.humanFalsePositiveEstimate,
    },
    shiftEndMs: bench.shiftMs,
    ...overrides,
  });
  return { onEvent: (e) => pacer.onEvent(e), decide: (s) => pacer.decide(s) };
}
