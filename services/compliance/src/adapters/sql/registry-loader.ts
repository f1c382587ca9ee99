import type { Keyspace, Redis } from '@outbound/redis';
import type { Pool } from '@outbound/store';
import type { Logger } from '@outbound/telemetry';
import { BlindIndex } from '../../domain/blind.js';
import type { Registry } from '../../domain/registry.js';
import { loadRegistryKeys, replaceRegistryChunk } from './lists.js';

const E164 = /^\+[1-9]\d{6,14}$/;

export interface RegistryChunk {
  readonly registry: string;
  readonly phones: readonly string[];
}

/**
 * Imported registries: PostgreSQL holds their keys; every replica keeps them all in memory. A
 * load bumps a version in Redis; the other replicas see it on their next poll and reload.
 */
export class RegistryLoader {
  private loadedVersion = '';

  constructor(
    private readonly deps: {
      pool: Pool;
      schema: string;
      redis: Redis;
      keys: Keyspace;
      blind: BlindIndex;
      registry: Registry;
      logger: Logger;
    },
  ) {}

  private get versionKey(): string {
    return this.deps.keys.key('registry', 'version');
  }

  /** Replace one registry's contents with the streamed chunks, in one transaction. */
  async replace(
    chunks: () => AsyncIterable<RegistryChunk>,
  ): Promise<{ registry: string; loaded: number; rejected: number }> {
    const { pool, schema, blind } = this.deps;
    const client = await pool.connect();
    let registry = '';
    let loaded = 0;
    let rejected = 0;
    try {
      await client.query('BEGIN');
      for await (const chunk of chunks()) {
        if (registry === '') {
          registry = chunk.registry;
          await client.query(`DELETE FROM "${schema}".dnc_registry WHERE registry = $1`, [registry]);
        }
        const keys: bigint[] = [];
        for (const phone of chunk.phones) {
          if (E164.test(phone)) keys.push(blind.key64(phone));
          else rejected++;
        }
        await replaceRegistryChunk(client, schema, registry, keys);
        loaded += keys.length;
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
    await this.deps.redis.incr(this.versionKey);
    await this.reloadIfChanged();
    return { registry, loaded, rejected };
  }

  /** Load every registry into memory when another replica (or this one) changed them. */
  async reloadIfChanged(): Promise<void> {
    const version = (await this.deps.redis.get(this.versionKey)) ?? '0';
    if (version === this.loadedVersion) return;
    const started = Date.now();
    const keys = await loadRegistryKeys(this.deps.pool, this.deps.schema);
    this.deps.registry.replace(keys);
    this.loadedVersion = version;
    this.deps.logger.info({ numbers: keys.length, ms: Date.now() - started, version }, 'do-not-call registries loaded');
  }
}
