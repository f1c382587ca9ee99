import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

export interface SwitchProcess {
  readonly port: number;
  /** SIGTERM and wait: switch-sim flushes its ground truth file on the way out. */
  stop(): Promise<void>;
}

/**
 * switch-sim in its own process, as in production FreeSWITCH is: the bench measures media, and
 * the simulated far end must not share media's event loop on a 2-core machine.
 */
export async function startSwitchProcess(options: {
  main: string;
  scenario: string;
  seed: number;
  groundTruth: string;
  profileDir?: string;
}): Promise<SwitchProcess> {
  const profile = options.profileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', options.profileDir];
  const child: ChildProcess = spawn(
    process.execPath,
    [
      ...profile,
      options.main,
      '--listen',
      '127.0.0.1:0',
      '--scenario',
      options.scenario,
      '--seed',
      String(options.seed),
      '--ground-truth',
      options.groundTruth,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = once(child, 'exit');
  // A bench that dies half-way must not leave a switch running.
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void exited.then(() => process.off('exit', killOnExit));
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    void exited.then(([code]) => reject(new Error(`switch-sim exited with ${String(code)} before listening`)));
    lines.on('line', (line) => {
      const parsed = JSON.parse(line) as { port?: unknown };
      if (typeof parsed.port === 'number') resolve(parsed.port);
    });
  });
  return {
    port,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}
