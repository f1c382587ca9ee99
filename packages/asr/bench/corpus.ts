/**
 * The benchmark's known texts. Campaign replies hold the keywords; everyday sentences hold none
 * (they are the negatives for keyword precision). The tuning set and the reported set use
 * different sentences and different voices, so the keyword thresholds are not fitted to what is
 * reported.
 */

export const KEYWORDS = ['not interested', 'call me back', 'how much', 'stop calling', 'hear more'] as const;

export interface Utterance {
  id: string;
  text: string;
  voice: string;
  /** espeak-ng words per minute. */
  speed: number;
  /** The line's sample rate: 8000 (narrow-band phone) or 16000 (wide-band). */
  rate: 8000 | 16000;
  /** Keywords the text contains. */
  keywords: string[];
}

const REPORT_TEXTS = [
  'I am not interested',
  'please call me back later',
  'how much does it cost',
  'stop calling me',
  'yes I would like to hear more',
  'sorry but I am not interested in that',
  'can you call me back tomorrow morning',
  'how much is the monthly fee',
  'please stop calling this number',
  'I want to hear more about the offer',
  'the weather is nice today',
  'my brother lives in the city',
  'we went to the market on Sunday',
  'the train leaves at seven',
  'she reads a book every evening',
  'I had coffee with my friend',
  'the children are playing in the garden',
  'turn left at the next corner',
  'the meeting starts in ten minutes',
  'this road goes to the river',
];

const TUNE_TEXTS = [
  'no thanks I am not interested',
  'could you call me back next week',
  'how much would that be',
  'you need to stop calling',
  'I would love to hear more',
  'really not interested at all',
  'call me back after lunch',
  'tell me how much it is',
  'stop calling my phone',
  'let me hear more details',
  'the dog sleeps by the door',
  'we bought fresh bread this morning',
  'the bus was late again',
  'he plays football on Fridays',
  'the shop closes at six',
  'my sister likes to paint',
];

// `flite:<voice>` is Debian's flite (clustergen voices, closer to a human voice than espeak-ng's
// formant speech, which pocketsphinx's en-us model barely recognises); anything else is espeak-ng.
const REPORT_VOICES: [string, number, 8000 | 16000][] = [
  ['en-us', 150, 8000],
  ['en-gb', 140, 16000],
  ['en+f3', 160, 8000],
  ['flite:slt', 150, 16000],
  ['flite:rms', 160, 16000],
  ['flite:awb', 150, 8000],
];
const TUNE_VOICES: [string, number, 8000 | 16000][] = [
  ['en-us+m3', 150, 16000],
  ['en-gb-x-rp', 165, 8000],
  ['flite:awb', 150, 16000],
  ['flite:slt', 140, 8000],
];

/** Which program speaks a voice. */
export const synthesiserOf = (voice: string): 'flite' | 'espeak-ng' =>
  voice.startsWith('flite:') ? 'flite' : 'espeak-ng';

function build(prefix: string, texts: readonly string[], voices: typeof REPORT_VOICES): Utterance[] {
  const out: Utterance[] = [];
  for (const [v, [voice, speed, rate]] of voices.entries()) {
    for (const [t, text] of texts.entries()) {
      const lower = text.toLowerCase();
      out.push({
        id: `${prefix}-${v}-${t}`,
        text,
        voice,
        speed,
        rate,
        keywords: KEYWORDS.filter((k) => lower.includes(k)),
      });
    }
  }
  return out;
}

export const reportSet = (): Utterance[] => build('r', REPORT_TEXTS, REPORT_VOICES);
export const tuneSet = (): Utterance[] => build('t', TUNE_TEXTS, TUNE_VOICES);
