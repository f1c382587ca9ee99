import { spawn } from 'node:child_process';

import { AsrError } from './errors.js';

export interface RunOptions {
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  /** Names the program in error messages ("audio converter", "pocketsphinx"). */
  role: string;
}

const STDERR_TAIL_BYTES = 4096;

/**
 * Runs a program to completion. Rejects with an `AsrError`: ENGINE_UNAVAILABLE when it cannot be
 * started, ENGINE_FAILED on a non-zero exit or a signal, TIMEOUT or ABORTED after killing it.
 * The program's own output is kept out of the message (it may name files); the exit code goes in
 * `details`, and the last lines of stderr in `cause` for operators who need them.
 */
export function runProgram(command: string, args: readonly string[], options: RunOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(new AsrError('ABORTED', `${options.role} not started: aborted`));
      return;
    }
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let settled = false;
    let killedFor: 'TIMEOUT' | 'ABORTED' | undefined;
    const kill = (why: 'TIMEOUT' | 'ABORTED'): void => {
      if (killedFor !== undefined) return;
      killedFor = why;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => kill('TIMEOUT'), options.timeoutMs);
    const onAbort = (): void => kill('ABORTED');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const finish = (error?: AsrError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (error === undefined) resolve();
      else reject(error);
    };
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_TAIL_BYTES);
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'EACCES') {
        finish(
          new AsrError('ENGINE_UNAVAILABLE', `${options.role} cannot be started (${error.code})`, { cause: error }),
        );
      } else {
        finish(
          new AsrError('ENGINE_FAILED', `${options.role} failed to run (${error.code ?? 'unknown'})`, { cause: error }),
        );
      }
    });
    child.on('close', (code, signal) => {
      if (killedFor === 'TIMEOUT') {
        finish(
          new AsrError('TIMEOUT', `${options.role} killed after ${options.timeoutMs} ms`, {
            details: { timeoutMs: String(options.timeoutMs) },
          }),
        );
      } else if (killedFor === 'ABORTED') {
        finish(new AsrError('ABORTED', `${options.role} killed: aborted`));
      } else if (code === 0) {
        finish();
      } else {
        const details: Record<string, string> = signal === null ? { exitCode: String(code) } : { signal };
        finish(
          new AsrError('ENGINE_FAILED', `${options.role} exited with ${signal ?? `code ${code}`}`, {
            details,
            cause: new Error(lastLines(stderr)),
          }),
        );
      }
    });
  });
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-5).join('\n');
}
