/**
 * scripts/bench-asr: synthesise a known test set with espeak-ng, transcribe it with pocketsphinx in
 * free and keyword modes two at a time (both cores busy), and report WER, keyword precision/recall
 * and the real-time factor; then recordings stored per second through services/recording's own
 * sealing and its filesystem and object-store backends, beside a plain copy of the same bytes. A
 * table on stderr-free stdout, and one JSON object as the last line.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';

import {
  PocketsphinxRecognizer,
  readWavHeader,
  spotKeywords,
  wordErrorRate,
  type PocketsphinxOptions,
  type Transcript,
} from '@outbound/asr';

import { KEYWORDS, reportSet, synthesiserOf, tuneSet, type Utterance } from './corpus.js';
import { mapParallel, speak } from '../adapt/speak.js';

const run = promisify(execFile);
const PARALLEL = Number(process.env.BENCH_PARALLEL ?? 2);
const EXPONENTS = (process.env.BENCH_KWS_EXPONENTS ?? '3,4,5,6,7').split(',').map(Number);
const STORE_COUNT = Number(process.env.BENCH_STORE_COUNT ?? 200);
/** The adapted acoustic model (scripts/asr-model), and the one built without HELD_OUT_VOICE. */
const ADAPTED = process.env.BENCH_ACOUSTIC_MODEL;
const HELD_OUT_MODEL = process.env.BENCH_HELDOUT_MODEL;
const HELD_OUT_VOICE = process.env.BENCH_HELDOUT_VOICE ?? 'en+f3';
/** pocketsphinx-testdata's human recordings (LibriVox, goforward), for the check on real voices. */
const HUMAN_DIR = process.env.BENCH_HUMAN_DIR ?? '/usr/share/pocketsphinx/test/data';
/** Free-mode decoder flags, space-separated; default the package's own. */
const DECODER_ARGS = process.env.BENCH_DECODER_ARGS?.split(' ').filter((a) => a !== '');
const KEYWORD_SET = Object.fromEntries(KEYWORDS.map((k) => [k, k]));

function recognizer(hmm: string | undefined, options: PocketsphinxOptions = {}): PocketsphinxRecognizer {
  return new PocketsphinxRecognizer({
    ...(hmm === undefined ? {} : { hmm }),
    ...(DECODER_ARGS === undefined ? {} : { decoderArgs: DECODER_ARGS }),
    maxEnginesPerSearch: PARALLEL,
    ...options,
  });
}

interface Audio extends Utterance {
  path: string;
  durationMs: number;
}

async function synthesise(dir: string, utterances: Utterance[]): Promise<Audio[]> {
  return mapParallel(utterances, 2, async (u) => {
    const raw = join(dir, `${u.id}.tts.wav`);
    const path = join(dir, `${u.id}.wav`);
    await speak(u.voice, u.speed, u.text, raw);
    // What a line gives: band-limited to its rate, 16-bit mono.
    await run('sox', ['-D', raw, '-r', String(u.rate), '-b', '16', '-c', '1', path]);
    const check = readWavHeader(await readFile(path));
    if (!check.ok) throw new Error(`synthesis produced a bad file for ${u.id}`);
    return { ...u, path, durationMs: check.format.durationMs };
  });
}

interface Scores {
  precision: number;
  recall: number;
  tp: number;
  fp: number;
  fn: number;
}

/** Keyword scores over utterances, from the phrases heard in each. */
function keywordScores(audio: readonly Audio[], heard: readonly ReadonlySet<string>[]): Scores {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const [i, a] of audio.entries()) {
    for (const k of KEYWORDS) {
      const truth = a.keywords.includes(k);
      if (heard[i]!.has(k) && truth) tp++;
      else if (heard[i]!.has(k)) fp++;
      else if (truth) fn++;
    }
  }
  return { precision: tp + fp === 0 ? 1 : tp / (tp + fp), recall: tp + fn === 0 ? 1 : tp / (tp + fn), tp, fp, fn };
}

