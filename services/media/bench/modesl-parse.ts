// modesl's parser (the card's ESL library, a benchmark-only dev dependency) on the same captured
// FreeSWITCH traffic, chunking and header reads as packages/esl/bench/parse-bench.mjs, so
// scripts/bench-media can print @outbound/esl's parse rate as a ratio of modesl's in the same run.
// Usage: node services/media/dist/bench/modesl-parse.js [repeats]   (prints one JSON object)
import { EventEmitter } from 'node:events';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface ModeslEvent {
  getHeader(name: string): string | null;
}
type ModeslParser = new (socket: EventEmitter) => {
  on(event: 'esl::event', listener: (event: ModeslEvent, headers: Record<string, string>) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
};
const require = createRequire(import.meta.url);
const Parser = require('modesl/lib/esl/Parser.js') as ModeslParser;

const tracesDir =
  process.env['ESL_TRACES_DIR'] ?? fileURLToPath(new URL('../../../../../shared/esl-traces/', import.meta.url));
const repeats = Number(process.argv[2] ?? 40);
const CHUNK = 64 * 1024;

// The same input as parse-bench.mjs: every server-side trace but 07d (it ends inside a frame).
const traces = readdirSync(tracesDir)
  .filter((name) => name.endsWith('.server.txt') && !name.startsWith('07d'))
  .map((name) => readFileSync(path.join(tracesDir, name)));
const all = Buffer.concat(Array.from({ length: repeats }, () => traces).flat());
const chunks: Buffer[] = [];
for (let pos = 0; pos < all.length; pos += CHUNK) chunks.push(all.subarray(pos, pos + CHUNK));

// What media reads of each event (parse-bench.mjs reads the same).
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

function parseRun(): number {
  const socket = new EventEmitter();
  const parser = new Parser(socket);
  let events = 0;
  parser.on('error', (error) => {
    throw error;
  });
  parser.on('esl::event', (event, headers) => {
    const type = headers['Content-Type'];
    if (type !== 'text/event-plain' && type !== 'text/event-json') return;
    for (const name of CONSUMER_READS) event.getHeader(name);
    events++;
  });
  for (const chunk of chunks) socket.emit('data', chunk);
  return events;
}

function measure(run: () => number): { result: number; perSecondRounds: number } {
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
console.log(
  JSON.stringify({
    bytes: all.length,
    events: parse.result,
    modeslParseEventsPerSec: Math.round(parse.result * parse.perSecondRounds),
    modeslParseMBPerSec: Number(((all.length * parse.perSecondRounds) / 1e6).toFixed(1)),
  }),
);
