// A Lua script shipped as a package asset (redis/*.lua beside migrations/, what an image ships
// with dist/), loaded once and run by its SHA; a restarted or flushed Redis forgets loaded
// scripts, so on NOSCRIPT (nothing ran) it is loaded again and the call retried once.

import { readFileSync } from 'node:fs';
import type { Redis } from '@outbound/redis';

export class LuaScript {
  private readonly source: string;
  private sha: string | undefined;

  constructor(file: string) {
    this.source = readFileSync(new URL(`../../../../redis/${file}`, import.meta.url), 'utf8');
  }

  async run(redis: Redis, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    const call = async (reload: boolean): Promise<unknown> => {
      if (!this.sha || reload) this.sha = String(await redis.script('LOAD', this.source));
      return redis.evalsha(this.sha, keys.length, ...keys, ...args.map(String));
    };
    try {
      return await call(false);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.includes('NOSCRIPT')) throw error;
      return call(true);
    }
  }
}
