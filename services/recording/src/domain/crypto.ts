import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createSecretKey,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { DomainError, type ErrorKind } from '@outbound/errors';

/**
 * Recordings are sealed with AES-256-GCM before any byte is written anywhere. Layout:
 * `OBR` magic, format version, key id length, key id, 12-byte IV, 16-byte tag, ciphertext. The
 * recording id is authenticated data, so a file moved under another recording's name is refused.
 */
export interface RecordingKey {
  readonly id: string;
  readonly key: Buffer;
}

export type SealErrorCode = 'UNKNOWN_KEY' | 'TAMPERED' | 'MALFORMED';

/** A sealed recording that cannot be opened; the message never carries key material or content. */
export class SealError extends DomainError {
  readonly kind: ErrorKind = 'internal';
  constructor(
    readonly code: SealErrorCode,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, { ...options, reason: code });
  }
}

const MAGIC = Buffer.from('OBR', 'ascii');
const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

/** `id:base64,…` as configured → keys (each 32 bytes) and every problem found, named without secrets. */
export function parseKeyring(raw: string): { keys: RecordingKey[]; problems: string[] } {
  const keys: RecordingKey[] = [];
  const problems: string[] = [];
  for (const [index, pair] of raw
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .entries()) {
    const cut = pair.indexOf(':');
    const id = pair.slice(0, cut);
    const key = Buffer.from(pair.slice(cut + 1), 'base64');
    if (cut < 1 || !KEY_ID.test(id)) problems.push(`entry ${index + 1} must be id:base64 with a short id`);
    else if (key.length !== 32) problems.push(`key ${id} must be 32 bytes in base64 (openssl rand -base64 32)`);
    else if (keys.some((k) => k.id === id)) problems.push(`key id ${id} is listed twice`);
    else keys.push({ id, key });
  }
  if (keys.length === 0 && problems.length === 0) problems.push('must hold at least one key');
  return { keys, problems };
}

/** The keys this service can open with, and the one it seals new recordings with. */
export class Keyring {
  private readonly keys: ReadonlyMap<string, KeyObject>;
  readonly activeKeyId: string;

  constructor(keys: readonly RecordingKey[], activeKeyId?: string) {
    this.keys = new Map(keys.map((k) => [k.id, createSecretKey(k.key)]));
    const active = activeKeyId ?? keys[keys.length - 1]?.id;
    if (active === undefined || !this.keys.has(active)) throw new Error('the active key id is not among the keys');
    this.activeKeyId = active;
  }

  has(keyId: string): boolean {
    return this.keys.has(keyId);
  }

  /** Seal `plain` under the active key (or `keyId`), bound to `recordingId`. */
  seal(plain: Uint8Array, recordingId: string, keyId = this.activeKeyId): Buffer {
    const key = this.keys.get(keyId);
    if (key === undefined) throw new SealError('UNKNOWN_KEY', 'no such key in the keyring');
    const id = Buffer.from(keyId, 'ascii');
    const header = Buffer.concat([MAGIC, Buffer.from([VERSION, id.length]), id]);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.concat([header, Buffer.from(recordingId, 'utf8')]));
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([header, iv, cipher.getAuthTag(), body]);
  }

  /** Open a sealed recording; a wrong key, another recording's file or any changed byte is refused. */
  open(sealed: Uint8Array, recordingId: string): Buffer {
    const { keyId, headerEnd } = readHeader(sealed);
    const key = this.keys.get(keyId);
    if (key === undefined)
      throw new SealError('UNKNOWN_KEY', `the recording is sealed with key ${keyId}, not in the keyring`);
    const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
    const iv = bytes.subarray(headerEnd, headerEnd + IV_BYTES);
    const tag = bytes.subarray(headerEnd + IV_BYTES, headerEnd + IV_BYTES + TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(Buffer.concat([bytes.subarray(0, headerEnd), Buffer.from(recordingId, 'utf8')]));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(bytes.subarray(headerEnd + IV_BYTES + TAG_BYTES)), decipher.final()]);
    } catch (cause) {
      throw new SealError('TAMPERED', 'the recording fails its authentication tag', { cause });
    }
  }
}

/** The key id a sealed recording names (what rotation looks at), without opening it. */
export function sealedKeyId(sealed: Uint8Array): string {
  return readHeader(sealed).keyId;
}

function readHeader(sealed: Uint8Array): { keyId: string; headerEnd: number } {
  const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  if (bytes.length < MAGIC.length + 2 || !bytes.subarray(0, MAGIC.length).equals(MAGIC))
    throw new SealError('MALFORMED', 'not a sealed recording');
  if (bytes[MAGIC.length] !== VERSION) throw new SealError('MALFORMED', 'unknown sealed-recording version');
  const idLength = bytes[MAGIC.length + 1]!;
  const headerEnd = MAGIC.length + 2 + idLength;
  if (bytes.length < headerEnd + IV_BYTES + TAG_BYTES)
    throw new SealError('MALFORMED', 'the sealed recording is cut short');
  return { keyId: bytes.toString('ascii', MAGIC.length + 2, headerEnd), headerEnd };
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
