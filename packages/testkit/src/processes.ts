import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';

/** Child processes of one test file (services started from their dist/ as real processes); `stopAll` in its `after`. */
export class Processes {
  private readonly children = new Set<ChildProcess>();

  /**
   * Start `node <script>` and wait for the first JSON line on its stdout that `isReady` accepts
   * (a fixture's ready line, or a service's pino "ready" log); a process that exits first fails.
   */
  async start(
    script: string,
    env: Record<string, string>,
    isReady: (line: Record<string, unknown>) => boolean = () => true,
    args: readonly string[] = [],
  ): Promise<{ child: ChildProcess; ready: Record<string, unknown> }> {
    const child = spawn(process.execPath, [script, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.children.add(child);
    keepLog(script, child);
    // Its errors still reach the test's own stderr; the last of them also go into the error below
    // (a service that fails at start usually says why there, and CI shows only part of the output).
    let errors = '';
    child.stderr.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      errors = (errors + chunk.toString('utf8')).slice(-2_000);
    });
    const lines = createInterface({ input: child.stdout });
    // What it said last, for the error when it never gets ready.
    const said: string[] = [];
    const tail = () =>
      (said.length > 0 ? `; its last output:\n${said.join('\n')}` : '') +
      (errors.length > 0 ? `; its last errors:\n${errors}` : '');
    const ready = await Promise.race([
      (async () => {
        for await (const line of lines) {
          said.push(line.slice(0, 2_000));
          if (said.length > 10) said.shift();
          if (!line.startsWith('{')) continue;
          const parsed = JSON.parse(line) as Record<string, unknown>;
          if (isReady(parsed)) return parsed;
        }
        // Its stderr may still be flushing: give it a moment to close too, so the error says why.
        await Promise.race([once(child, 'close'), new Promise((resolve) => setTimeout(resolve, 1_000))]);
        throw new Error(`${script} closed its output before it was ready${tail()}`);
      })(),
      once(child, 'close').then(([code]) => {
        throw new Error(`${script} exited with ${String(code)} before it was ready${tail()}`);
      }),
    ]);
    // Keep draining stdout so a chatty child never blocks on a full pipe.
    child.stdout.resume();
    return { child, ready };
  }

  async stop(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await once(child, 'exit');
  }

  stopAll(): void {
    for (const child of this.children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

/**
 * With TEST_LOG_DIR set, each child's output is kept there too (`<service>-<script>-<pid>.log`),
 * so a failure seen once in CI can be read afterwards.
 */
function keepLog(script: string, child: ChildProcess): void {
  const dir = process.env['TEST_LOG_DIR'];
  if (!dir || !child.stdout) return;
  mkdirSync(dir, { recursive: true });
  const service = basename(dirname(dirname(dirname(script))));
  const file = createWriteStream(join(dir, `${service}-${basename(script, '.js')}-${String(child.pid)}.log`));
  child.stdout.pipe(file);
}
