export type { RecognizedWord, SpeechRecognizer, TranscribeInput, Transcript } from './recognizer.js';
export { AsrError, isAsrError, type AsrErrorCode } from './errors.js';
export { EnginePool, EngineProcess, type EngineSpec, type PoolOptions } from './engine.js';
export {
  DEBIAN_MODEL_DIR,
  DEFAULT_DECODER_ARGS,
  DEFAULT_KWS_EXPONENT_PER_PHONE,
  PocketsphinxRecognizer,
  normalizePhrase,
  parseCtm,
  parseHypseg,
  type BatchItem,
  type PocketsphinxOptions,
} from './pocketsphinx.js';
export { normalizeForSpotting, spotKeywords, type KeywordHit, type KeywordSet } from './keywords.js';
export {
  MAX_SAMPLE_RATE,
  MIN_SAMPLE_RATE,
  readWavHeader,
  type WavCheck,
  type WavFormat,
  type WavProblem,
} from './wav.js';
export { normalizeWords, numberToWords, wordErrorRate, wordErrors, type WordErrors } from './wer.js';
