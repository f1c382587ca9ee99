// Runs the compliance benchmarks, each in its own process, prints a table and ends with one JSON line.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { randomBytes } from 'node:crypto';

const dist = new URL('../', import.meta.url);

async function runJson(script: string, args: string[], env: Record<string, string> = {}): Promise<Record<string, number>> {
  const child = spawn(process.execPath, [new URL(script, dist).pathname, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let last = '';
  for await (const line of createInterface({ input: child.stdout })) if (line.startsWith('{')) last = line;
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0 || !last) throw new Error(`${script} failed with ${String(code)}`);
  return JSON.parse(last) as Record<string, number>;
}

async function startServer(): Promise<{ address: string; stop: () => Promise<void> }> {
  const name = `bench_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const child = spawn(process.execPath, [new URL('src/main.js', dist).pathname], {
    env: { ...process.env, GRPC_ADDRESS: '127.0.0.1:0', LOG_LEVEL: 'info', COMPLIANCE_DB_SCHEMA: name, COMPLIANCE_REDIS_PREFIX: name, COMPLIANCE_DURABLE_PREFIX: name, COMPLIANCE_BLIND_INDEX_SECRET: 'bench-secret-0123456789' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // Keep reading the server's log for the whole run (a closed pipe would kill it at its next log
  // line with EPIPE); warnings and errors go to stderr so a bad run says why.
  const lines = createInterface({ input: child.stdout });
  const ready = new Promise<number>((resolve, reject) => {
    lines.on('line', (line) => {
      let entry: { msg?: string; port?: number; level?: string } = {};
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        process.stderr.write(`server: ${line}\n`);
        return;
      }
      if (entry.msg === 'compliance ready' && entry.port !== undefined) resolve(entry.port);
      else if (entry.level && entry.level !== 'info' && entry.level !== 'debug') process.stderr.write(`server: ${line}\n`);
    });
    child.once('exit', () => reject(new Error('compliance server exited before it was ready')));
  });
  const port = await ready;
  return {
    address: `127.0.0.1:${port}`,
    stop: async () => {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

process.stderr.write('in-process: loading the registry and deciding…\n');
const local = await runJson('bench/in-process.js', []);
process.stderr.write('gRPC: starting the server…\n');
const server = await startServer();
let remote: Record<string, number>;
try {
  remote = await runJson('bench/grpc-load.js', [server.address]);
} finally {
  await server.stop();
}

const fmt = (n: number | undefined, digits = 2) => (n === undefined ? '-' : n.toFixed(digits));
const rows: Array<[string, string, string]> = [
  ['DNC registry numbers', String(local['registrySize']), ''],
  ['DNC load (hash + sort)', `${fmt(local['dncLoadSec'])} s`, 'target < 60 s'],
  ['RSS after load', `${fmt(local['dncRssMb'], 0)} MB`, `registry array ${fmt(local['registryBytesMb'], 0)} MB`],
  ['in-process decisions/s', fmt(local['decisionsPerSec'], 0), 'one core, no Redis'],
  ['gRPC single check p50', `${fmt(remote['lightP50Ms'])} ms`, '1,000 checks at 200/s'],
  ['gRPC single check p99', `${fmt(remote['lightP99Ms'])} ms`, '1,000 checks at 200/s'],
  ['gRPC single check p50', `${fmt(remote['singleP50Ms'])} ms`, `${remote['singleCount']} checks offered at 2,000/s, ${remote['singleFailures']} failed`],
  ['gRPC single check p99', `${fmt(remote['singleP99Ms'])} ms`, 'target < 2 ms (from the scheduled send time)'],
  ['  from the actual send, p99', `${fmt(remote['singleServiceP99Ms'])} ms`, `generator sent ${fmt(remote['generatorLagP99Ms'])} ms late at p99`],
  ['gRPC batch of 100 p50', `${fmt(remote['batch100P50Ms'])} ms`, `${remote['batchCount']} batches`],
  ['gRPC batch of 100 p99', `${fmt(remote['batch100P99Ms'])} ms`, 'target < 10 ms'],
];
for (const [name, value, note] of rows) process.stdout.write(`${name.padEnd(28)} ${value.padStart(14)}   ${note}\n`);
process.stdout.write(
  `${JSON.stringify({
    decisionsPerSec: Math.round(local['decisionsPerSec']!),
    singleP50Ms: remote['singleP50Ms'],
    singleFailures: remote['singleFailures'],
    singleAt200P50Ms: remote['lightP50Ms'],
    singleAt200P99Ms: remote['lightP99Ms'],
    singleP99Ms: remote['singleP99Ms'],
    singleP999Ms: remote['singleP999Ms'],
    singleServiceP99Ms: remote['singleServiceP99Ms'],
    generatorLagP99Ms: remote['generatorLagP99Ms'],
    batch100P50Ms: remote['batch100P50Ms'],
    batch100P99Ms: remote['batch100P99Ms'],
    dncLoadSec: local['dncLoadSec'],
    dncRssMb: Math.round(local['dncRssMb']!),
    dncNumbers: local['registrySize'],
  })}\n`,
);
