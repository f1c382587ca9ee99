/**
 * The regular expressions of libphonenumber's metadata, read as automata over the ten digits, to
 * answer questions a JavaScript RegExp cannot: does every number of length L starting with these
 * digits match, or none? Only the syntax the metadata uses is understood (digits, `\d`, classes,
 * groups, alternation, `?` and `{m,n}`); anything else throws, and callers then fall back to
 * libphonenumber itself.
 */

type Node =
  | { kind: 'set'; mask: number }
  | { kind: 'seq'; items: Node[] }
  | { kind: 'alt'; options: Node[] }
  | { kind: 'repeat'; node: Node; min: number; max: number };

export class UnsupportedPattern extends Error {
  constructor(pattern: string, at: number) {
    super(`unsupported pattern syntax at ${at} in ${pattern}`);
    this.name = 'UnsupportedPattern';
  }
}

const ALL_DIGITS = 0x3ff;

function parse(pattern: string): Node {
  let at = 0;
  const fail = (): never => {
    throw new UnsupportedPattern(pattern, at);
  };
  const alternation = (): Node => {
    const options = [sequence()];
    while (pattern[at] === '|') {
      at++;
      options.push(sequence());
    }
    return options.length === 1 ? options[0]! : { kind: 'alt', options };
  };
  const sequence = (): Node => {
    const items: Node[] = [];
    while (at < pattern.length && pattern[at] !== '|' && pattern[at] !== ')') items.push(quantified(atom()));
    return { kind: 'seq', items };
  };
  const atom = (): Node => {
    const ch = pattern[at++];
    if (ch !== undefined && ch >= '0' && ch <= '9') return { kind: 'set', mask: 1 << Number(ch) };
    if (ch === '\\' && pattern[at] === 'd') {
      at++;
      return { kind: 'set', mask: ALL_DIGITS };
    }
    if (ch === '[') return digitClass();
    if (ch === '(') {
      if (pattern.startsWith('?:', at)) at += 2;
      else if (pattern[at] === '?') fail();
      const inner = alternation();
      if (pattern[at++] !== ')') fail();
      return inner;
    }
    return fail();
  };
  const digitClass = (): Node => {
    let mask = 0;
    while (pattern[at] !== ']') {
      const from = pattern[at++];
      if (from === undefined || from < '0' || from > '9') return fail();
      let to = from;
      if (pattern[at] === '-' && pattern[at + 1] !== ']') {
        to = pattern[at + 1]!;
        at += 2;
        if (to < from || to > '9') fail();
      }
      for (let d = Number(from); d <= Number(to); d++) mask |= 1 << d;
    }
    at++;
    return { kind: 'set', mask };
  };
  const quantified = (node: Node): Node => {
    if (pattern[at] === '?') {
      at++;
      return { kind: 'repeat', node, min: 0, max: 1 };
    }
    if (pattern[at] !== '{') return node;
    const match = /^\{(\d+)(?:,(\d+))?\}/.exec(pattern.slice(at));
    if (!match) return fail();
    at += match[0].length;
    const min = Number(match[1]);
    return { kind: 'repeat', node, min, max: match[2] === undefined ? min : Number(match[2]) };
  };
  const root = alternation();
  if (at !== pattern.length) fail();
  return root;
}

/** A Thompson NFA: state → digit-set edges and ε-edges; one accepting state. */
export class DigitPattern {
  private readonly edges: Array<Array<[mask: number, to: number]>> = [];
  private readonly epsilon: number[][] = [];
  private readonly start: number;
  private readonly accept: number;

  constructor(pattern: string) {
    const fragment = this.build(parse(pattern));
    this.start = fragment.start;
    this.accept = fragment.end;
  }

  /** Is there a match starting at position 0 of every (or of no) string beginning with `prefix`? */
  startMatch(prefix: string): 'always' | 'never' | 'unknown' {
    let states = this.closure([this.start]);
    if (states.includes(this.accept)) return 'always';
    for (const ch of prefix) {
      states = this.step(states, Number(ch));
      if (states.includes(this.accept)) return 'always';
      if (states.length === 0) return 'never';
    }
    return 'unknown';
  }

  /** Of the `length`-digit strings beginning with `prefix`, do all match entirely, none, or some? */
  fullMatch(prefix: string, length: number): 'all' | 'none' | 'some' {
    let states = this.closure([this.start]);
    for (const ch of prefix) states = this.step(states, Number(ch));
    let level = new Map([[states.join(), states]]);
    for (let i = prefix.length; i < length; i++) {
      const next = new Map<string, number[]>();
      for (const set of level.values()) {
        if (set.length === 0) {
          next.set('', set);
          continue;
        }
        for (let digit = 0; digit <= 9; digit++) {
          const stepped = this.step(set, digit);
          next.set(stepped.join(), stepped);
        }
      }
      level = next;
    }
    let accepting = 0;
    for (const set of level.values()) if (set.includes(this.accept)) accepting++;
    return accepting === 0 ? 'none' : accepting === level.size ? 'all' : 'some';
  }

  private state(): number {
    this.edges.push([]);
    this.epsilon.push([]);
    return this.edges.length - 1;
  }

  private build(node: Node): { start: number; end: number } {
    const start = this.state();
    let end = start;
    switch (node.kind) {
      case 'set':
        end = this.state();
        this.edges[start]!.push([node.mask, end]);
        break;
      case 'seq':
        for (const item of node.items) {
          const part = this.build(item);
          this.epsilon[end]!.push(part.start);
          end = part.end;
        }
        break;
      case 'alt':
        end = this.state();
        for (const option of node.options) {
          const part = this.build(option);
          this.epsilon[start]!.push(part.start);
          this.epsilon[part.end]!.push(end);
        }
        break;
      case 'repeat': {
        const optionalEnds: number[] = [];
        for (let i = 0; i < node.max; i++) {
          if (i >= node.min) optionalEnds.push(end);
          const part = this.build(node.node);
          this.epsilon[end]!.push(part.start);
          end = part.end;
        }
        for (const skip of optionalEnds) this.epsilon[skip]!.push(end);
        break;
      }
    }
    return { start, end };
  }

  private step(states: readonly number[], digit: number): number[] {
    const bit = 1 << digit;
    const next: number[] = [];
    for (const s of states) for (const [mask, to] of this.edges[s]!) if (mask & bit) next.push(to);
    return this.closure(next);
  }

  /** ε-closure, sorted so equal sets have equal keys. */
  private closure(states: readonly number[]): number[] {
    const seen = new Set<number>();
    const stack = [...states];
    while (stack.length > 0) {
      const s = stack.pop()!;
      if (seen.has(s)) continue;
      seen.add(s);
      for (const to of this.epsilon[s]!) stack.push(to);
    }
    return [...seen].sort((a, b) => a - b);
  }
}
