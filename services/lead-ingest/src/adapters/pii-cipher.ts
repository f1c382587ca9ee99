import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { BLIND_INDEX_BYTES, BlindIndexer } from '@outbound/blind-index';

/** One AES-256 key and the id stored next to every value it sealed. */
export interface PiiKey {
  id: string;
  key: Buffer;
}

/** The personal fields of a lead, sealed together: they are always read together. */
export interface Pii {
  e164: string;
  /** Digits dialed after answer; empty when none. Sealed with the number as `+861065529988;ext=123`. */
  extension: string;
  name: string;
}

/** The number as sealed and as deduplicated: E.164, with `;ext=` and the extension when it has one (RFC 3966). */
export function dialString(e164: string, extension: string): string {
  return extension ? `${e164}${EXTENSION_MARK}${extension}` : e164;
}
const EXTENSION_MARK = ';ext=';

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
// Fetching IVs one at a time costs more than the encryption; a pool of fresh random bytes is as good.
const IV_POOL_BYTES = IV_BYTES * 4096;
export { BLIND_INDEX_BYTES };

export class DecryptError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DecryptError';
  }
}

/**
 * AES-256-GCM for personal data at rest. Layout: version, key id length, key id, IV, tag,
 * ciphertext; the key id lets keys rotate (new values use the active key, old ones still open).
 * The blind index is the platform's (`@outbound/blind-index`: HMAC-SHA256 of the E.164 under a
 * separate key, BLIND_INDEX_KEY, shared with compliance): equal numbers match, here and in
 * compliance's events, without being decryptable.
 */
export class PiiCipher {
  // KeyObjects: createCipheriv takes them without copying the key on every value.
  private readonly keys: ReadonlyMap<string, KeyObject>;
  private readonly activeKey: KeyObject;
  /** Version, key id length and key id: the same leading bytes on every value sealed now. */
  private readonly header: Buffer;
  private readonly indexer: BlindIndexer;
  private ivPool = Buffer.alloc(0);
  private ivOffset = 0;

  constructor(keys: readonly PiiKey[], activeKeyId: string, blindIndexKey: Buffer) {
    this.keys = new Map(keys.map((k) => [k.id, createSecretKey(k.key)]));
    const key = this.keys.get(activeKeyId);
    if (!key) throw new Error(`active key id ${activeKeyId} is not among the keys`);
    this.activeKey = key;
    const id = Buffer.from(activeKeyId, 'utf8');
    this.header = Buffer.concat([Buffer.of(VERSION, id.length), id]);
    this.indexer = new BlindIndexer(blindIndexKey);
  }

  seal(pii: Pii): Buffer {
    const plain = Buffer.from(`${dialString(pii.e164, pii.extension)}\n${pii.name}`, 'utf8');
    const sealed = Buffer.allocUnsafe(this.sealedLength(plain.length));
    this.sealInto(plain, sealed, 0);
    return sealed;
  }

  /** Bytes sealInto writes for a plaintext of `plainBytes` UTF-8 bytes. */
  sealedLength(plainBytes: number): number {
    return this.header.length + IV_BYTES + TAG_BYTES + plainBytes;
  }

  /**
   * Seal the plaintext `e164\nname`, already encoded in `plain`, into `out` at `at` (the layout
   * above): bulk imports seal straight into their COPY buffer. Returns the bytes written.
   */
  sealInto(plain: Buffer, out: Buffer, at: number): number {
    const iv = this.nextIv();
    const cipher = createCipheriv('aes-256-gcm', this.activeKey, iv);
    // GCM is a stream mode: update() returns every ciphertext byte and final() none.
    const body = cipher.update(plain);
    cipher.final();
    let end = at + this.header.copy(out, at);
    end += iv.copy(out, end);
    end += cipher.getAuthTag().copy(out, end);
    end += body.copy(out, end);
    return end - at;
  }

  open(sealed: Buffer): Pii {
    if (sealed.length < 2 || sealed[0] !== VERSION) throw new DecryptError('unknown sealed-value format');
    const idEnd = 2 + sealed[1]!;
    const keyId = sealed.subarray(2, idEnd).toString('utf8');
    const key = this.keys.get(keyId);
    if (!key) throw new DecryptError(`no key with id ${keyId}`);
    const iv = sealed.subarray(idEnd, idEnd + IV_BYTES);
    const tag = sealed.subarray(idEnd + IV_BYTES, idEnd + IV_BYTES + TAG_BYTES);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv);
      decipher.setAuthTag(tag);
      const text = Buffer.concat([
        decipher.update(sealed.subarray(idEnd + IV_BYTES + TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
      const cut = text.indexOf('\n');
      const number = text.slice(0, cut);
      const ext = number.indexOf(EXTENSION_MARK);
      return ext < 0
        ? { e164: number, extension: '', name: text.slice(cut + 1) }
        : {
            e164: number.slice(0, ext),
            extension: number.slice(ext + EXTENSION_MARK.length),
            name: text.slice(cut + 1),
          };
    } catch (cause) {
      throw new DecryptError(`value sealed with key ${keyId} fails authentication`, { cause });
    }
  }

  /** Key id a sealed value was written with (for re-encryption after a rotation). */
  static keyIdOf(sealed: Buffer): string {
    return sealed.subarray(2, 2 + (sealed[1] ?? 0)).toString('utf8');
  }

  blindIndex(e164: string, extra?: string): Buffer {
    return this.indexer.of(e164, extra);
  }

  /** The blind index written into `out` at `at` (BLIND_INDEX_BYTES). */
  blindIndexInto(e164: string, extra: string | undefined, out: Buffer, at: number): void {
    this.indexer.into(e164, out, at, extra);
  }

  private nextIv(): Buffer {
    if (this.ivOffset + IV_BYTES > this.ivPool.length) {
      this.ivPool = randomBytes(IV_POOL_BYTES);
      this.ivOffset = 0;
    }
    const iv = this.ivPool.subarray(this.ivOffset, this.ivOffset + IV_BYTES);
    this.ivOffset += IV_BYTES;
    return iv;
  }
}
