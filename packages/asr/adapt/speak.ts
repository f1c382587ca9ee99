// Synthetic speech for the adaptation set and the benchmark alike: one utterance spoken by
// espeak-ng or flite (`flite:<voice>`) at a speed in words per minute, and a bounded parallel map.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Speaks `text` into the WAV file `out` with `voice` at `speed` words per minute. */
export async function speak(voice: string, speed: number, text: string, out: string): Promise<void> {
  if (voice.startsWith('flite:')) {
    // flite has no words-per-minute setting: its durations stretched to the same speed (≈150 wpm native).
    const stretch = (150 / speed).toFixed(3);
    await run('flite', [
      '-voice',
      voice.slice('flite:'.length),
      '--setf',
      `duration_stretch=${stretch}`,
      '-t',
      text,
      '-o',
      out,
    ]);
  } else await run('espeak-ng', ['-v', voice, '-s', String(speed), '-w', out, text]);
}

/** `fn` over `items`, at most `parallel` at once; results in the items' order. */
export async function mapParallel<T, R>(
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
