// In-process decision throughput with 10 million registry numbers loaded. Prints one JSON object.
import { BlindIndex } from '../src/domain/blind.js';
import { DncSet } from '../src/domain/dnc-set.js';
import { decide, localDenials, planDial } from '../src/domain/engine.js';
import { PackCatalogue } from '../src/domain/packs/index.js';
import { defaultPolicy, type CapState, type DialFacts } from '../src/domain/types.js';
import { benchNumber } from './numbers.js';

const registrySize = Number(process.env['BENCH_DNC_NUMBERS'] ?? 10_000_000);
const decisions = Number(process.env['BENCH_DECISIONS'] ?? 1_000_000);
const blind = new BlindIndex('bench-secret-0123456789');

const rssBefore = process.memoryUsage().rss;
const loadStarted = performance.now();
// The load path a replica runs: E.164 → blind-index key → one array → sort.
const keys = new BigUint64Array(registrySize);
for (let i = 0; i < registrySize; i++) keys[i] = blind.key64(`+86139${String(i).padStart(8, '0')}`);
const registry = DncSet.fromKeys(keys);
const dncLoadSec = (performance.now() - loadStarted) / 1000;
const rss = process.memoryUsage().rss;

const catalogue = new PackCatalogue();
const policy = defaultPolicy('bench');
// 12:30Z: morning on the US east coast, evening in China, night on the US west coast: a mix of allows and denies.
const at = Date.parse('2026-06-01T12:30:00Z');
// A hot working set that fits the number cache (a campaign redials the same hopper all day).
const distinct = 50_000;
const phones = Array.from({ length: distinct }, (_, i) => benchNumber(i));
const capState: CapState = { leadCount: 0, callerCount: 0 };
const noAbandon: DialFacts['abandonDays'] = [];
let allowed = 0;

function run(n: number): void {
  for (let i = 0; i < n; i++) {
    const phone = phones[i % distinct]!;
    const plan = planDial({ campaignId: 'bench', leadId: 'l', phone, callerId: '+8610010000', at }, policy, catalogue);
    const key = blind.hex(phone);
    const local = { onRegistry: registry.has(BlindIndex.key64FromHex(key)), abandonDays: noAbandon };
    // As the hot path does: local denials once (they decide whether to reserve), reused by decide.
    const denials = localDenials(plan, local);
    if (decide(plan, { ...local, internalDnc: false, optedOut: false }, capState, denials).allowed) allowed++;
  }
}

// First pass parses every distinct number once (as a warm replica would have).
run(distinct);
const started = performance.now();
run(decisions);
const decisionsPerSec = decisions / ((performance.now() - started) / 1000);
process.stdout.write(
  `${JSON.stringify({ registrySize, dncLoadSec, dncRssMb: rss / 2 ** 20, dncRssDeltaMb: (rss - rssBefore) / 2 ** 20, registryBytesMb: keys.byteLength / 2 ** 20, decisions, decisionsPerSec, allowedShare: allowed / (decisions + distinct), probe: registry.has(blind.key64('+8613900000042')) })}\n`,
);
