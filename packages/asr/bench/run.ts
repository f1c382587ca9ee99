/**
 * scripts/bench-asr: synthesise a known test set with espeak-ng, transcribe it with pocketsphinx in
 * free and keyword modes two at a time (both cores busy), and report WER, keyword precision/recall
 * and the real-time factor; then recordings stored per second through services/recording's own
 * sealing and its filesystem and object-store backends, beside a plain copy of the same bytes. A
 * table on stderr-free stdout, and one JSON object as the last line.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { PocketsphinxRecognizer, readWavHeader, wordErrorRate, type Transcript } from '@outbound/asr';

import { KEYWORDS, reportSet, synthesiserOf, tuneSet, type Utterance } from './corpus.js';

const run = promisify(execFile);
const PARALLEL = Number(process.env.BENCH_PARALLEL ?? 2);
const EXPONENTS = (process.env.BENCH_KWS_EXPONENTS ?? '2,3,4,5,6,7,8').split(',').map(Number);
const STORE_COUNT = Number(process.env.BENCH_STORE_COUNT ?? 200);
/** Free-mode decoder flags, space-separated; default the package's own. */
const DECODER_ARGS = process.env.BENCH_DECODER_ARGS?.split(' ').filter((a) => a !== '');
const freeRecognizer = (): PocketsphinxRecognizer =>
  new PocketsphinxRecognizer(DECODER_ARGS === undefined ? {} : { decoderArgs: DECODER_ARGS });

interface Audio extends Utterance {
  path: string;
  durationMs: number;
}

async function synthesise(dir: string, utterances: Utterance[]): Promise<Audio[]> {
  return mapParallel(utterances, 2, async (u) => {
    const raw = join(dir, `${u.id}.tts.wav`);
    const path = join(dir, `${u.id}.wav`);
    if (synthesiserOf(u.voice) === 'flite') {
      // flite has no words-per-minute setting: stretch its durations to the same speed (≈150 wpm native).
      const stretch = (150 / u.speed).toFixed(3);
      await run('flite', [
        '-voice',
        u.voice.slice('flite:'.length),
        '--setf',
        `duration_stretch=${stretch}`,
        '-t',
        u.text,
        '-o',
        raw,
      ]);
    } else await run('espeak-ng', ['-v', u.voice, '-s', String(u.speed), '-w', raw, u.text]);
    // What a line gives: band-limited to its rate, 16-bit mono.
    await run('sox', ['-D', raw, '-r', String(u.rate), '-b', '16', '-c', '1', path]);
    const check = readWavHeader(await readFile(path));
    if (!check.ok) throw new Error(`synthesis produced a bad file for ${u.id}`);
    return { ...u, path, durationMs: check.format.durationMs };
  });
}

async function mapParallel<T, R>(
  items: readonly T[],
  parallel: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, items.length) }, worker));
  return out;
}

function keywordScores(
  audio: readonly Audio[],
  transcripts: readonly Transcript[],
): { precision: number; recall: number; tp: number; fp: number; fn: number } {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const [i, a] of audio.entries()) {
    const heard = new Set(transcripts[i]!.words.map((w) => w.word));
    for (const k of KEYWORDS) {
      const truth = a.keywords.includes(k);
      if (heard.has(k) && truth) tp++;
      else if (heard.has(k)) fp++;
      else if (truth) fn++;
    }
  }
  return { precision: tp + fp === 0 ? 1 : tp / (tp + fp), recall: tp + fn === 0 ? 1 : tp / (tp + fn), tp, fp, fn };
}

/** Per-file transcription, PARALLEL at a time: wall time of each call summed over audio time. */
async function timedPerFile(
  recognizer: PocketsphinxRecognizer,
  audio: readonly Audio[],
  keywords?: readonly string[],
): Promise<{ transcripts: Transcript[]; rtf: number; wallMs: number }> {
  let busyMs = 0;
  const started = performance.now();
  const transcripts = await mapParallel(audio, PARALLEL, async (a) => {
    const t0 = performance.now();
    const result = await recognizer.transcribe(
      keywords === undefined ? { wavPath: a.path } : { wavPath: a.path, keywords },
    );
    busyMs += performance.now() - t0;
    return result;
  });
  const audioMs = audio.reduce((s, a) => s + a.durationMs, 0);
  return { transcripts, rtf: busyMs / audioMs, wallMs: performance.now() - started };
}

