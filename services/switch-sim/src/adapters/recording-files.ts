import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute } from 'node:path';
import { wavBytes } from '../domain/wav.js';
import type { MediaFiles, MediaProbe } from '../engine/recording.js';

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

/**
 * Real files: recordings written as WAV (folders created as needed; write errors swallowed, as
 * FreeSWITCH logs and goes on), and playback of an absolute path that does not exist fails
 * FILE NOT FOUND. Relative paths are the sound prefix's files, taken as present.
 */
export const recordingFiles: MediaFiles = {
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
  finish(path, shape) {
    try {
      writeFileSync(path, wavBytes(shape));
    } catch {
      // the folder went away mid-call
    }
  },
};
