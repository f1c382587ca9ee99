import { NotFoundError } from '@outbound/errors';
import { StorageType, type JetStreamClient, type ObjectStore } from 'nats';
import type { BlobStore } from '../../use-cases/ports.js';
import { checkKey } from './filesystem.js';

/**
 * Sealed recordings in a NATS JetStream object store (file storage): `put` resolves once JetStream
 * has acknowledged every chunk and the object's metadata; the store checks each object's digest.
 */
export class ObjectStoreBlobStore implements BlobStore {
  readonly backend = 'object-store' as const;

  private constructor(private readonly store: ObjectStore) {}

  static async open(js: JetStreamClient, bucket: string, replicas = 1): Promise<ObjectStoreBlobStore> {
    const store = await js.views.os(bucket, { storage: StorageType.File, replicas });
    return new ObjectStoreBlobStore(store);
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    checkKey(key);
    await this.store.putBlob({ name: key }, bytes);
  }

  async get(key: string): Promise<Buffer> {
    checkKey(key);
    const bytes = await this.store.getBlob(key);
    if (bytes === null) throw new NotFoundError('stored recording', key);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  async delete(key: string): Promise<void> {
    checkKey(key);
    const info = await this.store.info(key);
    if (info === null || info.deleted) return;
    await this.store.delete(key);
  }
}
