/**
 * Builds an acoustic model adapted to synthetic telephone speech: pocketsphinx's en-us model,
 * MAP-adapted (sphinxtrain's bw + map_adapt, two passes) on a set spoken by espeak-ng and flite
 * voices and put through an 8 kHz or 16 kHz line (adapt/sentences.ts). Deterministic: the same
 * tools give the same model. Run by `scripts/asr-model`, which installs the tools.
 *
 *   node dist/adapt/build-model.js OUT_DIR [--without VOICE]... [--base HMM_DIR]
 *
 * The second pass aligns the data with the first pass's model (a third of the espeak-ng utterances
 * do not align with the base model at all) and adapts the base model again from those counts.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

import { adaptationSet, type AdaptationUtterance } from './sentences.js';
import { readSendump, writeMixtureWeights } from './sendump.js';
import { mapParallel, speak } from './speak.js';

const run = promisify(execFile);
const SPHINXTRAIN = process.env.SPHINXTRAIN_DIR ?? '/usr/lib/sphinxtrain';
const DEBIAN_MODEL = '/usr/share/pocketsphinx/model/en-us';
/** Bumped when the recipe changes, so scripts/asr-model rebuilds. */
export const RECIPE_VERSION = 2;

export interface BuildOptions {
  readonly outDir: string;
  readonly without?: readonly string[];
  readonly baseHmm?: string;
  readonly dict?: string;
  readonly log?: (line: string) => void;
}