/** Batched transcription: PARALLEL engine runs, each over a share of the files. */
async function timedBatched(
  recognizer: PocketsphinxRecognizer,
  audio: readonly Audio[],
  keywords?: readonly string[],
): Promise<{ transcripts: Transcript[]; rtf: number }> {
  const chunks: Audio[][] = Array.from({ length: PARALLEL }, () => []);
  audio.forEach((a, i) => chunks[i % PARALLEL]!.push(a));
  let busyMs = 0;
  const results = await mapParallel(chunks, PARALLEL, async (chunk) => {
    const t0 = performance.now();
    const r = await recognizer.transcribeMany(
      chunk.map((a) => ({ wavPath: a.path })),
      { keywords },
    );
    busyMs += performance.now() - t0;
    return r;
  });
  const transcripts: Transcript[] = new Array<Transcript>(audio.length);
  results.forEach((r, c) =>
    r.forEach((t, j) => {
      if (t instanceof Error) throw t;
      transcripts[j * PARALLEL + c] = t;
    }),
  );
  const audioMs = audio.reduce((s, a) => s + a.durationMs, 0);
  return { transcripts, rtf: busyMs / audioMs };
}

interface StorageFigures {
  count: number;
  bytes: number;
  filesystemPerSec: number;
  objectStorePerSec: number;
  copyPerSec: number;
  copyFsyncPerSec: number;
}

/**
 * Storage through services/recording's own sealing and backends, run as its bench program: this
 * package cannot import the service (the service depends on it), so the figures come back as JSON.
 */
async function storageBench(wavPath: string): Promise<StorageFigures> {
  const program = new URL('../../../../services/recording/dist/bench/storage.js', import.meta.url);
  const { stdout } = await run(process.execPath, [program.pathname, wavPath, String(STORE_COUNT)], {
    maxBuffer: 1024 * 1024,
  });
  const last = stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(last) as StorageFigures;
}

