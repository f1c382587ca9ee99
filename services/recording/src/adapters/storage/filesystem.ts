import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { InvalidArgumentError, NotFoundError } from '@outbound/errors';
import type { BlobStore } from '../../use-cases/ports.js';

const KEY = /^[A-Za-z0-9_-]{1,128}(\/[A-Za-z0-9_.-]{1,200})*$/;

export function checkKey(key: string): void {
  if (!KEY.test(key) || key.split('/').some((part) => part === '.' || part === '..'))
    throw new InvalidArgumentError([{ field: 'storage_key', description: 'must be ids separated by /' }]);
}

/**
 * Sealed recordings as files under one folder (a volume in Kubernetes). A write goes to a temporary
 * file that is fsync'd, renamed into place and its folder fsync'd: once `put` resolves the file
 * survives a crash, and a reader never sees half a file.
 */
export class FilesystemBlobStore implements BlobStore {
  readonly backend = 'filesystem' as const;

  constructor(private readonly root: string) {}

  private path(key: string): string {
    checkKey(key);
    return join(this.root, key);
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const path = this.path(key);
    const folder = dirname(path);
    await mkdir(folder, { recursive: true, mode: 0o700 });
    const temporary = `${path}.${randomUUID()}.tmp`;
    const file = await open(temporary, 'wx', 0o600);
    try {
      await file.writeFile(bytes);
      await file.sync();
    } finally {
      await file.close();
    }
    try {
      await rename(temporary, path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    const dir = await open(folder, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }

  async get(key: string): Promise<Buffer> {
    try {
      return await readFile(this.path(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError('stored recording', key);
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }
}
