/**
 * Adaptation texts: everyday and call-centre sentences that share no sentence with the benchmark's
 * tuning or reported sets (bench/corpus.ts; a test holds that) and hold none of its keyword phrases.
 * Every word is in pocketsphinx's en-us dictionary.
 */
export const ADAPTATION_SENTENCES: readonly string[] = [
  'the quick brown fox jumps over the lazy dog',
  'a large yellow boat sailed across the quiet bay',
  'she keeps her old photographs in a wooden box',
  'the engineer checked every wire before lunch',
  'please send the package to our new address',
  'my grandmother grows tomatoes and beans in summer',
  'the airport was crowded on thursday night',
  'he forgot his umbrella at the office again',
  'our neighbours painted their fence bright green',
  'they watched a movie about a famous singer',
  'the bank opens at nine on weekdays',
  'could you spell your name for me please',
  'we are checking the details of your account',
  'thank you for your patience this afternoon',
  'the price of gas went up last month',
  'i will think about it and let you know',
  'your appointment is confirmed for friday',
  'the doctor asked him to drink more water',
  'a cold wind blew through the empty street',
  'the kitchen smells of fresh soup and garlic',
  'do you have a few minutes to talk',
  'i already have an insurance policy',
  'my husband usually handles these things',
  'we moved here from another state last year',
  'the teacher gave the class a difficult test',
  'she jogged around the lake before breakfast',
  'the library has thousands of old maps',
  'it rained all weekend so we stayed inside',
  'i do not remember signing up for this',
  'this is not a good time for me',
  'who gave you my phone number',
  'the manager will review your request today',
  'our daughter just started college',
  'the printer on the third floor is broken',
  'he ordered a sandwich and a glass of milk',
  'the museum shows paintings from many countries',
  'could you repeat the last part slowly',
  'i prefer to receive letters by mail',
  'the heavy truck moved slowly up the hill',
  'please remove my number from your list',
  'we need to finish the report by tomorrow',
  'the baby finally fell asleep after midnight',
  'a small bird was singing on the roof',
  'the company offers a discount for new customers',
  'my car needs new tires before winter',
  'what is the name of your company',
  'i am driving right now so keep it short',
  'the cat jumped onto the warm window sill',
  'he reads the newspaper with his morning tea',
  'they planted three apple trees near the house',
  'the store sells shoes jackets and hats',
  'she answered every question with a smile',
  'you can reach me on my work phone',
  'the concert was cancelled because of the storm',
  'i think you have the wrong person',
  'our office is closed on public holidays',
  'the farmer fed the horses early today',
  'everyone enjoyed the dinner party last night',
  'the phone line was noisy and unclear',
  'we should compare a few offers first',
];

/**
 * Voices the adaptation set is spoken in: espeak-ng voices and variants, and Debian flite's voices
 * (`flite:<name>`). Each sentence is spoken by every other voice, in turn at 8 kHz (a phone line,
 * resampled to 16 kHz as the recogniser does) and 16 kHz, at 130 to 170 words per minute.
 */
export const ADAPTATION_VOICES: readonly string[] = [
  'en-us',
  'en-gb',
  'en+f3',
  'en-us+m3',
  'en-gb-x-rp',
  'en+f2',
  'en-gb-scotland',
  'en+m5',
  'en+f1',
  'en+f4',
  'en+f5',
  'en+m2',
  'en+m4',
  'en-us+klatt',
  'en-gb+klatt2',
  'flite:kal',
  'flite:awb',
  'flite:rms',
  'flite:slt',
];

export interface AdaptationUtterance {
  readonly id: string;
  readonly text: string;
  readonly voice: string;
  readonly speed: number;
  readonly rate: 8000 | 16000;
}

/** The adaptation set, deterministic; `without` leaves voices out (for a held-out-voice figure). */
export function adaptationSet(without: readonly string[] = []): AdaptationUtterance[] {
  const out: AdaptationUtterance[] = [];
  for (const [i, text] of ADAPTATION_SENTENCES.entries()) {
    for (const [v, voice] of ADAPTATION_VOICES.entries()) {
      if ((i + v) % 2 !== 0 || without.includes(voice)) continue;
      out.push({
        id: `a${String(i).padStart(3, '0')}v${v}`,
        text,
        voice,
        speed: 130 + ((i * 7 + v * 13) % 5) * 10,
        rate: (i + v) % 4 < 2 ? 8000 : 16000,
      });
    }
  }
  return out;
}