const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-asr-'));
  try {
    const [tune, report] = await Promise.all([synthesise(dir, tuneSet()), synthesise(dir, reportSet())]);
    const audioSec = report.reduce((s, a) => s + a.durationMs, 0) / 1000;

    // 1. Keyword thresholds, chosen on the tuning set only: the highest recall with precision ≥ 90 %.
    const sweep: { exponent: number; precision: number; recall: number }[] = [];
    for (const exponent of EXPONENTS) {
      const { transcripts } = await timedBatched(
        new PocketsphinxRecognizer({ kwsThresholdExponentPerPhone: exponent }),
        tune,
        KEYWORDS,
      );
      const s = keywordScores(tune, transcripts);
      sweep.push({ exponent, precision: s.precision, recall: s.recall });
    }
    const eligible = sweep.filter((s) => s.precision >= 0.9);
    const chosen = (eligible.length > 0 ? eligible : sweep).reduce((best, s) =>
      s.recall > best.recall || (s.recall === best.recall && s.precision > best.precision) ? s : best,
    );

    // 2. The reported set: keyword mode with the chosen threshold, free mode, per file and batched.
    const kwsRecognizer = new PocketsphinxRecognizer({ kwsThresholdExponentPerPhone: chosen.exponent });
    const kws = await timedPerFile(kwsRecognizer, report, KEYWORDS);
    const kwsScores = keywordScores(report, kws.transcripts);
    const byRate = (rate: number): ReturnType<typeof keywordScores> => {
      const idx = report.flatMap((a, i) => (a.rate === rate ? [i] : []));
      return keywordScores(
        idx.map((i) => report[i]!),
        idx.map((i) => kws.transcripts[i]!),
      );
    };
    const free = await timedPerFile(freeRecognizer(), report);
    const freeBatched = await timedBatched(freeRecognizer(), report);
    const pairs = report.map((a, i) => ({ reference: a.text, hypothesis: free.transcripts[i]!.text, rate: a.rate }));
    const wer = wordErrorRate(pairs);
    const wer8k = wordErrorRate(pairs.filter((p) => p.rate === 8000));
    const wer16k = wordErrorRate(pairs.filter((p) => p.rate === 16000));
    const bySynthesiser = (name: 'flite' | 'espeak-ng') => {
      const idx = report.flatMap((a, i) => (synthesiserOf(a.voice) === name ? [i] : []));
      const keywords = keywordScores(
        idx.map((i) => report[i]!),
        idx.map((i) => kws.transcripts[i]!),
      );
      return { wer: wordErrorRate(idx.map((i) => pairs[i]!)), ...keywords };
    };
    const espeak = bySynthesiser('espeak-ng');
    const flite = bySynthesiser('flite');

    // 3. Storage: a one-minute stereo 8 kHz call (1.9 MB), the size a recording really has.
    const call = join(dir, 'call.wav');
    await run('sox', [
      '-D',
      '-n',
      '-r',
      '8000',
      '-b',
      '16',
      '-c',
      '2',
      call,
      'synth',
      '60',
      'sine',
      '300',
      'sine',
      '500',
      'vol',
      '0.3',
    ]);
    const storage = await storageBench(call);

    const rows: [string, string][] = [
      [
        'utterances (reported set)',
        `${report.length} (${audioSec.toFixed(1)} s of audio; ${tune.length} more for tuning)`,
      ],
      [
        'voices / rates',
        'espeak-ng en-us 8k, en-gb 16k, en+f3 8k; flite slt 16k, rms 16k, awb 8k (tuning: espeak-ng en-us+m3 16k, en-gb-x-rp 8k; flite awb 16k, slt 8k)',
      ],
      ['parallel engine runs', String(PARALLEL)],
      [
        'keyword threshold sweep (tuning set)',
        sweep.map((s) => `${s.exponent}: P ${pct(s.precision)} R ${pct(s.recall)}`).join('; '),
      ],
      ['chosen exponent per phone', String(chosen.exponent)],
      ['keyword precision (reported set)', `${pct(kwsScores.precision)} (tp ${kwsScores.tp}, fp ${kwsScores.fp})`],
      ['keyword recall (reported set)', `${pct(kwsScores.recall)} (fn ${kwsScores.fn})`],
      ['  8 kHz: precision / recall', `${pct(byRate(8000).precision)} / ${pct(byRate(8000).recall)}`],
      ['  16 kHz: precision / recall', `${pct(byRate(16000).precision)} / ${pct(byRate(16000).recall)}`],
      [
        '  espeak-ng: precision / recall / WER',
        `${pct(espeak.precision)} / ${pct(espeak.recall)} / ${pct(espeak.wer)}`,
      ],
      ['  flite: precision / recall / WER', `${pct(flite.precision)} / ${pct(flite.recall)} / ${pct(flite.wer)}`],
      ['keyword mode RTF (per file)', kws.rtf.toFixed(3)],
      ['free mode WER (all / 8k / 16k)', `${pct(wer)} / ${pct(wer8k)} / ${pct(wer16k)}`],
      ['free mode RTF (per file, model loaded each call)', free.rtf.toFixed(3)],
      ['free mode RTF (batched, model loaded once per run)', freeBatched.rtf.toFixed(3)],
      [
        'recordings stored/s, filesystem backend (seal + fsync, 1.9 MB)',
        `${storage.filesystemPerSec.toFixed(1)} (${(storage.filesystemPerSec / storage.copyPerSec).toFixed(2)}× copy)`,
      ],
      [
        'recordings stored/s, object-store backend (seal + JetStream)',
        `${storage.objectStorePerSec.toFixed(1)} (${(storage.objectStorePerSec / storage.copyPerSec).toFixed(2)}× copy)`,
      ],
      ['plain copies/s (same bytes)', storage.copyPerSec.toFixed(1)],
      ['plain copies/s with fsync (same bytes)', storage.copyFsyncPerSec.toFixed(1)],
      ['Mandarin engine', 'none (see packages/asr/README.md)'],
    ];
    const width = Math.max(...rows.map(([k]) => k.length));
    for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
    console.log('examples (free mode):');
    for (const i of [0, 2, 10, 21, 45, 60, 62, 82, 101]) {
      const a = report[i];
      if (a !== undefined) console.log(`  ${a.voice}/${a.rate}: "${a.text}" → "${free.transcripts[i]!.text}"`);
    }
    const round = (x: number, d = 3): number => Number(x.toFixed(d));
    console.log(
      JSON.stringify({
        utterances: report.length,
        rtf: round(free.rtf),
        rtfBatched: round(freeBatched.rtf),
        rtfKeyword: round(kws.rtf),
        wer: round(wer),
        wer8k: round(wer8k),
        wer16k: round(wer16k),
        keywordRecall: round(kwsScores.recall),
        keywordPrecision: round(kwsScores.precision),
        kwsExponentPerPhone: chosen.exponent,
        werEspeak: round(espeak.wer),
        werFlite: round(flite.wer),
        keywordRecallEspeak: round(espeak.recall),
        keywordPrecisionEspeak: round(espeak.precision),
        keywordRecallFlite: round(flite.recall),
        keywordPrecisionFlite: round(flite.precision),
        recordingsStoredPerSec: storage.filesystemPerSec,
        objectStorePerSec: storage.objectStorePerSec,
        copyPerSec: storage.copyPerSec,
        copyFsyncPerSec: storage.copyFsyncPerSec,
        storedToCopyRatio: round(storage.filesystemPerSec / storage.copyPerSec),
        objectStoreToCopyRatio: round(storage.objectStorePerSec / storage.copyPerSec),
        mandarin: false,
      }),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
