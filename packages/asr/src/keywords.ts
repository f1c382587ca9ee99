/**
 * Keyword spotting over a transcript's text: pure, case- and whitespace-insensitive, and written for
 * Chinese as well as English (ASR output often spaces Han characters apart: "不 需 要").
 */

/** Keyword → intent tag, e.g. `{ '不需要': 'refusal', 'not interested': 'refusal', '价格': 'price' }`. */
export type KeywordSet = ReadonlyMap<string, string> | Readonly<Record<string, string>>;

export interface KeywordHit {
  /** The keyword as written in the set. */
  keyword: string;
  intent: string;
  /** Times it occurs in the transcript. */
  count: number;
}

const HAN = /\p{Script=Han}/u;
const WORD_CHAR = /[\p{L}\p{N}']/u;

/**
 * Lower-case, NFKC (full-width → half-width), punctuation to spaces, runs of spaces to one, and no
 * spaces between two Han characters. Apostrophes inside words stay ("don't").
 */
export function normalizeForSpotting(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}'\s]+/gu, ' ')
    .replace(/\s+/gu, ' ')
    .replace(/(?<=\p{Script=Han}) (?=\p{Script=Han})/gu, '')
    .trim();
}

function entries(set: KeywordSet): [string, string][] {
  return set instanceof Map ? [...(set as ReadonlyMap<string, string>)] : Object.entries(set as Record<string, string>);
}

/**
 * Which keywords of `keywordSet` occur in `transcript`, in the set's order. A Latin-script keyword
 * matches whole words only ("cost" is not found in "costume"); a keyword that starts or ends with a
 * Han character matches inside a run of Han text, which has no word boundaries.
 */
export function spotKeywords(transcript: string | { text: string }, keywordSet: KeywordSet): KeywordHit[] {
  const text = normalizeForSpotting(typeof transcript === 'string' ? transcript : transcript.text);
  const hits: KeywordHit[] = [];
  if (text === '') return hits;
  for (const [keyword, intent] of entries(keywordSet)) {
    const needle = normalizeForSpotting(keyword);
    if (needle === '') continue;
    const count = countOccurrences(text, needle);
    if (count > 0) hits.push({ keyword, intent, count });
  }
  return hits;
}

function countOccurrences(text: string, needle: string): number {
  const first = needle[0]!;
  const last = needle[needle.length - 1]!;
  const needsLeftBoundary = !HAN.test(first);
  const needsRightBoundary = !HAN.test(last);
  let count = 0;
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + 1)) {
    const before = at > 0 ? text[at - 1]! : ' ';
    const after = at + needle.length < text.length ? text[at + needle.length]! : ' ';
    const leftOk = !needsLeftBoundary || !WORD_CHAR.test(before) || HAN.test(before);
    const rightOk = !needsRightBoundary || !WORD_CHAR.test(after) || HAN.test(after);
    if (leftOk && rightOk) count++;
  }
  return count;
}
