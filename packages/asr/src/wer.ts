/** Word error rate: word-level edit distance after normalising case, punctuation and numbers. */

const ONES = [
  'zero',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'ten',
  'eleven',
  'twelve',
  'thirteen',
  'fourteen',
  'fifteen',
  'sixteen',
  'seventeen',
  'eighteen',
  'nineteen',
];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];

/** English words for 0 ≤ n < 1,000,000 ("105" → "one hundred five"); other numbers are spelt digit by digit. */
export function numberToWords(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n >= 1_000_000) {
    return String(n)
      .split('')
      .filter((c) => c >= '0' && c <= '9')
      .map((d) => ONES[Number(d)]!)
      .join(' ');
  }
  if (n < 20) return ONES[n]!;
  if (n < 100) return TENS[Math.floor(n / 10)]! + (n % 10 === 0 ? '' : ` ${ONES[n % 10]!}`);
  if (n < 1000) return `${ONES[Math.floor(n / 100)]!} hundred` + (n % 100 === 0 ? '' : ` ${numberToWords(n % 100)}`);
  return `${numberToWords(Math.floor(n / 1000))} thousand` + (n % 1000 === 0 ? '' : ` ${numberToWords(n % 1000)}`);
}

/** Lower-case words with digits spelt out, punctuation dropped, hyphens split ("Twenty-5!" → twenty five). */
export function normalizeWords(text: string): string[] {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/\d+/g, (digits) => ` ${numberToWords(Number(digits))} `)
    .replace(/[^\p{L}\p{N}'\s]+/gu, ' ')
    .replace(/(^|\s)'+|'+(?=\s|$)/gu, ' ')
    .split(/\s+/u)
    .filter((w) => w !== '');
}

export interface WordErrors {
  substitutions: number;
  deletions: number;
  insertions: number;
  /** Words in the reference. */
  referenceWords: number;
}

/** Minimum substitutions + deletions + insertions turning `reference` into `hypothesis`. */
export function wordErrors(reference: string, hypothesis: string): WordErrors {
  const ref = normalizeWords(reference);
  const hyp = normalizeWords(hypothesis);
  // cost[j] holds the best (total, subs, dels, ins) for ref[0..i) against hyp[0..j).
  type Cell = [number, number, number, number];
  let prev: Cell[] = hyp.map((_, j): Cell => [j + 1, 0, 0, j + 1]);
  prev.unshift([0, 0, 0, 0]);
  for (let i = 1; i <= ref.length; i++) {
    const row: Cell[] = [[i, 0, i, 0]];
    for (let j = 1; j <= hyp.length; j++) {
      const diag = prev[j - 1]!;
      const up = prev[j]!;
      const left = row[j - 1]!;
      const same = ref[i - 1] === hyp[j - 1];
      const candidates: Cell[] = [
        [diag[0] + (same ? 0 : 1), diag[1] + (same ? 0 : 1), diag[2], diag[3]],
        [up[0] + 1, up[1], up[2] + 1, up[3]],
        [left[0] + 1, left[1], left[2], left[3] + 1],
      ];
      row.push(candidates.reduce((best, c) => (c[0] < best[0] ? c : best)));
    }
    prev = row;
  }
  const last = prev[hyp.length]!;
  return { substitutions: last[1], deletions: last[2], insertions: last[3], referenceWords: ref.length };
}

/** Corpus WER: total errors over total reference words (0 when there are no reference words). */
export function wordErrorRate(pairs: readonly { reference: string; hypothesis: string }[]): number {
  let errors = 0;
  let words = 0;
  for (const { reference, hypothesis } of pairs) {
    const e = wordErrors(reference, hypothesis);
    errors += e.substitutions + e.deletions + e.insertions;
    words += e.referenceWords;
  }
  return words === 0 ? 0 : errors / words;
}
