// A marker key per scope (a campaign's hopper and counters, the agents' board), set when that
// state was built: a missing marker means Redis lost the state since (flushed, replaced, failed
// over without persistence), and SET NX lets exactly one caller rebuild it.

import type { Keyspace, Redis } from '@outbound/redis';
import type { StateMarkers } from '../../use-cases/engine-deps.js';

export class RedisStateMarkers implements StateMarkers {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keyspace,
  ) {}

  async lost(...scope: readonly string[]): Promise<boolean> {
    return (await this.redis.set(this.keys.key('built', ...scope), new Date().toISOString(), 'NX')) === 'OK';
  }
}
