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
  readonly engine = 'pocketsphinx-en-us';
  private readonly recognizer: PocketsphinxRecognizer;

  constructor(private readonly options: PocketsphinxOptions = {}) {
    this.recognizer = new PocketsphinxRecognizer(options);
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
      // One engine run for both channels: the model loads once.
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
