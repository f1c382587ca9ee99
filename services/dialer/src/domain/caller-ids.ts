// A campaign's caller IDs, least recently used first, within the caps compliance applies to each
// ID (calls per 24 h, minimum gap between two calls): a dial that would break a cap is not
// offered a caller ID, so it waits instead of being denied (compliance still decides each dial).

export interface CallerIdCaps {
  /** 0: no cap. */
  readonly maxPer24h: number;
  /** 0: no gap. */
  readonly minGapMs: number;
}

const DAY_MS = 86_400_000;

export class CallerIdRotation {
  /** Caller ID → its uses in the last 24 h, oldest first. */
  private readonly uses = new Map<string, number[]>();
  private ids: readonly string[] = [];

  constructor(
    ids: readonly string[],
    private caps: CallerIdCaps = { maxPer24h: 0, minGapMs: 0 },
  ) {
    this.setIds(ids);
  }

  setIds(ids: readonly string[]): void {
    this.ids = [...new Set(ids)];
    for (const id of this.ids) if (!this.uses.has(id)) this.uses.set(id, []);
  }

  setCaps(caps: CallerIdCaps): void {
    this.caps = caps;
  }

  /** No caller IDs configured: media presents its default, nothing to rotate. */
  get empty(): boolean {
    return this.ids.length === 0;
  }

  /** How many dials could get a caller ID now (each ID at most once: the gap starts with a use). */
  available(nowMs: number): number {
    if (this.empty) return Number.POSITIVE_INFINITY;
    return this.ids.filter((id) => this.usable(id, nowMs)).length;
  }

  /** The least recently used caller ID within the caps, recorded as used now; undefined when none is. */
  take(nowMs: number): string | undefined {
    let best: string | undefined;
    let bestLast = Number.POSITIVE_INFINITY;
    for (const id of this.ids) {
      if (!this.usable(id, nowMs)) continue;
      const last = this.uses.get(id)!.at(-1) ?? Number.NEGATIVE_INFINITY;
      if (last < bestLast) {
        best = id;
        bestLast = last;
      }
    }
    if (best !== undefined) this.uses.get(best)!.push(nowMs);
    return best;
  }

  private usable(id: string, nowMs: number): boolean {
    const uses = this.uses.get(id)!;
    while (uses.length > 0 && uses[0]! <= nowMs - DAY_MS) uses.shift();
    if (this.caps.maxPer24h > 0 && uses.length >= this.caps.maxPer24h) return false;
    const last = uses.at(-1);
    return last === undefined || this.caps.minGapMs <= 0 || nowMs - last >= this.caps.minGapMs;
  }
}
