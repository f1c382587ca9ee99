import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/** One AES-256 key and the id stored next to every value it sealed. */
export interface PiiKey {
  id: string;
  key: Buffer;
}

/** The personal fields of a lead, sealed together: they are always read together. */
export interface Pii {
  e164: string;
  name: string;
}

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
// Fetching IVs one at a time costs more than the encryption; a pool of fresh random bytes is as good.
const IV_POOL_BYTES = IV_BYTES * 4096;

export class DecryptError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DecryptError';
  }
}

/**
 * AES-256-GCM for personal data at rest. Layout: version, key id length, key id, IV, tag,
 * ciphertext; the key id lets keys rotate (new values use the active key, old ones still open).
 * The blind index is an HMAC-SHA256 of the E.164 under a separate key: equal numbers match
 * without being decryptable.
 */
export class PiiCipher {
  private readonly keys: ReadonlyMap<string, Buffer>;
  private readonly active: PiiKey;
  private ivPool = Buffer.alloc(0);
  private ivOffset = 0;

  constructor(keys: readonly PiiKey[], activeKeyId: string, private readonly blindIndexKey: Buffer) {
    this.keys = new Map(keys.map((k) => [k.id, k.key]));
    const key = this.keys.get(activeKeyId);
    if (!key) throw new Error(`active key id ${activeKeyId} is not among the keys`);
    this.active = { id: activeKeyId, key };
  }

  seal(pii: Pii): Buffer {
    const iv = this.nextIv();
    const cipher = createCipheriv('aes-256-gcm', this.active.key, iv);
    const body = Buffer.concat([cipher.update(`${pii.e164}\n${pii.name}`, 'utf8'), cipher.final()]);
    const id = Buffer.from(this.active.id, 'utf8');
    return Buffer.concat([Buffer.of(VERSION, id.length), id, iv, cipher.getAuthTag(), body]);
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
      const text = Buffer.concat([decipher.update(sealed.subarray(idEnd + IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
      const cut = text.indexOf('\n');
      return { e164: text.slice(0, cut), name: text.slice(cut + 1) };
    } catch (cause) {
      throw new DecryptError(`value sealed with key ${keyId} fails authentication`, { cause });
    }
  }

  /** Key id a sealed value was written with (for re-encryption after a rotation). */
  static keyIdOf(sealed: Buffer): string {
    return sealed.subarray(2, 2 + (sealed[1] ?? 0)).toString('utf8');
  }

  blindIndex(e164: string, extra?: string): Buffer {
    const mac = createHmac('sha256', this.blindIndexKey).update(e164);
    if (extra !== undefined) mac.update(`\u0000${extra}`);
    return mac.digest();
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
