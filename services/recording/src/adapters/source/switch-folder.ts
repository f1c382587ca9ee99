import { access, readFile, rm, rmdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { InvalidArgumentError, NotFoundError } from '@outbound/errors';
import type { SourceFolder } from '../../use-cases/ports.js';

const RELATIVE = /^[A-Za-z0-9_-]{1,128}\/[A-Za-z0-9_-]{1,128}\.wav$/;

/** The switch's recordings folder, shared with this service; paths are `<callId>/<recordingId>.wav` only. */
export class SwitchFolder implements SourceFolder {
  constructor(private readonly root: string) {}

  private path(relative: string): string {
    if (!RELATIVE.test(relative))
      throw new InvalidArgumentError([{ field: 'path', description: 'must be <callId>/<recordingId>.wav' }]);
    return join(this.root, relative);
  }

  async read(relative: string): Promise<Buffer> {
    try {
      return await readFile(this.path(relative));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError('recording file', relative);
      throw error;
    }
  }

  async exists(relative: string): Promise<boolean> {
    try {
      await access(this.path(relative));
      return true;
    } catch {
      return false;
    }
  }

  async remove(relative: string): Promise<void> {
    const path = this.path(relative);
    await rm(path, { force: true });
    // The call's folder goes when it is empty; another recording of the call may still be in it.
    await rmdir(dirname(path)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT' && error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
    });
  }
}
