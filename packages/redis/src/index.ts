import { Redis } from 'ioredis';
import { backoffDelayMs, type RetryPolicy } from '@outbound/errors';

export { Redis };

export interface RedisOptions {
  url: string;
  /** Connection name shown by CLIENT LIST, e.g. the service name. */
  name: string;
  /** Reconnect back-off; the client keeps retrying (Redis holds only rebuildable state). */
  reconnect?: RetryPolicy;
  onError?: (error: Error) => void;
  /**
   * Commands issued in one turn of the event loop go out in one write (ioredis auto-pipelining):
   * a service that issues many small commands at once pays one system call instead of many.
   */
  autoPipelining?: boolean;
}

export function createRedis(options: RedisOptions): Redis {
  const policy = options.reconnect ?? { initialDelayMs: 50, maxDelayMs: 5_000, multiplier: 2, maxAttempts: Infinity };
  const redis = new Redis(options.url, {
    connectionName: options.name,
    maxRetriesPerRequest: 3,
    enableAutoPipelining: options.autoPipelining ?? false,
    retryStrategy: (attempt) => (attempt > policy.maxAttempts ? null : Math.max(10, backoffDelayMs(policy, attempt))),
  });
  redis.on('error', (error) => options.onError?.(error));
  return redis;
}

const PART = /^[A-Za-z0-9_.@-]+$/;

/**
 * Key naming: `outbound:<service>:<kind>:<part>...`. Each service owns its prefix; no two services
 * share a key. `{campaign}` hash tags keep one campaign's keys in one Redis Cluster slot, so
 * multi-key scripts on them stay valid when Redis is clustered.
 */
export class Keyspace {
  constructor(
    readonly service: string,
    readonly prefix = 'outbound',
  ) {
    Keyspace.check(service);
  }

  key(kind: string, ...parts: Array<string | number>): string {
    return [this.prefix, this.service, kind, ...parts.map(String)].map(Keyspace.check).join(':');
  }

  /** A key in the hash slot of `campaignId`. */
  campaignKey(campaignId: string, kind: string, ...parts: Array<string | number>): string {
    Keyspace.check(campaignId);
    return [this.prefix, this.service, `{${campaignId}}`, kind, ...parts.map(String).map(Keyspace.check)].join(':');
  }

  private static check(part: string): string {
    if (!PART.test(part)) throw new Error(`invalid key part ${JSON.stringify(part.slice(0, 40))}`);
    return part;
  }
}
