// Campaign ownership in a NATS KV bucket: one entry per owned campaign, its value the owner's id,
// expiring after the bucket's TTL unless renewed. `create` succeeds only on a missing (or expired,
// or deleted) entry and `update` only on the revision last seen, so two replicas never both hold
// a campaign; the revision returned by `create` is the owner's fencing token. A second bucket
// holds each live replica's presence (same TTL), so one that holds nothing yet still counts when
// campaigns are spread.

import type { Bus } from '@outbound/bus';
import type { KV } from 'nats';
import type { CampaignLeases } from '../../use-cases/ports.js';

export interface CampaignLeasesOptions {
  /** Bucket name (tests use a unique one). */
  bucket: string;
  /** An entry not renewed for this long is free (the owner died). */
  ttlMs: number;
  /** This replica's id. */
  holder: string;
}

/** JetStream's "wrong last sequence": the entry exists (create) or moved on (update, delete). */
function isWrongSequence(error: unknown): boolean {
  const apiError = (error as { api_error?: { err_code?: number } }).api_error;
  return apiError?.err_code === 10071 || /wrong last sequence/i.test((error as Error).message ?? '');
}

export class NatsCampaignLeases implements CampaignLeases {
  /** Campaign → the revision of our entry last written (create, then every renewal). */
  private readonly revisions = new Map<string, number>();
  private readonly value: Uint8Array;

  private constructor(
    private readonly kv: KV,
    private readonly replicas: KV,
    readonly holder: string,
  ) {
    this.value = new TextEncoder().encode(holder);
  }

  static async open(bus: Bus, options: CampaignLeasesOptions): Promise<NatsCampaignLeases> {
    const views = bus.connection.jetstream().views;
    const kv = await views.kv(options.bucket, { ttl: options.ttlMs, history: 1 });
    const replicas = await views.kv(`${options.bucket}_replicas`, { ttl: options.ttlMs, history: 1 });
    return new NatsCampaignLeases(kv, replicas, options.holder);
  }

  async present(): Promise<void> {
    await this.replicas.put(this.holder, this.value);
  }

  async leave(): Promise<void> {
    await this.replicas.delete(this.holder);
  }

  async acquire(campaignId: string): Promise<number | undefined> {
    try {
      const revision = await this.kv.create(campaignId, this.value);
      this.revisions.set(campaignId, revision);
      return revision;
    } catch (error) {
      if (isWrongSequence(error)) return undefined;
      throw error;
    }
  }

  async renew(campaignId: string): Promise<boolean> {
    const revision = this.revisions.get(campaignId);
    if (revision === undefined) return false;
    try {
      this.revisions.set(campaignId, await this.kv.update(campaignId, this.value, revision));
      return true;
    } catch (error) {
      if (!isWrongSequence(error)) throw error;
      this.revisions.delete(campaignId);
      return false;
    }
  }

  async release(campaignId: string): Promise<void> {
    const revision = this.revisions.get(campaignId);
    this.revisions.delete(campaignId);
    if (revision === undefined) return;
    try {
      await this.kv.delete(campaignId, { previousSeq: revision });
    } catch (error) {
      // Moved on: it expired and another replica took it, which is what releasing is for.
      if (!isWrongSequence(error)) throw error;
    }
  }

  async holdings(): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for await (const replica of await this.replicas.keys()) counts.set(replica, 0);
    const keys: string[] = [];
    for await (const key of await this.kv.keys()) keys.push(key);
    const decoder = new TextDecoder();
    for (const entry of await Promise.all(keys.map((key) => this.kv.get(key)))) {
      if (!entry || entry.operation !== 'PUT') continue;
      const holder = decoder.decode(entry.value);
      counts.set(holder, (counts.get(holder) ?? 0) + 1);
    }
    return counts;
  }
}
