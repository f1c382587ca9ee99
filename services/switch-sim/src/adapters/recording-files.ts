import { execFileSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import type { TimedSpeech } from '../domain/scenario.js';
import { readPcm16Mono, resamplePcm, wavBytes, type PlacedPcm, type WavVoices } from '../domain/wav.js';
import type { MediaFiles, MediaProbe, RecordingScript } from '../engine/recording.js';

/** A WAV's length from its header (byte rate) and size; undefined when it is not a plain RIFF/WAVE. */
function wavDurationMs(path: string): number | undefined {
  const header = Buffer.alloc(44);
  const fd = openSync(path, 'r');
  try {
    if (readSync(fd, header, 0, 44, 0) < 44) return undefined;
  } finally {
    closeSync(fd);
  }
  if (header.toString('ascii', 0, 4) !== 'RIFF' || header.toString('ascii', 8, 12) !== 'WAVE') return undefined;
  const byteRate = header.readUInt32LE(28);
  if (byteRate === 0) return undefined;
  return Math.round(((statSync(path).size - 44) * 1000) / byteRate);
}

/** Which side of the call speaks: each synthesiser gives the two sides different voices. */
export type Speaker = 'customer' | 'agent';

/** Text to 16-bit mono PCM at `rate`; undefined when no speech can be made (then tones are used). */
export type Synthesizer = (text: string, speaker: Speaker, rate: number) => Int16Array | undefined;

/** A text-to-speech program that writes a WAV file: its name, voices and arguments. */
export interface SpeechProgram {
  readonly program: string;
  readonly voices: Readonly<Record<Speaker, string>>;
  args(text: string, voice: string, file: string): string[];
}

/**
 * flite (clustergen voices, close to a human voice): the speech recognisers we run understand it
 * (pocketsphinx's en-us model: 7.6 % WER on flite, 89 % on espeak-ng; packages/asr/README.md).
 */
export const FLITE: SpeechProgram = {
  program: 'flite',
  voices: { customer: 'slt', agent: 'rms' },
  args: (text, voice, file) => ['-voice', voice, '-t', text, '-o', file],
};

/** espeak-ng (formant speech): always installed with the project's tools; a recogniser hears it badly. */
export const ESPEAK_NG: SpeechProgram = {
  program: 'espeak-ng',
  voices: { customer: 'en-us', agent: 'en-gb' },
  args: (text, voice, file) => ['-v', voice, '-s', '150', '-w', file, text],
};

const SYNTH_CACHE_ENTRIES = 256;

/**
 * Speech from the first of `programs` that is installed, run synchronously (FreeSWITCH has closed
 * the file when RECORD_STOP goes out, so the file must be whole when `finish` returns) and cached
 * by text, speaker and rate, so a scenario's few phrases are synthesised once each. Both programs
 * are deterministic. When none is installed, one log line says so and recordings carry tones.
 */
export function programSynthesizer(
  programs: readonly SpeechProgram[] = [FLITE, ESPEAK_NG],
  log: (message: string) => void = (m) => process.stderr.write(`switch-sim: ${m}\n`),
): Synthesizer {
  const cache = new Map<string, Int16Array>();
  const missing = new Set<string>();
  let scratch: string | undefined;
  const speak = (program: SpeechProgram, text: string, speaker: Speaker): Buffer | 'missing' | undefined => {
    scratch ??= mkdtempSync(join(tmpdir(), 'switch-sim-speech-'));
    const file = join(scratch, 'speech.wav');
    try {
      execFileSync(program.program, program.args(text, program.voices[speaker], file), {
        stdio: 'ignore',
        timeout: 30_000,
      });
    } catch (error) {
      const { code, syscall } = error as NodeJS.ErrnoException;
      if (code === 'ENOENT' && syscall?.startsWith('spawn')) return 'missing';
      log(`${program.program} failed (${code ?? 'exit status'}): this recording carries tones`);
      return undefined;
    }
    try {
      return readFileSync(file);
    } catch {
      log(`${program.program} wrote no speech: this recording carries tones`);
      return undefined;
    } finally {
      rmSync(file, { force: true });
    }
  };
  return (text, speaker, rate) => {
    const key = `${speaker}\u0000${rate}\u0000${text}`;
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    for (const program of programs) {
      if (missing.has(program.program)) continue;
      const wav = speak(program, text, speaker);
      if (wav === 'missing') {
        missing.add(program.program);
        log(`${program.program} is not installed (scripts/dev-up installs it)`);
        continue;
      }
      const decoded = wav === undefined ? undefined : readPcm16Mono(wav);
      if (decoded === undefined) return undefined;
      const pcm = resamplePcm(decoded.pcm, decoded.rate, rate);
      if (cache.size >= SYNTH_CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
      cache.set(key, pcm);
      return pcm;
    }
    return undefined;
  };
}

/** The script as PCM pieces; undefined when any piece cannot be synthesised (the file gets tones). */
function voicesFor(script: RecordingScript, rate: number, synthesize: Synthesizer): WavVoices | undefined {
  const side = (lines: readonly TimedSpeech[], speaker: Speaker): PlacedPcm[] | undefined => {
    const out: PlacedPcm[] = [];
    for (const line of lines) {
      const pcm = synthesize(line.text, speaker, rate);
      if (pcm === undefined) return undefined;
      out.push({ atSample: Math.round((line.atMs * rate) / 1000), pcm });
    }
    return out;
  };
  const customer = side(script.customer, 'customer');
  const agent = customer === undefined ? undefined : side(script.agent, 'agent');
  return customer === undefined || agent === undefined ? undefined : { customer, agent };
}

/**
 * Real files: recordings written as WAV (folders created as needed; write errors swallowed, as
 * FreeSWITCH logs and goes on) with synthesised speech of what each side says, and playback of an
 * absolute path that does not exist fails FILE NOT FOUND. Relative paths are the sound prefix's
 * files, taken as present.
 */
export function createRecordingFiles(options: { synthesize?: Synthesizer } = {}): MediaFiles {
  let synthesize = options.synthesize;
  return {
    probe(path): MediaProbe {
      if (/^[a-z_]+:\/\//.test(path) || !isAbsolute(path)) return { found: true };
      if (!existsSync(path)) return { found: false };
      try {
        const durationMs = path.endsWith('.wav') ? wavDurationMs(path) : undefined;
        return durationMs === undefined ? { found: true } : { found: true, durationMs };
      } catch {
        return { found: false };
      }
    },
    begin(path, shape) {
      try {
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, wavBytes({ ...shape, samples: 0 }));
      } catch {
        // unwritable folder: the call goes on without a file
      }
    },
    finish(path, shape, script) {
      synthesize ??= programSynthesizer();
      const voices = script === undefined ? undefined : voicesFor(script, shape.sampleRate, synthesize);
      try {
        writeFileSync(path, wavBytes(shape, voices));
      } catch {
        // the folder went away mid-call
      }
    },
  };
}

/** The default files adapter: flite speech (espeak-ng where flite is missing), created on first use. */
export const recordingFiles: MediaFiles = createRecordingFiles();
