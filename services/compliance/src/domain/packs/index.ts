import type { RulePackVersion } from '../types.js';
import { base } from './base.js';
import { cn } from './cn.js';
import { uk } from './uk.js';
import { us, usFlorida } from './us.js';

/** Every version of every pack. Adding a version: append it here with a later effectiveFrom. */
export const allPackVersions: readonly RulePackVersion[] = [...base, ...us, ...usFlorida, ...uk, ...cn];

export function packLabel(pack: RulePackVersion): string {
  return `${pack.pack}@${pack.version}`;
}

/** A catalogue of versions answering "which version of pack P applies at instant T?". */
export class PackCatalogue {
  private readonly byName = new Map<string, Array<{ from: number; pack: RulePackVersion }>>();

  constructor(versions: readonly RulePackVersion[] = allPackVersions) {
    for (const pack of versions) {
      const from = Date.parse(pack.effectiveFrom);
      if (Number.isNaN(from)) throw new Error(`${packLabel(pack)}: effectiveFrom is not a date`);
      const list = this.byName.get(pack.pack) ?? [];
      list.push({ from, pack });
      this.byName.set(pack.pack, list);
    }
    for (const list of this.byName.values()) list.sort((a, b) => b.from - a.from);
    this.starts = [...new Set(versions.map((pack) => Date.parse(pack.effectiveFrom)))];
  }

  private readonly starts: readonly number[];

  /**
   * Which versions are in effect at `at`, as a number: equal for two instants exactly when `at()`
   * answers the same for every pack at both (the count of version starts not after `at`).
   */
  epoch(at: number): number {
    let epoch = 0;
    for (const from of this.starts) if (from <= at) epoch++;
    return epoch;
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  /** The newest version in effect at `at`, or undefined before the first one. */
  at(name: string, at: number): RulePackVersion | undefined {
    return this.byName.get(name)?.find((entry) => entry.from <= at)?.pack;
  }
}