interface ServiceRun {
  free: Transcript[];
  spotted: Transcript[];
  /** What the service tags: keyword mode's phrases and the phrases found in the free transcript. */
  tagged: Set<string>[];
  /** Both runs of a recording (free, then keyword mode) over its audio time. */
  rtf: number;
  rtfFree: number;
  rtfKeyword: number;
}

/**
 * Each recording as services/recording transcribes one: free mode, then keyword mode, through the
 * same recogniser (long-lived engines unless `per-call`), PARALLEL recordings at a time.
 */
async function serviceRun(r: PocketsphinxRecognizer, audio: readonly Audio[]): Promise<ServiceRun> {
  let freeMs = 0;
  let kwsMs = 0;
  const results = await mapParallel(audio, PARALLEL, async (a) => {
    const t0 = performance.now();
    const free = await r.transcribe({ wavPath: a.path });
    const t1 = performance.now();
    const spotted = await r.transcribe({ wavPath: a.path, keywords: KEYWORDS });
    kwsMs += performance.now() - t1;
    freeMs += t1 - t0;
    return { free, spotted };
  });
  const audioMs = audio.reduce((s, a) => s + a.durationMs, 0);
  return {
    free: results.map((x) => x.free),
    spotted: results.map((x) => x.spotted),
    tagged: results.map(
      (x) =>
        new Set([
          ...x.spotted.words.map((w) => w.word),
          ...spotKeywords(x.free.text, KEYWORD_SET).map((h) => h.keyword),
        ]),
    ),
    rtf: (freeMs + kwsMs) / audioMs,
    rtfFree: freeMs / audioMs,
    rtfKeyword: kwsMs / audioMs,
  };
}

/** The keyword threshold, chosen on the tuning set only: the highest recall with precision ≥ 90 %. */
async function chooseExponent(
  hmm: string | undefined,
  tune: readonly Audio[],
): Promise<{ exponent: number; sweep: { exponent: number; precision: number; recall: number }[] }> {
  const sweep: { exponent: number; precision: number; recall: number }[] = [];
  for (const exponent of EXPONENTS) {
    const r = recognizer(hmm, { kwsThresholdExponentPerPhone: exponent });
    try {
      const spotted = await mapParallel(tune, PARALLEL, (a) => r.transcribe({ wavPath: a.path, keywords: KEYWORDS }));
      const s = keywordScores(
        tune,
        spotted.map((t) => new Set(t.words.map((w) => w.word))),
      );
      sweep.push({ exponent, precision: s.precision, recall: s.recall });
    } finally {
      await r.close();
    }
  }
  const eligible = sweep.filter((s) => s.precision >= 0.9);
  const chosen = (eligible.length > 0 ? eligible : sweep).reduce((best, s) =>
    s.recall > best.recall || (s.recall === best.recall && s.precision > best.precision) ? s : best,
  );
  return { exponent: chosen.exponent, sweep };
}

/** Tuning, then the reported set as the service runs it, with one acoustic model. */
async function evaluate(
  hmm: string | undefined,
  tune: readonly Audio[],
  report: readonly Audio[],
): Promise<{
  exponent: number;
  sweep: { exponent: number; precision: number; recall: number }[];
  run: ServiceRun;
  cpuPerAudioSecond: number;
  loadAverage: number;
}> {
  const { exponent, sweep } = await chooseExponent(hmm, tune);
  const r = recognizer(hmm, { kwsThresholdExponentPerPhone: exponent });
  const cpu0 = cpuSeconds();
  const load0 = loadavg()[0]!;
  let result: ServiceRun;
  try {
    result = await serviceRun(r, report);
  } finally {
    await r.close();
  }
  // The engines are reaped once closed, so their CPU time is in the children's count by now.
  const audioSec = report.reduce((s, a) => s + a.durationMs, 0) / 1000;
  return {
    exponent,
    sweep,
    run: result,
    cpuPerAudioSecond: (cpuSeconds() - cpu0) / audioSec,
    loadAverage: (load0 + loadavg()[0]!) / 2,
  };
}

