import type { RulePackVersion } from './types.js';

export interface WordHit {
  readonly word: string;
  /** Code-point offsets [start, end) into the scanned text. */
  readonly start: number;
  readonly end: number;
  /** Which list it came from, e.g. `CN@2026-01/finance`. */
  readonly list: string;
}

interface Entry {
  readonly word: string;
  readonly list: string;
}

/**
 * Finds listed words in transcript text. Lists are small (tens of words), so a scan per word with
 * indexOf beats building an automaton; overlapping hits are all reported.
 */
export class SensitiveWordScanner {
  private readonly byIndustry = new Map<string, Entry[]>();

  constructor(packs: readonly RulePackVersion[]) {
    for (const pack of packs) {
      for (const [industry, words] of Object.entries(pack.sensitiveWords ?? {})) {
        const list = this.byIndustry.get(industry) ?? [];
        for (const word of words) {
          if (!list.some((e) => e.word === word)) list.push({ word, list: `${pack.pack}@${pack.version}/${industry}` });
        }
        this.byIndustry.set(industry, list);
      }
    }
  }

  scan(industry: string, text: string): WordHit[] {
    const entries = [
      ...(this.byIndustry.get(industry) ?? []),
      ...(industry === 'general' ? [] : (this.byIndustry.get('general') ?? [])),
    ];
    const hits: Array<{ word: string; list: string; utf16: number; length: number }> = [];
    for (const entry of entries) {
      for (let i = text.indexOf(entry.word); i !== -1; i = text.indexOf(entry.word, i + 1)) {
        hits.push({ word: entry.word, list: entry.list, utf16: i, length: entry.word.length });
      }
    }
    hits.sort((a, b) => a.utf16 - b.utf16 || b.length - a.length);
    return hits.map((h) => {
      const start = codePoints(text, h.utf16);
      return { word: h.word, list: h.list, start, end: start + codePoints(h.word, h.word.length) };
    });
  }
}

/** Code points in the first `utf16Length` UTF-16 units of `text` (transcripts may hold emoji). */
function codePoints(text: string, utf16Length: number): number {
  let count = 0;
  for (let i = 0; i < utf16Length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0xdc00 || unit > 0xdfff) count++;
  }
  return count;
}
