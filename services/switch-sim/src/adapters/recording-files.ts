import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute } from 'node:path';
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

/** Text to 16-bit mono PCM at `rate`; undefined when no speech can be made (then tones are used). */
export type Synthesizer = (text: string, voice: string, rate: number) => Int16Array | undefined;

/** Voices: the customer and our side sound different. */
export const CUSTOMER_VOICE = 'en-us';
export const AGENT_VOICE = 'en-gb';
const SYNTH_CACHE_ENTRIES = 256;

/**
 * espeak-ng, run synchronously (FreeSWITCH has closed the file when RECORD_STOP goes out, so the
 * file must be whole when `finish` returns) and cached by text and voice, so a scenario's few
 * phrases are synthesised once each. espeak-ng is deterministic: the same text gives the same
 * samples. When it is missing, one log line says so and recordings carry tones.
 */
export function espeakSynthesizer(
  log: (message: string) => void = (m) => process.stderr.write(`switch-sim: ${m}\n`),
): Synthesizer {
  const cache = new Map<string, Int16Array>();
  let unavailable = false;
  return (text, voice, rate) => {
    if (unavailable) return undefined;
    const key = `${voice}\u0000${rate}\u0000${text}`;
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    let wav: Buffer;
    try {
      wav = execFileSync('espeak-ng', ['-v', voice, '-s', '150', '--stdout', text], {
        stdio: ['ignore', 'pipe', 'ignore'],
        maxBuffer: 64 * 1024 * 1024,
      });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        unavailable = true;
        log('espeak-ng is not installed: recordings carry tones instead of speech (scripts/dev-up installs it)');
      } else log(`espeak-ng failed (${code ?? 'exit status'}): this recording carries tones`);
      return undefined;
    }
    const decoded = readPcm16Mono(wav);
    if (decoded === undefined) return undefined;
    const pcm = resamplePcm(decoded.pcm, decoded.rate, rate);
    if (cache.size >= SYNTH_CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
    cache.set(key, pcm);
    return pcm;
  };
}

/** The script as PCM pieces; undefined when any piece cannot be synthesised (the file gets tones). */
function voicesFor(script: RecordingScript, rate: number, synthesize: Synthesizer): WavVoices | undefined {
  const side = (lines: readonly TimedSpeech[], voice: string): PlacedPcm[] | undefined => {
    const out: PlacedPcm[] = [];
    for (const line of lines) {
      const pcm = synthesize(line.text, voice, rate);
      if (pcm === undefined) return undefined;
      out.push({ atSample: Math.round((line.atMs * rate) / 1000), pcm });
    }
    return out;
  };
  const customer = side(script.customer, CUSTOMER_VOICE);
  const agent = customer === undefined ? undefined : side(script.agent, AGENT_VOICE);
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
      synthesize ??= espeakSynthesizer();
      const voices = script === undefined ? undefined : voicesFor(script, shape.sampleRate, synthesize);
      try {
        writeFileSync(path, wavBytes(shape, voices));
      } catch {
        // the folder went away mid-call
      }
    },
  };
}

/** The default files adapter: espeak-ng speech, created on first use. */
export const recordingFiles: MediaFiles = createRecordingFiles();
