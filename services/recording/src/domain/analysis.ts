import type { KeywordHit, RecognizedWord } from '@outbound/asr';

export type Speaker = 'customer' | 'agent' | 'mixed';

export interface Segment {
  readonly speaker: Speaker;
  readonly startMs: number;
  readonly endMs: number;
  readonly text: string;
  readonly words: readonly RecognizedWord[];
}

/** A pause this long between two words starts a new segment (a new turn or sentence). */
export const SEGMENT_GAP_MS = 800;

/** One channel's timed words → segments, split at pauses. */
export function segmentsOf(words: readonly RecognizedWord[], speaker: Speaker, gapMs = SEGMENT_GAP_MS): Segment[] {
  const out: Segment[] = [];
  let current: RecognizedWord[] = [];
  const flush = () => {
    if (current.length === 0) return;
    out.push({
      speaker,
      startMs: current[0]!.startMs,
      endMs: current[current.length - 1]!.endMs,
      text: current.map((w) => w.word).join(' '),
      words: current,
    });
    current = [];
  };
  for (const word of [...words].sort((a, b) => a.startMs - b.startMs)) {
    const last = current[current.length - 1];
    if (last !== undefined && word.startMs - last.endMs >= gapMs) flush();
    current.push(word);
  }
  flush();
  return out;
}

/** Both sides in the order they spoke (by start; customer first on a tie). */
export function interleave(...sides: readonly Segment[][]): Segment[] {
  const order: Record<Speaker, number> = { customer: 0, mixed: 1, agent: 2 };
  return sides.flat().sort((a, b) => a.startMs - b.startMs || order[a.speaker] - order[b.speaker]);
}

export interface SpottedKeyword {
  readonly keyword: string;
  readonly intent: string;
  readonly count: number;
  /** `free`: found in the transcript's text; `keyword`: heard by the engine's keyword mode. */
  readonly source: 'free' | 'keyword';
}

/**
 * Keyword hits from both ways of finding them, one entry per keyword: the free transcript and the
 * keyword mode hear the same utterances, so a keyword found both ways counts the larger number.
 */
export function mergeHits(free: readonly KeywordHit[], spotted: readonly KeywordHit[]): SpottedKeyword[] {
  const out = new Map<string, SpottedKeyword>();
  for (const hit of free) out.set(hit.keyword, { ...hit, source: 'free' });
  for (const hit of spotted) {
    const seen = out.get(hit.keyword);
    if (seen === undefined || hit.count > seen.count) out.set(hit.keyword, { ...hit, source: 'keyword' });
  }
  return [...out.values()];
}

/** Intent tags with how often they were heard, most frequent first (then by name, for stable output). */
export function intentsOf(hits: readonly SpottedKeyword[]): { tag: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const hit of hits) counts.set(hit.intent, (counts.get(hit.intent) ?? 0) + hit.count);
  return [...counts]
    .map(([tag, count]) => ({ tag, count }))
    .sort((a, b) => b.count - a.count || a.tag.localeCompare(b.tag));
}

/** Keyword-mode results (one "word" per detected phrase) → hits per keyword of the set. */
export function hitsFromKeywordMode(
  detected: readonly RecognizedWord[],
  keywords: readonly { phrase: string; intent: string }[],
  normalize: (phrase: string) => string,
): KeywordHit[] {
  const byPhrase = new Map(keywords.map((k) => [normalize(k.phrase), k]));
  const counts = new Map<string, KeywordHit>();
  for (const word of detected) {
    const keyword = byPhrase.get(normalize(word.word));
    if (keyword === undefined) continue;
    const hit = counts.get(keyword.phrase) ?? { keyword: keyword.phrase, intent: keyword.intent, count: 0 };
    counts.set(keyword.phrase, { ...hit, count: hit.count + 1 });
  }
  return [...counts.values()];
}

/** Phrases keyword mode can listen for: Latin script only (the engine's dictionary is English). */
export function spellablePhrases(keywords: readonly { phrase: string }[]): string[] {
  return keywords.map((k) => k.phrase).filter((p) => /^[\p{Script=Latin}\s'-]+$/u.test(p) && /\p{L}/u.test(p));
}
