import { FailedPreconditionError, NotFoundError } from '@outbound/errors';
import { Keyring, sha256Hex } from '../domain/crypto.js';
import type { BlobStore, RecordingRow } from './ports.js';

/** A stored file whose bytes no longer match their checksum: never served, never transcribed. */
export class ChecksumMismatchError extends FailedPreconditionError {
  constructor(what: 'sealed' | 'plain') {
    super(`the stored recording's ${what} bytes do not match their checksum`, { reason: 'CHECKSUM_MISMATCH' });
  }
}

/**
 * Sealing and opening recordings: AES-256-GCM under the keyring, then the blob store; checksums of
 * the sealed and the plain bytes verified on every read.
 */
export class RecordingVault {
  constructor(
    private readonly keyring: Keyring,
    private readonly store: BlobStore,
  ) {}

  get backend(): BlobStore['backend'] {
    return this.store.backend;
  }

  /**
   * Each sealing gets its own key (the sealed bytes' hash in the name): two deliveries racing on one
   * recording never overwrite each other's file, and the loser removes its own.
   */
  static keyFor(campaignId: string, recordingId: string, sealedSha256: string): string {
    return `${campaignId}/${recordingId}.${sealedSha256.slice(0, 16)}.sealed`;
  }

  /** Seal and store durably; returns what the metadata row needs. */
  async put(
    recording: { campaignId: string; recordingId: string },
    plain: Uint8Array,
    keyId = this.keyring.activeKeyId,
  ): Promise<{ storageKey: string; keyId: string; sha256: string; sealedSha256: string }> {
    const sealed = this.keyring.seal(plain, recording.recordingId, keyId);
    const sealedSha256 = sha256Hex(sealed);
    const storageKey = RecordingVault.keyFor(recording.campaignId, recording.recordingId, sealedSha256);
    await this.store.put(storageKey, sealed);
    return { storageKey, keyId, sha256: sha256Hex(plain), sealedSha256 };
  }

  /** The plain WAV of a stored recording, every checksum verified. */
  async open(row: RecordingRow): Promise<Buffer> {
    if (row.state !== 'stored' || row.storageKey === undefined)
      throw new NotFoundError('stored recording', row.recordingId);
    const sealed = await this.store.get(row.storageKey);
    if (row.sealedSha256 !== undefined && sha256Hex(sealed) !== row.sealedSha256)
      throw new ChecksumMismatchError('sealed');
    const plain = this.keyring.open(sealed, row.recordingId);
    if (row.sha256 !== undefined && sha256Hex(plain) !== row.sha256) throw new ChecksumMismatchError('plain');
    return plain;
  }

  async delete(storageKey: string): Promise<void> {
    await this.store.delete(storageKey);
  }

  get activeKeyId(): string {
    return this.keyring.activeKeyId;
  }
}
