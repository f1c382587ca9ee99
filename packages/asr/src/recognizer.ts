/**
 * The one interface every speech engine implements. The recording service codes against this shape
 * only; engines (pocketsphinx today, a Mandarin engine when one is available) sit behind it.
 */

export interface RecognizedWord {
  word: string;
  startMs: number;
  endMs: number;
  /** Posterior probability in [0, 1] when the engine gives one. */
  confidence?: number;
}

export interface Transcript {
  text: string;
  words: RecognizedWord[];
}

export interface TranscribeInput {
  /** Path of a RIFF/WAVE file (PCM 8/16/24/32-bit, float, A-law or µ-law; mono or stereo). */
  wavPath: string;
  /** Channel of a stereo file: 0 is the customer, 1 the agent. Defaults to 0. */
  channel?: 0 | 1;
  /** When given, the engine listens for these phrases only (keyword mode) instead of free text. */
  keywords?: readonly string[];
  signal?: AbortSignal;
}

export interface SpeechRecognizer {
  transcribe(input: TranscribeInput): Promise<Transcript>;
}
