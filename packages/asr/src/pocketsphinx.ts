import { access, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { EnginePool, type EngineSpec } from './engine.js';
import { AsrError } from './errors.js';
import { runProgram } from './process.js';
import type { RecognizedWord, SpeechRecognizer, TranscribeInput, Transcript } from './recognizer.js';
import { readWavHeader, type WavFormat } from './wav.js';

/**
 * Speech recognition with CMU pocketsphinx as packaged by Debian (`pocketsphinx`,
 * `pocketsphinx-en-us`, 5prealpha: the `pocketsphinx_batch` program, which has no JSON output but
 * writes CTM and segmentation files with word timings). The audio goes through `sox` first: the
 * wanted channel, 16 kHz, 16-bit mono raw PCM, which is what the acoustic model was trained on.
 *
 * Two modes: free transcription with the statistical language model, and keyword spotting (`kws`)
 * when `keywords` are given, each phrase with a detection threshold scaled by its length in phones.
 */
export interface PocketsphinxOptions {
  /** Default `pocketsphinx_batch` (on PATH). */
  binary?: string;
  /** Default `sox` (on PATH). */
  soxBinary?: string;
  /** Default Debian's `/usr/share/pocketsphinx/model/en-us`; `hmm`, `lm` and `dict` default inside it. */
  modelDir?: string;
  hmm?: string;
  lm?: string;
  dict?: string;
  /** Fixed per-run timeout; default 20 s plus twice the audio's duration. */
  timeoutMs?: number;
  /**
   * Keyword mode: a phrase of n phones is spotted when its score beats 10^-(n × this). Lower finds
   * more (and more false alarms). Default tuned by `scripts/bench-asr` on its tuning set.
   */
  kwsThresholdExponentPerPhone?: number;
  /** Extra decoder flags for free mode (defaults trade a little accuracy for speed). */
  decoderArgs?: readonly string[];
  /** Where per-run scratch directories go; default the OS temp dir. */
  tmpDir?: string;
  /**
   * `long-lived` (default): engine processes stay up between calls, one per search (free mode, or
   * a keyword list) and up to `maxEnginesPerSearch` of each, stopped after `engineIdleMs` idle or
   * by `close()`. `per-call`: one engine run per call, the model loaded each time.
   */
  engine?: 'long-lived' | 'per-call';
  /** Default 2. */
  maxEnginesPerSearch?: number;
  /** Default 5 minutes. */
  engineIdleMs?: number;
}

export const DEBIAN_MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';
export const DEFAULT_KWS_EXPONENT_PER_PHONE = 5;
/** Narrower search than pocketsphinx's defaults: about twice as fast at the same accuracy on phone audio. */
export const DEFAULT_DECODER_ARGS: readonly string[] = ['-maxhmmpf', '3000', '-pl_window', '10'];
const SAMPLE_RATE = 16000;
const FRAME_MS = 10;

export type BatchItem = Omit<TranscribeInput, 'keywords' | 'signal'>;

export class PocketsphinxRecognizer implements SpeechRecognizer {
  private readonly binary: string;
  private readonly sox: string;
  private readonly hmm: string;
  private readonly lm: string;
  private readonly dictPath: string;
  private readonly exponentPerPhone: number;
  private readonly decoderArgs: readonly string[];
  private dictionary: Promise<ReadonlyMap<string, number>> | undefined;
  private readonly pool: EnginePool | undefined;
  private requests = 0;

  constructor(private readonly options: PocketsphinxOptions = {}) {
    const modelDir = options.modelDir ?? DEBIAN_MODEL_DIR;
    this.binary = options.binary ?? 'pocketsphinx_batch';
    this.sox = options.soxBinary ?? 'sox';
    this.hmm = options.hmm ?? join(modelDir, 'en-us');
    this.lm = options.lm ?? join(modelDir, 'en-us.lm.bin');
    this.dictPath = options.dict ?? join(modelDir, 'cmudict-en-us.dict');
    this.exponentPerPhone = options.kwsThresholdExponentPerPhone ?? DEFAULT_KWS_EXPONENT_PER_PHONE;
    this.decoderArgs = options.decoderArgs ?? DEFAULT_DECODER_ARGS;
    this.pool =
      options.engine === 'per-call'
        ? undefined
        : new EnginePool({
            ...(options.maxEnginesPerSearch === undefined ? {} : { maxPerSearch: options.maxEnginesPerSearch }),
            ...(options.engineIdleMs === undefined ? {} : { idleMs: options.engineIdleMs }),
            tmpDir: options.tmpDir,
          });
  }

  /**
   * Checks that the model files are there, so a service can refuse to start with a clear reason
   * instead of failing every job: ENGINE_UNAVAILABLE naming the folder and the missing file.
   */
  async check(): Promise<void> {
    const needed: [string, string][] = [
      ...['mdef', 'means', 'variances', 'transition_matrices'].map((f): [string, string] => [this.hmm, f]),
      [this.dictPath, ''],
      [this.lm, ''],
    ];
    for (const [dir, file] of needed) {
      const path = file === '' ? dir : join(dir, file);
      if (!(await exists(path))) {
        throw new AsrError(
          'ENGINE_UNAVAILABLE',
          file === ''
            ? `speech model file ${path} does not exist`
            : `acoustic model folder ${dir} has no ${file} (scripts/asr-model builds the adapted model)`,
        );
      }
    }
    if (!(await exists(join(this.hmm, 'sendump'))) && !(await exists(join(this.hmm, 'mixture_weights'))))
      throw new AsrError('ENGINE_UNAVAILABLE', `acoustic model folder ${this.hmm} has no sendump or mixture_weights`);
  }

  /** Stops the long-lived engines (a call after this rejects with ABORTED). */
  async close(): Promise<void> {
    await this.pool?.close();
  }

  /** Long-lived engine processes running now. */
  get engines(): number {
    return this.pool?.size ?? 0;
  }

  async transcribe(input: TranscribeInput): Promise<Transcript> {
    const [result] = await this.transcribeMany([input], { keywords: input.keywords, signal: input.signal });
    if (result instanceof Error) throw result;
    return result!;
  }

  /**
   * Several files in one engine run (the model loads once, which is most of a short file's cost).
   * Each item gets its transcript or its own `AsrError`; the whole call rejects only for what
   * spoils every item (engine missing or crashed, timeout, abort, bad keywords).
   */
  async transcribeMany(
    items: readonly BatchItem[],
    options: { keywords?: readonly string[] | undefined; signal?: AbortSignal | undefined } = {},
  ): Promise<(Transcript | AsrError)[]> {
    const kws = options.keywords === undefined ? undefined : await this.keywordFile(options.keywords);
    const scratch = await mkdtemp(join(this.options.tmpDir ?? tmpdir(), 'asr-'));
    try {
      const results: (Transcript | AsrError | undefined)[] = items.map(() => undefined);
      const prepared: { index: number; id: string; format: WavFormat }[] = [];
      let audioMs = 0;
      const request = ++this.requests;
      for (const [index, item] of items.entries()) {
        try {
          const format = await inspect(item);
          const id = `r${request}u${index}`;
          await runProgram(this.sox, soxArgs(item.wavPath, join(scratch, `${id}.raw`), item.channel ?? 0), {
            role: 'audio converter',
            timeoutMs: this.timeoutFor(format.durationMs),
            signal: options.signal,
          });
          prepared.push({ index, id, format });
          audioMs += format.durationMs;
        } catch (error) {
          if (!(error instanceof AsrError) || error.code === 'ABORTED' || error.code === 'ENGINE_UNAVAILABLE')
            throw error;
          // A converter that fails on a file the header check passed: the file is bad, not the engine.
          results[index] =
            error.code === 'ENGINE_FAILED'
              ? new AsrError('AUDIO_CORRUPT', 'the audio converter could not read the file', { cause: error })
              : error;
        }
      }
      if (prepared.length > 0) {
        let output: string;
        let failed: ReadonlySet<string> = new Set();
        if (this.pool === undefined) {
          await this.decode(
            scratch,
            prepared.map((p) => p.id),
            kws,
            this.timeoutFor(audioMs),
            options.signal,
          );
          output = await readText(join(scratch, kws === undefined ? 'out.ctm' : 'out.seg'));
        } else {
          ({ text: output, failed } = await this.pool.decode(
            this.engineSpec(kws),
            prepared.map((p) => ({ id: p.id, pathWithoutExt: join(scratch, p.id) })),
            { timeoutMs: this.timeoutFor(audioMs), signal: options.signal },
          ));
        }
        const parsed = kws === undefined ? parseCtm(output) : parseHypseg(output, kws.phrases);
        for (const p of prepared) {
          if (failed.has(p.id)) {
            results[p.index] = new AsrError('ENGINE_FAILED', 'the engine could not decode the file');
            continue;
          }
          // CTM has no line for a file without words; keyword mode writes a line for every file.
          const fallback =
            kws === undefined
              ? { text: '', words: [] }
              : new AsrError('ENGINE_FAILED', 'the engine produced no result for the file');
          results[p.index] = parsed.get(p.id) ?? fallback;
        }
      }
      return results.map((r) => r ?? new AsrError('ENGINE_FAILED', 'no result'));
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }

  /** What a long-lived engine for this search loads: the same model flags as a per-call run. */
  private engineSpec(kws: KwsFile | undefined): EngineSpec {
    const model = ['-hmm', this.hmm, '-dict', this.dictPath];
    if (kws === undefined)
      return { binary: this.binary, args: [...model, '-lm', this.lm, ...this.decoderArgs], output: '-ctm' };
    return {
      binary: this.binary,
      args: [...model, '-kws', '{dir}/keywords.kws'],
      files: { 'keywords.kws': kws.text },
      output: '-hypseg',
    };
  }

  private timeoutFor(audioMs: number): number {
    return this.options.timeoutMs ?? 20_000 + 2 * audioMs;
  }

  private async decode(
    scratch: string,
    ids: readonly string[],
    kws: KwsFile | undefined,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const ctl = join(scratch, 'files.ctl');
    await writeFile(ctl, ids.map((id) => `${id}\n`).join(''));
    const args = [
      '-adcin',
      'yes',
      '-cepdir',
      scratch,
      '-cepext',
      '.raw',
      '-ctl',
      ctl,
      '-samprate',
      String(SAMPLE_RATE),
    ];
    args.push('-hmm', this.hmm, '-dict', this.dictPath, '-logfn', join(scratch, 'engine.log'));
    if (kws === undefined) {
      args.push('-lm', this.lm, '-ctm', join(scratch, 'out.ctm'), ...this.decoderArgs);
    } else {
      const file = join(scratch, 'keywords.kws');
      await writeFile(file, kws.text);
      args.push('-kws', file, '-hypseg', join(scratch, 'out.seg'));
    }
    await runProgram(this.binary, args, { role: 'pocketsphinx', timeoutMs, signal });
  }

  /** The phrases the dictionary can spell, each with its threshold; unknown words drop their phrase. */
  private async keywordFile(keywords: readonly string[]): Promise<KwsFile> {
    const dict = await this.loadDictionary();
    const phrases = new Map<string, string>();
    const lines: string[] = [];
    for (const keyword of keywords) {
      const normalized = normalizePhrase(keyword);
      if (normalized === '' || phrases.has(normalized)) continue;
      const words = normalized.split(' ');
      if (!words.every((w) => dict.has(w))) continue;
      const phones = words.reduce((sum, w) => sum + dict.get(w)!, 0);
      phrases.set(normalized, keyword);
      lines.push(`${normalized} /1e-${Math.max(1, Math.round(phones * this.exponentPerPhone))}/\n`);
    }
    if (lines.length === 0) {
      throw new AsrError(
        'KEYWORDS_INVALID',
        `none of the ${keywords.length} keywords can be spelt by the engine's dictionary`,
        {
          details: { keywords: String(keywords.length) },
        },
      );
    }
    return { text: lines.join(''), phrases };
  }

  /** Word → phones of its first pronunciation, read once from the engine's dictionary. */
  private loadDictionary(): Promise<ReadonlyMap<string, number>> {
    this.dictionary ??= readFile(this.dictPath, 'utf8').then(
      (text) => {
        const map = new Map<string, number>();
        for (const line of text.split('\n')) {
          const parts = line.trim().split(/\s+/);
          const word = parts[0];
          if (word === undefined || word === '' || word.includes('(')) continue;
          map.set(word, parts.length - 1);
        }
        return map;
      },
      (error: unknown) => {
        this.dictionary = undefined;
        throw new AsrError('ENGINE_UNAVAILABLE', 'the pronunciation dictionary cannot be read', { cause: error });
      },
    );
    return this.dictionary;
  }
}

interface KwsFile {
  text: string;
  /** Normalised phrase → the keyword as the caller wrote it. */
  phrases: ReadonlyMap<string, string>;
}

export function normalizePhrase(phrase: string): string {
  return phrase
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}'\s]+/gu, ' ')
    .trim()
    .split(/\s+/u)
    .filter((w) => w !== '')
    .join(' ');
}

async function inspect(item: BatchItem): Promise<WavFormat> {
  let handle;
  try {
    handle = await open(item.wavPath, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR')
      throw new AsrError('AUDIO_NOT_FOUND', 'the audio file does not exist', { cause: error });
    throw new AsrError('AUDIO_CORRUPT', `the audio file cannot be opened (${code ?? 'unknown'})`, { cause: error });
  }
  try {
    const { size, isFile } = await handle.stat().then((s) => ({ size: s.size, isFile: s.isFile() }));
    if (!isFile) throw new AsrError('AUDIO_CORRUPT', 'the audio path is not a regular file');
    const head = new Uint8Array(Math.min(size, 64 * 1024));
    await handle.read(head, 0, head.length, 0);
    const check = readWavHeader(head, size);
    if (!check.ok) throw new AsrError(check.problem.code, check.problem.reason);
    if ((item.channel ?? 0) >= check.format.channels) {
      throw new AsrError(
        'AUDIO_UNSUPPORTED',
        `channel ${item.channel} requested from a file with ${check.format.channels} channel(s)`,
      );
    }
    return check.format;
  } finally {
    await handle.close();
  }
}

function soxArgs(input: string, output: string, channel: number): string[] {
  // -D: no dither, so the same input always gives the same samples.
  return [
    '-V1',
    '-D',
    input,
    '-t',
    'raw',
    '-e',
    'signed-integer',
    '-b',
    '16',
    '-c',
    '1',
    '-r',
    String(SAMPLE_RATE),
    output,
    'remix',
    String(channel + 1),
  ];
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new AsrError('ENGINE_FAILED', 'the engine wrote no output', { cause: error });
  }
}

const FILLER = /^(<s>|<\/s>|<sil>|\[.*\]|\+\+.*\+\+)$/;

/** CTM lines: `utt channel startSec durationSec word confidence`. Every prepared id gets an entry. */
export function parseCtm(text: string): Map<string, Transcript> {
  const out = new Map<string, Transcript>();
  for (const line of text.split('\n')) {
    const parts = line.trim().split(/\s+/);
    if (parts.length < 5) continue;
    const [id, , start, duration, rawWord, confidence] = parts as [string, string, string, string, string, string?];
    const entry = out.get(id) ?? { text: '', words: [] };
    out.set(id, entry);
    const word = rawWord.replace(/\(\d+\)$/, '');
    if (FILLER.test(word)) continue;
    const startMs = Math.round(Number(start) * 1000);
    const w: RecognizedWord = { word, startMs, endMs: startMs + Math.round(Number(duration) * 1000) };
    if (confidence !== undefined && Number.isFinite(Number(confidence))) w.confidence = Number(confidence);
    entry.words.push(w);
  }
  for (const entry of out.values()) entry.text = entry.words.map((w) => w.word).join(' ');
  return out;
}

/**
 * Segmentation lines from keyword mode: `utt S x T x A x L x` then groups of
 * `startFrame acousticScore lmScore phrase…`, and a closing frame. Phrases may hold spaces, so a
 * group's phrase runs up to the next integer.
 */
export function parseHypseg(text: string, phrases: ReadonlyMap<string, string>): Map<string, Transcript> {
  const out = new Map<string, Transcript>();
  for (const line of text.split('\n')) {
    const tokens = line
      .trim()
      .split(/\s+/)
      .filter((t) => t !== '');
    if (tokens.length < 9 || tokens[1] !== 'S') continue;
    const id = tokens[0]!;
    const segments: { startFrame: number; phrase: string }[] = [];
    let endFrame = 0;
    let i = 9;
    while (i < tokens.length) {
      if (i + 3 >= tokens.length) {
        endFrame = Number(tokens[i]);
        break;
      }
      const startFrame = Number(tokens[i]);
      let j = i + 3;
      const words: string[] = [];
      while (j < tokens.length && !/^-?\d+$/.test(tokens[j]!)) words.push(tokens[j++]!);
      segments.push({ startFrame, phrase: words.join(' ') });
      i = j;
    }
    const words: RecognizedWord[] = [];
    for (const [k, seg] of segments.entries()) {
      const keyword = phrases.get(seg.phrase);
      if (keyword === undefined) continue;
      const next = segments[k + 1]?.startFrame ?? endFrame;
      words.push({
        word: keyword,
        startMs: seg.startFrame * FRAME_MS,
        endMs: Math.max(seg.startFrame, next) * FRAME_MS,
      });
    }
    out.set(id, { text: words.map((w) => w.word).join(' '), words });
  }
  return out;
}