export async function buildAdaptedModel(options: BuildOptions): Promise<{ utterances: number; aligned: number }> {
  const base = options.baseHmm ?? join(DEBIAN_MODEL, 'en-us');
  const dict = options.dict ?? join(DEBIAN_MODEL, 'cmudict-en-us.dict');
  const log = options.log ?? (() => undefined);
  const out = resolve(options.outDir);
  const work = `${out}.work`;
  await rm(work, { recursive: true, force: true });
  const dirs = { base: join(work, 'base'), wav: join(work, 'wav'), mfc: join(work, 'mfc'), pass1: join(work, 'pass1') };
  for (const d of Object.values(dirs)) await mkdir(d, { recursive: true });

  // 1. The base model in sphinxtrain's formats: a text mdef and float mixture weights.
  for (const f of ['mdef', 'means', 'variances', 'transition_matrices', 'noisedict', 'feat.params'])
    await cp(join(base, f), join(dirs.base, f));
  await run('pocketsphinx_mdef_convert', ['-text', join(base, 'mdef'), join(work, 'mdef.txt')]);
  await writeFile(
    join(dirs.base, 'mixture_weights'),
    writeMixtureWeights(readSendump(await readFile(join(base, 'sendump')))),
  );

  // 2. The adaptation set, spoken and put through its line.
  const set = adaptationSet(options.without);
  log(`synthesising ${set.length} utterances`);
  await mapParallel(set, 2, (u) => synthesise(u, dirs.wav));
  await writeFile(join(work, 'fileids'), set.map((u) => `${u.id}\n`).join(''));
  await writeFile(join(work, 'transcription'), set.map((u) => `<s> ${u.text} </s> (${u.id})\n`).join(''));
  await run('sphinx_fe', [
    '-argfile',
    join(base, 'feat.params'),
    '-samprate',
    '16000',
    '-c',
    join(work, 'fileids'),
    '-di',
    dirs.wav,
    '-do',
    dirs.mfc,
    '-ei',
    'wav',
    '-eo',
    'mfc',
    '-mswav',
    'yes',
  ]);

  // 3. Two passes of counts and MAP: the second aligns with the first's model, adapts the base.
  const bw = async (hmmDir: string, accDir: string): Promise<number> => {
    await mkdir(accDir, { recursive: true });
    const { stdout, stderr } = await run(
      join(SPHINXTRAIN, 'bw'),
      [
        '-hmmdir',
        hmmDir,
        '-moddeffn',
        join(work, 'mdef.txt'),
        '-ts2cbfn',
        '.ptm.',
        '-feat',
        '1s_c_d_dd',
        '-svspec',
        '0-12/13-25/26-38',
        '-cmn',
        'batch',
        '-agc',
        'none',
        '-dictfn',
        dict,
        '-fdictfn',
        join(base, 'noisedict'),
        '-ctlfn',
        join(work, 'fileids'),
        '-lsnfn',
        join(work, 'transcription'),
        '-cepdir',
        dirs.mfc,
        '-accumdir',
        accDir,
        '-timing',
        'no',
      ],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    const ignored = (stdout + stderr).match(/ ignored$/gm)?.length ?? 0;
    return set.length - ignored;
  };
  const mapAdapt = async (accDir: string, into: string): Promise<void> => {
    await mkdir(into, { recursive: true });
    await run(join(SPHINXTRAIN, 'map_adapt'), [
      '-moddeffn',
      join(work, 'mdef.txt'),
      '-ts2cbfn',
      '.ptm.',
      '-meanfn',
      join(dirs.base, 'means'),
      '-varfn',
      join(dirs.base, 'variances'),
      '-mixwfn',
      join(dirs.base, 'mixture_weights'),
      '-tmatfn',
      join(dirs.base, 'transition_matrices'),
      '-accumdir',
      accDir,
      '-mapmeanfn',
      join(into, 'means'),
      '-mapvarfn',
      join(into, 'variances'),
      '-mapmixwfn',
      join(into, 'mixture_weights'),
      '-maptmatfn',
      join(into, 'transition_matrices'),
    ]);
  };
  const aligned1 = await bw(dirs.base, join(work, 'acc1'));
  log(`pass 1: ${aligned1} of ${set.length} utterances aligned`);
  await mapAdapt(join(work, 'acc1'), dirs.pass1);
  await cp(join(base, 'noisedict'), join(dirs.pass1, 'noisedict'));
  const aligned = await bw(dirs.pass1, join(work, 'acc2'));
  log(`pass 2: ${aligned} of ${set.length} utterances aligned`);
  const model = join(work, 'model');
  await mapAdapt(join(work, 'acc2'), model);
  await run(join(SPHINXTRAIN, 'mk_s2sendump'), [
    '-pocketsphinx',
    'yes',
    '-moddeffn',
    join(work, 'mdef.txt'),
    '-mixwfn',
    join(model, 'mixture_weights'),
    '-sendumpfn',
    join(model, 'sendump'),
  ]);
  await rm(join(model, 'mixture_weights'));
  for (const f of ['mdef', 'noisedict', 'feat.params']) await cp(join(base, f), join(model, f));
  await writeFile(
    join(model, 'adaptation.json'),
    `${JSON.stringify(
      {
        recipe: RECIPE_VERSION,
        base,
        method: 'MAP (sphinxtrain bw + map_adapt), two passes',
        utterances: set.length,
        aligned,
        voices: [...new Set(set.map((u) => u.voice))],
        without: options.without ?? [],
      },
      null,
      2,
    )}\n`,
  );

  await rm(out, { recursive: true, force: true });
  await rename(model, out);
  await rm(work, { recursive: true, force: true });
  return { utterances: set.length, aligned };
}

async function synthesise(u: AdaptationUtterance, dir: string): Promise<void> {
  const tts = join(dir, `${u.id}.tts.wav`);
  const line = join(dir, `${u.id}.line.wav`);
  await speak(u.voice, u.speed, u.text, tts);
  // The line's band (8 kHz or 16 kHz), then 16 kHz as the recogniser converts it; -D: no dither.
  await run('sox', ['-V1', '-D', tts, '-r', String(u.rate), '-b', '16', '-c', '1', line]);
  await run('sox', ['-V1', '-D', line, '-r', '16000', '-b', '16', '-c', '1', join(dir, `${u.id}.wav`)]);
  await rm(tts);
  await rm(line);
}

async function main(argv: readonly string[]): Promise<void> {
  const without: string[] = [];
  let outDir: string | undefined;
  let baseHmm: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--without') without.push(argv[++i] ?? '');
    else if (arg === '--base') baseHmm = argv[++i];
    else outDir = arg;
  }
  if (outDir === undefined) throw new Error('usage: build-model.js OUT_DIR [--without VOICE]... [--base HMM_DIR]');
  const result = await buildAdaptedModel({
    outDir,
    without,
    ...(baseHmm === undefined ? {} : { baseHmm }),
    log: (line) => process.stderr.write(`asr-model: ${line}\n`),
  });
  process.stderr.write(`asr-model: ${outDir} (${result.aligned} of ${result.utterances} utterances used)\n`);
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${resolve(process.argv[1])}`).href) {
  await main(process.argv.slice(2));
}
