import type { Logger } from '@outbound/telemetry';
import type { Recordings } from './ports.js';
import type { RecordingVault } from './vault.js';

/**
 * Key rotation's second half: recordings sealed with an older key are opened (checksums verified),
 * sealed again under the active key and stored under a new name; the metadata then points at the
 * new file and the old one is deleted. A crash between leaves an orphan old file, never a lost one.
 */
export class ReencryptRecordings {
  constructor(
    private readonly deps: { readonly recordings: Recordings; readonly vault: RecordingVault; readonly logger: Logger },
  ) {}

  async runOnce(limit: number): Promise<number> {
    const { recordings, vault } = this.deps;
    let done = 0;
    for (const row of await recordings.sealedWithOtherKey(vault.activeKeyId, limit)) {
      const plain = await vault.open(row);
      const sealed = await vault.put(row, plain);
      await recordings.setKey(row.recordingId, sealed.storageKey, sealed.keyId, sealed.sealedSha256);
      if (row.storageKey !== undefined && row.storageKey !== sealed.storageKey) await vault.delete(row.storageKey);
      done++;
    }
    if (done > 0) this.deps.logger.info({ recordings: done, keyId: vault.activeKeyId }, 'recordings sealed again');
    return done;
  }
}
