import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AsrError, PocketsphinxRecognizer, type PocketsphinxOptions, type RecognizedWord } from '@outbound/asr';
import type { ChannelWords, Transcriber } from '../../use-cases/ports.js';

/**
 * pocketsphinx behind the use case's port. The decrypted WAV lives only in a private temporary
 * folder (mode 0700, file 0600) for the engine's runs and is removed whatever happens.
 */
export class PocketsphinxTranscriber implements Transcriber {
  readonly engine: string;
  private readonly recognizer: PocketsphinxRecognizer;

  /** `engine` names the model in transcripts (`pocketsphinx-en-us`, or with the adapted model's name). */
  constructor(private readonly options: PocketsphinxOptions & { engineName?: string } = {}) {
    this.recognizer = new PocketsphinxRecognizer(options);
    this.engine = options.engineName ?? 'pocketsphinx-en-us';
  }

  /** The model files are there (ENGINE_UNAVAILABLE naming what is missing otherwise). */
  check(): Promise<void> {
    return this.recognizer.check();
  }

  /** Stops the engine processes that stay up between jobs. */
  close(): Promise<void> {
    return this.recognizer.close();
  }

  async transcribe(
    wav: Buffer,
    channels: 1 | 2,
    phrases: readonly string[],
    signal?: AbortSignal,
  ): Promise<{ channels: ChannelWords[]; spotted: RecognizedWord[] }> {
    const scratch = await mkdtemp(join(this.options.tmpDir ?? tmpdir(), 'recording-'));
    try {
      const wavPath = join(scratch, 'audio.wav');
      await writeFile(wavPath, wav, { mode: 0o600 });
      const sides: (0 | 1)[] = channels === 2 ? [0, 1] : [0];
      // Both channels through the same long-lived engine, one after the other.
      const results = await this.recognizer.transcribeMany(
        sides.map((channel) => ({ wavPath, channel })),
        { signal },
      );
      const out: ChannelWords[] = [];
      for (const [index, result] of results.entries()) {
        if (result instanceof Error) throw result;
        out.push({ channel: sides[index]!, words: result.words });
      }
      let spotted: RecognizedWord[] = [];
      if (phrases.length > 0) {
        try {
          spotted = (
            await this.recognizer.transcribe({ wavPath, channel: 0, keywords: phrases, ...(signal ? { signal } : {}) })
          ).words;
        } catch (error) {
          // A set the dictionary cannot spell is no reason to lose the free transcript.
          if (!(error instanceof AsrError && error.code === 'KEYWORDS_INVALID')) throw error;
        }
      }
      return { channels: out, spotted };
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }
}
