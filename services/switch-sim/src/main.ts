import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createApp } from './app.js';
import { parseScenario } from './domain/scenario.js';

const DEFAULT_SCENARIO = { name: 'everyone-answers', rules: [{ outcomes: [{ outcome: 'human' }] }] };

function fail(message: string): never {
  process.stderr.write(`switch-sim: ${message}\n`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    listen: { type: 'string', default: '127.0.0.1:8021' },
    password: { type: 'string', default: 'ClueCon' },
    scenario: { type: 'string' },
    seed: { type: 'string', default: '1' },
    'ground-truth': { type: 'string' },
    'heartbeat-ms': { type: 'string', default: '20000' },
    'speed-up': { type: 'string', default: '1' },
    'sessions-per-second': { type: 'string' },
  },
});

const [host = '', portText = ''] = values.listen.split(/:(?=\d+$)/);
const port = Number(portText);
if (host === '' || !Number.isInteger(port) || port < 0 || port > 65535)
  fail(`--listen must be host:port, got ${values.listen}`);
const seed = Number(values.seed);
if (!Number.isInteger(seed)) fail(`--seed must be an integer, got ${values.seed}`);
const heartbeatMs = Number(values['heartbeat-ms']);
const speedUp = Number(values['speed-up']);
if (!(heartbeatMs > 0) || !(speedUp > 0)) fail('--heartbeat-ms and --speed-up must be positive numbers');

let scenarioJson: unknown = DEFAULT_SCENARIO;
if (values.scenario !== undefined) {
  try {
    scenarioJson = JSON.parse(readFileSync(values.scenario, 'utf8'));
  } catch (error) {
    fail(`cannot read scenario ${values.scenario}: ${(error as Error).message}`);
  }
}
const spsFlag = values['sessions-per-second'];
if (spsFlag !== undefined) {
  const sps = Number(spsFlag);
  if (!Number.isInteger(sps) || sps < 1) fail(`--sessions-per-second must be a positive integer, got ${spsFlag}`);
  scenarioJson = { ...(scenarioJson as object), sessionsPerSecond: sps };
}
let scenario;
try {
  scenario = parseScenario(scenarioJson);
} catch (error) {
  fail((error as Error).message);
}

const app = createApp({
  host,
  port,
  password: values.password,
  scenario,
  seed,
  heartbeatMs,
  speedUp,
  ...(values['ground-truth'] === undefined ? {} : { groundTruthPath: values['ground-truth'] }),
});
const address = await app.start();
process.stdout.write(
  `${JSON.stringify({ msg: 'switch-sim listening', host: address.host, port: address.port, scenario: scenario.name, seed })}\n`,
);

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  app.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`switch-sim: shutdown failed: ${String(error)}\n`);
      process.exit(1);
    },
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