/**
 * CPU seconds of this process and its reaped children (sox, the engines) from /proc/self/stat:
 * what the transcription cost, whatever else the machine was doing.
 */
function cpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime, stime, cutime, cstime are fields 14-17 of proc(5); fields here start at field 3. Ticks are 1/100 s.
  return [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0) / 100;
}

interface Slice {
  wer: number;
  tagged: Scores;
  spotted: Scores;
}

function slice(report: readonly Audio[], run: ServiceRun, keep: (a: Audio) => boolean): Slice {
  const idx = report.flatMap((a, i) => (keep(a) ? [i] : []));
  const audio = idx.map((i) => report[i]!);
  return {
    wer: wordErrorRate(idx.map((i) => ({ reference: report[i]!.text, hypothesis: run.free[i]!.text }))),
    tagged: keywordScores(
      audio,
      idx.map((i) => run.tagged[i]!),
    ),
    spotted: keywordScores(
      audio,
      idx.map((i) => new Set(run.spotted[i]!.words.map((w) => w.word))),
    ),
  };
}

/** Free-mode WER on pocketsphinx-testdata's human speech (LibriVox, goforward) at 16 kHz and through an 8 kHz line. */
async function humanCheck(
  dir: string,
  models: Record<string, string | undefined>,
): Promise<Record<string, { wer16k: number; wer8k: number }> | undefined> {
  let transcription: string;
  try {
    transcription = await readFile(join(HUMAN_DIR, 'librivox', 'transcription'), 'utf8');
  } catch {
    return undefined;
  }
  const items: { path: string; text: string; rate: number }[] = [];
  const sources: { source: string[]; text: string; id: string }[] = [];
  for (const line of transcription.trim().split('\n')) {
    const m = /<s> (.*) <\/s> \((.*)\)/.exec(line);
    if (m) sources.push({ source: [join(HUMAN_DIR, 'librivox', `${m[2]}.wav`)], text: m[1]!, id: m[2]! });
  }
  const raw = ['-t', 'raw', '-r', '16000', '-e', 'signed-integer', '-b', '16', '-c', '1'];
  sources.push({ source: [...raw, join(HUMAN_DIR, 'goforward.raw')], text: 'go forward ten meters', id: 'goforward' });
  for (const s of sources) {
    for (const rate of [16000, 8000]) {
      const path = join(dir, `human-${s.id}-${rate}.wav`);
      await run('sox', ['-D', ...s.source, '-r', String(rate), '-b', '16', '-c', '1', path]);
      items.push({ path, text: s.text, rate });
    }
  }
  const out: Record<string, { wer16k: number; wer8k: number }> = {};
  for (const [name, hmm] of Object.entries(models)) {
    const r = recognizer(hmm);
    try {
      const heard = await mapParallel(items, PARALLEL, (i) => r.transcribe({ wavPath: i.path }));
      const wer = (rate: number): number =>
        wordErrorRate(
          items.flatMap((i, k) => (i.rate === rate ? [{ reference: i.text, hypothesis: heard[k]!.text }] : [])),
        );
      out[name] = { wer16k: wer(16000), wer8k: wer(8000) };
    } finally {
      await r.close();
    }
  }
  return out;
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
    const all = (): boolean => true;
    const isEspeak = (a: Audio): boolean => synthesiserOf(a.voice) === 'espeak-ng';
    const isFlite = (a: Audio): boolean => synthesiserOf(a.voice) === 'flite';
    const isHeldOutVoice = (a: Audio): boolean => a.voice === HELD_OUT_VOICE;

    // 1. The product's model (adapted, when built) as the service runs it, and Debian's model beside it.
    const adapted = await evaluate(ADAPTED, tune, report);
    const base = ADAPTED === undefined ? adapted : await evaluate(undefined, tune, report);
    // 2. Held out: the model adapted without one voice, on that voice's utterances.
    const heldOut = HELD_OUT_MODEL === undefined ? undefined : await evaluate(HELD_OUT_MODEL, tune, report);
    // 3. What a recording cost before the engines stayed up: the model loaded for each run (a third of the set).
    const sample = report.filter((_, i) => i % 3 === 0);
    const perCallRecognizer = recognizer(ADAPTED, {
      engine: 'per-call',
      kwsThresholdExponentPerPhone: adapted.exponent,
    });
    const perCall = await serviceRun(perCallRecognizer, sample);
    // 4. Human speech (pocketsphinx-testdata): does the adaptation cost real voices?
    const human = await humanCheck(
      dir,
      ADAPTED === undefined ? { base: undefined } : { base: undefined, adapted: ADAPTED },
    );

    const a = adapted.run;
    const overall = slice(report, a, all);
    const espeak = slice(report, a, isEspeak);
    const flite = slice(report, a, isFlite);
    const rate8k = slice(report, a, (x) => x.rate === 8000);
    const rate16k = slice(report, a, (x) => x.rate === 16000);
    const baseAll = slice(report, base.run, all);
    const baseEspeak = slice(report, base.run, isEspeak);
    const heldOutVoice = heldOut === undefined ? undefined : slice(report, heldOut.run, isHeldOutVoice);
    const adaptedOnHeldOutVoice = slice(report, a, isHeldOutVoice);

    // 5. Storage: a one-minute stereo 8 kHz call (1.9 MB), the size a recording really has.
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

    const pr = (s: Scores): string => `${pct(s.precision)} / ${pct(s.recall)} (tp ${s.tp}, fp ${s.fp}, fn ${s.fn})`;
    const model = ADAPTED === undefined ? "Debian's en-us (not adapted)" : `${basename(ADAPTED)} (scripts/asr-model)`;
    const rows: [string, string][] = [
      [
        'utterances (reported set)',
        `${report.length} (${audioSec.toFixed(1)} s of audio; ${tune.length} more for tuning)`,
      ],
      [
        'voices / rates',
        'espeak-ng en-us 8k, en-gb 16k, en+f3 8k; flite slt 16k, rms 16k, awb 8k (tuning: espeak-ng en-us+m3 16k, en-gb-x-rp 8k; flite awb 16k, slt 8k)',
      ],
      ['acoustic model', model],
      ['parallel recordings (both cores busy)', String(PARALLEL)],
      [
        'keyword threshold sweep (tuning set)',
        adapted.sweep.map((s) => `${s.exponent}: P ${pct(s.precision)} R ${pct(s.recall)}`).join('; '),
      ],
      ['chosen exponent per phone', String(adapted.exponent)],
      ['keywords tagged, as the service does: precision / recall', pr(overall.tagged)],
      ['  keyword mode alone', pr(overall.spotted)],
      ['  espeak-ng: tagged P / R; WER', `${pr(espeak.tagged)}; ${pct(espeak.wer)}`],
      ['  flite: tagged P / R; WER', `${pr(flite.tagged)}; ${pct(flite.wer)}`],
      [
        '  8 kHz / 16 kHz: tagged recall; WER',
        `${pct(rate8k.tagged.recall)} / ${pct(rate16k.tagged.recall)}; ${pct(rate8k.wer)} / ${pct(rate16k.wer)}`,
      ],
      ['free mode WER (all)', pct(overall.wer)],
      [
        `held out: ${HELD_OUT_VOICE} with the model adapted without it`,
        heldOutVoice === undefined
          ? 'not run (BENCH_HELDOUT_MODEL unset)'
          : `tagged ${pr(heldOutVoice.tagged)}; WER ${pct(heldOutVoice.wer)} (with it: tagged recall ${pct(adaptedOnHeldOutVoice.tagged.recall)}, WER ${pct(adaptedOnHeldOutVoice.wer)})`,
      ],
      [
        "Debian's model (not adapted), same runs",
        `tagged ${pr(baseAll.tagged)}; WER ${pct(baseAll.wer)} (espeak-ng: recall ${pct(baseEspeak.tagged.recall)}, WER ${pct(baseEspeak.wer)})`,
      ],
      [
        'human speech WER, 16 kHz / 8 kHz line (testdata, 6 utterances)',
        human === undefined
          ? 'not run (pocketsphinx-testdata missing)'
          : Object.entries(human)
              .map(([name, h]) => `${name} ${pct(h.wer16k)} / ${pct(h.wer8k)}`)
              .join('; '),
      ],
      [
        'RTF per recording (free + keyword mode, engines kept up)',
        `${a.rtf.toFixed(3)} (free ${a.rtfFree.toFixed(3)}, keyword ${a.rtfKeyword.toFixed(3)})`,
      ],
      [
        '  CPU seconds per audio second (engines, sox, node)',
        `${adapted.cpuPerAudioSecond.toFixed(3)} (machine load average ${adapted.loadAverage.toFixed(1)} on ${availableParallelism()} cores meanwhile)`,
      ],
      [
        'RTF per recording, model loaded for each run (every 3rd file)',
        `${perCall.rtf.toFixed(3)} (free ${perCall.rtfFree.toFixed(3)}, keyword ${perCall.rtfKeyword.toFixed(3)})`,
      ],
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
      const u = report[i];
      if (u !== undefined) console.log(`  ${u.voice}/${u.rate}: "${u.text}" → "${a.free[i]!.text}"`);
    }
    const round = (x: number, d = 3): number => Number(x.toFixed(d));
    console.log(
      JSON.stringify({
        utterances: report.length,
        acousticModel: ADAPTED === undefined ? 'en-us' : basename(ADAPTED),
        rtf: round(a.rtf),
        rtfFree: round(a.rtfFree),
        rtfKeyword: round(a.rtfKeyword),
        rtfModelLoadedPerRun: round(perCall.rtf),
        cpuPerAudioSecond: round(adapted.cpuPerAudioSecond),
        loadAverage: round(adapted.loadAverage, 1),
        wer: round(overall.wer),
        wer8k: round(rate8k.wer),
        wer16k: round(rate16k.wer),
        keywordRecall: round(overall.tagged.recall),
        keywordPrecision: round(overall.tagged.precision),
        keywordRecallKeywordMode: round(overall.spotted.recall),
        keywordPrecisionKeywordMode: round(overall.spotted.precision),
        kwsExponentPerPhone: adapted.exponent,
        werEspeak: round(espeak.wer),
        werFlite: round(flite.wer),
        keywordRecallEspeak: round(espeak.tagged.recall),
        keywordPrecisionEspeak: round(espeak.tagged.precision),
        keywordRecallFlite: round(flite.tagged.recall),
        keywordPrecisionFlite: round(flite.tagged.precision),
        heldOut:
          heldOutVoice === undefined
            ? null
            : {
                voice: HELD_OUT_VOICE,
                wer: round(heldOutVoice.wer),
                keywordRecall: round(heldOutVoice.tagged.recall),
                keywordPrecision: round(heldOutVoice.tagged.precision),
              },
        unadapted: {
          wer: round(baseAll.wer),
          keywordRecall: round(baseAll.tagged.recall),
          keywordPrecision: round(baseAll.tagged.precision),
        },
        humanWer:
          human === undefined
            ? null
            : Object.fromEntries(
                Object.entries(human).map(([k, h]) => [k, { wer16k: round(h.wer16k), wer8k: round(h.wer8k) }]),
              ),
        recordingsStoredPerSec: storage.filesystemPerSec,
        objectStorePerSec: storage.objectStorePerSec,
        copyPerSec: storage.copyPerSec,
        copyFsyncPerSec: storage.copyFsyncPerSec,
        storedToCopyRatio: round(storage.filesystemPerSec / storage.copyPerSec),
        objectStoreToCopyRatio: round(storage.objectStorePerSec / storage.copyPerSec),
        mandarin: false,
      }),
    );
    await perCallRecognizer.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
