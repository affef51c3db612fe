/**
 * The cryptographic primitives of the passphrase lock, on WebCrypto only (browsers and Node share
 * it): PBKDF2-SHA-256 key derivation and AES-256-GCM sealing with a fresh random 96-bit IV per call.
 * Keys are non-extractable, so script on the page can use but never read them.
 */

/** OWASP's 2023 recommendation for PBKDF2-HMAC-SHA-256; stored per lock so it can be raised later. */
export const PBKDF2_ITERATIONS = 600_000;
/** Below this a stored or imported lock is refused: a tampered file must not downgrade the work factor. */
export const MIN_PBKDF2_ITERATIONS = 100_000;
const SALT_BYTES = 16;
const IV_BYTES = 12;
/** A known plaintext sealed with the key: opening it proves a passphrase right without touching data. */
const CHECK_TEXT = 'taskmem-lock-check-v1';

export interface Sealed {
  iv: Uint8Array;
  data: Uint8Array;
}

export class WrongPassphraseError extends Error {
  constructor() {
    super('That passphrase is not the one the memories were locked with. Nothing was changed.');
    this.name = 'WrongPassphraseError';
  }
}

const subtle = () => globalThis.crypto.subtle;
const encoder = new TextEncoder();

export function randomSalt(): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(SALT_BYTES));
}

/** Derives a non-extractable AES-GCM key; NFC so the same passphrase typed on two systems matches. */
export async function deriveKey(passphrase: string, salt: Uint8Array, iterations = PBKDF2_ITERATIONS): Promise<CryptoKey> {
  const base = await subtle().importKey('raw', encoder.encode(passphrase.normalize('NFC')), 'PBKDF2', false, ['deriveKey']);
  return subtle().deriveKey(
    { name: 'PBKDF2', hash: 'SHA-256', salt: salt as BufferSource, iterations },
    base,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}

/** `context` is authenticated, not encrypted: a sealed value moved to another store or field fails to open. */
export async function seal(key: CryptoKey, plain: Uint8Array, context: string): Promise<Sealed> {
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const data = await subtle().encrypt({ name: 'AES-GCM', iv: iv as BufferSource, additionalData: encoder.encode(context) }, key, plain as BufferSource);
  return { iv, data: new Uint8Array(data) };
}

/** Throws (an OperationError from WebCrypto) when the key is wrong or the bytes were altered. */
export async function open(key: CryptoKey, sealed: Sealed, context: string): Promise<Uint8Array> {
  const plain = await subtle().decrypt({ name: 'AES-GCM', iv: sealed.iv as BufferSource, additionalData: encoder.encode(context) }, key, sealed.data as BufferSource);
  return new Uint8Array(plain);
}

export function makeCheck(key: CryptoKey): Promise<Sealed> {
  return seal(key, encoder.encode(CHECK_TEXT), 'check');
}

/** True when `key` opens the check value, i.e. it was derived from the right passphrase. */
export async function verifyCheck(key: CryptoKey, check: Sealed): Promise<boolean> {
  try {
    return new TextDecoder().decode(await open(key, check, 'check')) === CHECK_TEXT;
  } catch {
    return false;
  }
}

export function isSealed(v: unknown): v is Sealed {
  return typeof v === 'object' && v !== null && (v as Sealed).iv instanceof Uint8Array && (v as Sealed).iv.length === IV_BYTES && (v as Sealed).data instanceof Uint8Array;
}
