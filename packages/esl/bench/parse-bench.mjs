// Frame + event parsing throughput of the built client parser, beside a raw scan of the same bytes.
// Usage: node packages/esl/bench/parse-bench.mjs [repeats]   (prints one JSON object)
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FrameParser, decodeEvent, contentType } from '../dist/src/index.js';

const tracesDir =
  process.env.ESL_TRACES_DIR ?? fileURLToPath(new URL('../../../../shared/esl-traces/', import.meta.url));
const repeats = Number(process.argv[2] ?? 40);
const CHUNK = 64 * 1024;

// 07d ends inside a frame; leave it out so the concatenation stays well framed.
const traces = readdirSync(tracesDir)
  .filter((name) => name.endsWith('.server.txt') && !name.startsWith('07d'))
  .map((name) => readFileSync(path.join(tracesDir, name)));
const all = Buffer.concat(Array.from({ length: repeats }, () => traces).flat());
const chunks = [];
for (let pos = 0; pos < all.length; pos += CHUNK) chunks.push(all.subarray(pos, pos + CHUNK));

const CONSUMER_READS = [
  'Event-Date-Timestamp',
  'variable_outbound_campaign_id',
  'variable_outbound_lead_id',
  'variable_outbound_attempt_id',
  'variable_traceparent',
  'Hangup-Cause',
  'variable_sip_term_status',
  'variable_billsec',
];

function parseRun() {
  const parser = new FrameParser();
  let events = 0;
  for (const chunk of chunks) {
    for (const result of parser.push(chunk)) {
      if (result.kind !== 'frame') throw new Error(`fault ${result.code}`);
      const type = contentType(result);
      if (type !== 'text/event-plain' && type !== 'text/event-json') continue;
      const decoded = decodeEvent(result);
      if (decoded.kind !== 'event') continue;
      // Header values are decoded when read: read what media reads of each event, so the figure
      // is a consumer's cost, not just the split.
      for (const name of CONSUMER_READS) decoded.event.headers.get(name);
      events++;
    }
  }
  return events;
}

/** Baseline: what reading the bytes costs at all — count header terminators with indexOf. */
function rawRun() {
  const separator = Buffer.from('\n\n');
  let count = 0;
  for (const chunk of chunks) {
    for (let i = chunk.indexOf(separator); i !== -1; i = chunk.indexOf(separator, i + 2)) count++;
  }
  return count;
}

function measure(run) {
  run();
  const start = process.hrtime.bigint();
  let rounds = 0;
  let result = 0;
  while (process.hrtime.bigint() - start < 1_000_000_000n || rounds < 3) {
    result = run();
    rounds++;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { result, perSecondRounds: rounds / seconds };
}

const parse = measure(parseRun);
const raw = measure(rawRun);
const events = parse.result;
const parseEventsPerSec = Math.round(events * parse.perSecondRounds);
const rawEventsPerSec = Math.round(events * raw.perSecondRounds);
console.log(
  JSON.stringify({
    bytes: all.length,
    events,
    parseEventsPerSec,
    rawEventsPerSec,
    parseVsRawRatio: Number((parseEventsPerSec / rawEventsPerSec).toFixed(4)),
    parseMBPerSec: Number(((all.length * parse.perSecondRounds) / 1e6).toFixed(1)),
  }),
);
