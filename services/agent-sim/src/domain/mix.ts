// What a simulated agent decides, drawn from a seeded generator so a run can be repeated: take or
// skip a preview, how long to wrap up, which disposition, whether to take a short break.

export interface AgentMix {
  /** Share of preview offers accepted. */
  readonly acceptPreview: number;
  /** Wrap-up time range (ms) before the disposition is sent. */
  readonly wrapUpMs: readonly [number, number];
  /** Shares of intent grades A, B, C among dispositions (the rest of 1 goes to C). */
  readonly intentA: number;
  readonly intentB: number;
  /** Share of calls that get a follow-up an hour later. */
  readonly followUp: number;
  /** Chance of a short break after a disposition, and its length range (ms). */
  readonly breakChance: number;
  readonly breakMs: readonly [number, number];
}

export const DEFAULT_MIX: AgentMix = {
  acceptPreview: 0.85,
  wrapUpMs: [300, 1_500],
  intentA: 0.15,
  intentB: 0.35,
  followUp: 0.2,
  breakChance: 0.05,
  breakMs: [1_000, 4_000],
};

/** A small, fast, seeded generator (mulberry32): same seed, same decisions. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0 || 0x9e3779b9;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export interface DispositionChoice {
  readonly intent: 'A' | 'B' | 'C';
  readonly code: string;
  readonly followUpInMs?: number;
}

export class AgentDecisions {
  constructor(
    private readonly random: () => number,
    private readonly mix: AgentMix = DEFAULT_MIX,
  ) {}

  acceptsPreview(): boolean {
    return this.random() < this.mix.acceptPreview;
  }

  wrapUpMs(): number {
    return this.between(this.mix.wrapUpMs);
  }

  disposition(): DispositionChoice {
    const r = this.random();
    const intent = r < this.mix.intentA ? 'A' : r < this.mix.intentA + this.mix.intentB ? 'B' : 'C';
    const code = intent === 'A' ? 'interested' : intent === 'B' ? 'callback' : 'not_interested';
    return this.random() < this.mix.followUp ? { intent, code, followUpInMs: 3_600_000 } : { intent, code };
  }

  /** A short break now (ms), or undefined. */
  breakMs(): number | undefined {
    return this.random() < this.mix.breakChance ? this.between(this.mix.breakMs) : undefined;
  }

  private between([low, high]: readonly [number, number]): number {
    return Math.round(low + this.random() * (high - low));
  }
}
