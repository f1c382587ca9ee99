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
  /** The word folded to lower case, as the text is searched. */
  readonly folded: string;
  /** A Latin-script word must start a word ("risk free" is not in "brisk free"); endings may follow ("returns"). */
  readonly bounded: boolean;
}

/** Lower case unit by unit, so offsets into the folded text are offsets into the text. */
function fold(text: string): string {
  let out = '';
  for (const unit of text.split('')) {
    const lower = unit.toLowerCase();
    out += lower.length === 1 ? lower : unit;
  }
  return out;
}

const WORD_CHAR = /[\p{Script=Latin}\p{Nd}]/u;

/**
 * Finds listed words in transcript text, ignoring case (engines and people write "Guaranteed" and
 * "guaranteed"); a word in Latin script only where a word starts, Chinese anywhere (it has no spaces).
 * Lists are small (tens of words), so a scan per word with indexOf beats building an automaton;
 * overlapping hits are all reported.
 */
export class SensitiveWordScanner {
  private readonly byIndustry = new Map<string, Entry[]>();

  constructor(packs: readonly RulePackVersion[]) {
    for (const pack of packs) {
      for (const [industry, words] of Object.entries(pack.sensitiveWords ?? {})) {
        const list = this.byIndustry.get(industry) ?? [];
        for (const word of words) {
          if (!list.some((e) => e.word === word))
            list.push({
              word,
              list: `${pack.pack}@${pack.version}/${industry}`,
              folded: fold(word),
              bounded: WORD_CHAR.test(word.at(0) ?? ''),
            });
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
    const folded = fold(text);
    const hits: Array<{ word: string; list: string; utf16: number; length: number }> = [];
    for (const entry of entries) {
      for (let i = folded.indexOf(entry.folded); i !== -1; i = folded.indexOf(entry.folded, i + 1)) {
        if (entry.bounded && WORD_CHAR.test(folded[i - 1] ?? '')) continue;
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
