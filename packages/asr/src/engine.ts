import { execFile, spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdtemp, open, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';

import { AsrError } from './errors.js';

/**
 * A long-lived `pocketsphinx_batch`: the acoustic model, dictionary and language model (or keyword
 * list) load once, and utterances are fed to it as they come. The program reads its control list
 * line by line from a named pipe in its own folder, writes each utterance's result to its output file
 * unbuffered, and then logs `<id> done` on stderr, which is how we know a result is complete.
 *
 * After each request's utterances a short sentinel file is decoded: when the sentinel starts, an
 * utterance of the request that logged no `done` line has failed (the program skips a file it
 * cannot read without a word on stdout), so no request can wait for ever on a silent engine.
 */
export interface EngineSpec {
  /** `pocketsphinx_batch` or a path to it. */
  readonly binary: string;
  /** Model and search flags (`-hmm`, `-dict`, `-lm` or `-kws`, decoder flags), without input/output flags. */
  readonly args: readonly string[];
  /** Files the engine needs in its own folder (a keyword list), as name → content; `{dir}` in args is replaced by that folder. */
  readonly files?: Readonly<Record<string, string>>;
  /** `-ctm` (free mode) or `-hypseg` (keyword mode): the result file the engine writes. */
  readonly output: '-ctm' | '-hypseg';
}

export interface Utterance {
  readonly id: string;
  /** Raw 16-bit 16 kHz mono PCM, without its `.raw` extension (that is added by the engine). */
  readonly pathWithoutExt: string;
}

const SAMPLE_RATE = 16000;
/** 50 ms of very quiet deterministic noise: decodes in a few milliseconds. */
function sentinelAudio(): Buffer {
  const samples = SAMPLE_RATE / 20;
  const out = Buffer.alloc(samples * 2);
  let x = 12345;
  for (let i = 0; i < samples; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    out.writeInt16LE((x % 7) - 3, i * 2);
  }
  return out;
}

type Child = ChildProcessByStdio<null, null, Readable>;

interface Pending {
  readonly ids: ReadonlySet<string>;
  readonly done: Set<string>;
  readonly sentinel: string;
  readonly resolve: (failed: ReadonlySet<string>) => void;
  readonly reject: (error: AsrError) => void;
}

interface Running {
  readonly child: Child;
  readonly dir: string;
  readonly output: FileHandle;
  /** The control list's named pipe, opened read-write so that opening never waits for the reader. */
  readonly control: FileHandle;
  readOffset: number;
  stderrTail: string;
}

/** One engine process; one request at a time (the pool serialises). */
export class EngineProcess {
  private running: Running | undefined;
  private pending: Pending | undefined;
  private seq = 0;
  private starting: Promise<Running> | undefined;

  constructor(private readonly spec: EngineSpec) {}

  get alive(): boolean {
    return this.running !== undefined;
  }

  /**
   * Decodes the utterances; resolves with the text the engine wrote for them (its output-file
   * lines) and the ids it could not decode.
   */
  async decode(
    utterances: readonly Utterance[],
    options: { timeoutMs: number; signal?: AbortSignal | undefined; tmpDir?: string | undefined },
  ): Promise<{ text: string; failed: ReadonlySet<string> }> {
    if (options.signal?.aborted) throw new AsrError('ABORTED', 'pocketsphinx not started: aborted');
    const running = await this.start(options.tmpDir);
    // Aborted while the engine started: nothing sent yet, and the engine stays up for the next call.
    if (options.signal?.aborted) throw new AsrError('ABORTED', 'pocketsphinx not started: aborted');
    const sentinel = `sentinel${++this.seq}`;
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const failed = await new Promise<ReadonlySet<string>>((resolve, reject) => {
      this.pending = { ids: new Set(utterances.map((u) => u.id)), done: new Set(), sentinel, resolve, reject };
      timer = setTimeout(() => {
        this.fail(
          new AsrError('TIMEOUT', `pocketsphinx killed after ${options.timeoutMs} ms`, {
            details: { timeoutMs: String(options.timeoutMs) },
          }),
        );
      }, options.timeoutMs);
      onAbort = () => this.fail(new AsrError('ABORTED', 'pocketsphinx killed: aborted'));
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const lines = utterances.map((u) => `${u.pathWithoutExt} 0 -1 ${u.id}\n`);
      lines.push(`${join(running.dir, 'sentinel')} 0 -1 ${sentinel}\n`);
      running.control.write(lines.join('')).catch((error: unknown) => {
        this.fail(new AsrError('ENGINE_FAILED', 'the engine does not take input', { cause: error }));
      });
    }).finally(() => {
      clearTimeout(timer);
      if (onAbort) options.signal?.removeEventListener('abort', onAbort);
    });
    return { text: await readNew(running), failed };
  }

  async close(): Promise<void> {
    const running = this.running;
    this.running = undefined;
    const p = this.pending;
    this.pending = undefined;
    p?.reject(new AsrError('ABORTED', 'pocketsphinx stopped'));
    if (running) {
      running.child.kill('SIGKILL');
      await cleanup(running);
    }
  }

  private async start(tmpDir: string | undefined): Promise<Running> {
    if (this.running !== undefined) return this.running;
    this.starting ??= this.spawn(tmpDir).finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async spawn(tmpDir: string | undefined): Promise<Running> {
    const dir = await mkdtemp(join(tmpDir ?? tmpdir(), 'asr-engine-'));
    await writeFile(join(dir, 'sentinel.raw'), sentinelAudio());
    for (const [name, content] of Object.entries(this.spec.files ?? {})) await writeFile(join(dir, name), content);
    const outputPath = join(dir, 'out');
    await writeFile(outputPath, '');
    const output = await open(outputPath, 'r');
    const controlPath = join(dir, 'control');
    try {
      await promisify(execFile)('mkfifo', ['-m', '600', controlPath]);
    } catch (error) {
      await output.close();
      await rm(dir, { recursive: true, force: true });
      throw new AsrError('ENGINE_UNAVAILABLE', 'cannot make the engine its control pipe (mkfifo)', { cause: error });
    }
    const control = await open(controlPath, 'r+');
    const args = [
      ...this.spec.args.map((a) => a.replaceAll('{dir}', dir)),
      '-adcin',
      'yes',
      '-cepext',
      '.raw',
      '-samprate',
      String(SAMPLE_RATE),
      '-ctl',
      controlPath,
      this.spec.output,
      outputPath,
    ];
    const child: Child = spawn(this.spec.binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    // A helper process: it does not keep the caller's process alive (a request in hand does, by its timer).
    child.unref();
    (child.stderr as Readable & { unref?: () => void }).unref?.();
    const running: Running = { child, dir, output, control, readOffset: 0, stderrTail: '' };
    this.running = running;
    createInterface({ input: child.stderr }).on('line', (line) => {
      running.stderrTail = (running.stderrTail + line + '\n').slice(-4096);
      if (this.running === running) this.onLog(line);
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      const code = error.code === 'ENOENT' || error.code === 'EACCES' ? 'ENGINE_UNAVAILABLE' : 'ENGINE_FAILED';
      this.exited(
        running,
        new AsrError(code, `pocketsphinx cannot be started (${error.code ?? 'unknown'})`, { cause: error }),
      );
    });
    child.on('close', (code, signal) => {
      this.exited(
        running,
        new AsrError('ENGINE_FAILED', `pocketsphinx exited with ${signal ?? `code ${code}`}`, {
          details: signal === null ? { exitCode: String(code) } : { signal },
          cause: new Error(running.stderrTail.trim().split('\n').slice(-5).join('\n')),
        }),
      );
    });
    return running;
  }

  private onLog(line: string): void {
    const p = this.pending;
    if (p === undefined) return;
    // `<id> done ----` after an utterance's results are written;
    // `INFO: batch.c(…): Decoding '<id>'` before each utterance starts.
    const done = /^(?:INFO: )?(\S+) done -+$/.exec(line);
    if (done && p.ids.has(done[1]!)) p.done.add(done[1]!);
    const decoding = /Decoding '([^']+)'$/.exec(line);
    if ((decoding && decoding[1] === p.sentinel) || (done && done[1] === p.sentinel)) {
      this.pending = undefined;
      p.resolve(new Set([...p.ids].filter((id) => !p.done.has(id))));
    }
  }

  /** Kills the process and rejects the request in hand; the next request starts a new process. */
  private fail(error: AsrError): void {
    const running = this.running;
    this.running = undefined;
    const p = this.pending;
    this.pending = undefined;
    p?.reject(error);
    if (running) {
      running.child.kill('SIGKILL');
      void cleanup(running);
    }
  }

  private exited(running: Running, error: AsrError): void {
    if (this.running !== running) return;
    this.running = undefined;
    const p = this.pending;
    this.pending = undefined;
    p?.reject(error);
    void cleanup(running);
  }
}

async function cleanup(running: Running): Promise<void> {
  await running.output.close().catch(() => undefined);
  await running.control.close().catch(() => undefined);
  await rm(running.dir, { recursive: true, force: true });
}

async function readNew(running: Running): Promise<string> {
  const { size } = await running.output.stat();
  const buffer = Buffer.alloc(size - running.readOffset);
  await running.output.read(buffer, 0, buffer.length, running.readOffset);
  running.readOffset = size;
  return buffer.toString('utf8');
}

export interface PoolOptions {
  /** Engines at most per search (model + language model or keyword list); default 2. */
  readonly maxPerSearch?: number;
  /** An engine idle this long is stopped; default 5 minutes. */
  readonly idleMs?: number;
  readonly tmpDir?: string | undefined;
}

interface Slot {
  readonly engine: EngineProcess;
  busy: boolean;
  idleTimer?: NodeJS.Timeout;
}

/**
 * Engines by search: a request takes an idle engine of its search, starts one while there are
 * fewer than `maxPerSearch`, or waits its turn.
 */
export class EnginePool {
  private readonly searches = new Map<string, { slots: Slot[]; waiters: ((slot: Slot) => void)[] }>();
  private closed = false;

  constructor(private readonly options: PoolOptions = {}) {}

  async decode(
    spec: EngineSpec,
    utterances: readonly Utterance[],
    options: { timeoutMs: number; signal?: AbortSignal | undefined },
  ): Promise<{ text: string; failed: ReadonlySet<string> }> {
    if (this.closed) throw new AsrError('ABORTED', 'the recogniser is closed');
    const slot = await this.acquire(spec, options.signal);
    try {
      return await slot.engine.decode(utterances, { ...options, tmpDir: this.options.tmpDir });
    } finally {
      this.release(spec, slot);
    }
  }

  /** Engines running now (for tests and metrics). */
  get size(): number {
    let n = 0;
    for (const s of this.searches.values()) n += s.slots.filter((slot) => slot.engine.alive).length;
    return n;
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.searches.values()].flatMap((s) => s.slots);
    this.searches.clear();
    for (const slot of all) clearTimeout(slot.idleTimer);
    await Promise.all(all.map((slot) => slot.engine.close()));
  }

  private acquire(spec: EngineSpec, signal: AbortSignal | undefined): Promise<Slot> {
    const key = JSON.stringify(spec);
    let search = this.searches.get(key);
    if (search === undefined) {
      search = { slots: [], waiters: [] };
      this.searches.set(key, search);
    }
    const idle = search.slots.find((s) => !s.busy);
    if (idle) {
      idle.busy = true;
      clearTimeout(idle.idleTimer);
      return Promise.resolve(idle);
    }
    if (search.slots.length < (this.options.maxPerSearch ?? 2)) {
      const slot: Slot = { engine: new EngineProcess(spec), busy: true };
      search.slots.push(slot);
      return Promise.resolve(slot);
    }
    const waiters = search.waiters;
    return new Promise<Slot>((resolve, reject) => {
      const waiter = (slot: Slot): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve(slot);
      };
      const onAbort = (): void => {
        const i = waiters.indexOf(waiter);
        if (i >= 0) waiters.splice(i, 1);
        reject(new AsrError('ABORTED', 'pocketsphinx not started: aborted'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      waiters.push(waiter);
    });
  }

  private release(spec: EngineSpec, slot: Slot): void {
    const key = JSON.stringify(spec);
    const search = this.searches.get(key);
    if (search === undefined || this.closed) {
      void slot.engine.close();
      return;
    }
    const next = search.waiters.shift();
    if (next) {
      next(slot);
      return;
    }
    slot.busy = false;
    slot.idleTimer = setTimeout(() => {
      if (slot.busy) return;
      const i = search.slots.indexOf(slot);
      if (i >= 0) search.slots.splice(i, 1);
      if (search.slots.length === 0 && search.waiters.length === 0) this.searches.delete(key);
      void slot.engine.close();
    }, this.options.idleMs ?? 300_000);
    slot.idleTimer.unref();
  }
}
