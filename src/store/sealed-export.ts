/**
 * Encrypted exports: while a passphrase lock is on, the whole export file (records, counts, times)
 * is sealed with the store's key and carries the lock's salt, iterations and check value, so it
 * opens anywhere with the same passphrase and nowhere without it.
 */
import { deriveKey, MIN_PBKDF2_ITERATIONS, open, seal, verifyCheck, WrongPassphraseError, type Sealed } from './crypto';
import { EXPORT_FORMAT, ImportError, MAX_IMPORT_BYTES } from './transfer';
import type { LockRecord } from './lock';
import { fromBase64, toBase64 } from '../util/base64';

export const SEALED_EXPORT_VERSION = 1;
/**
 * The most bytes the encrypted export of a plaintext export of `plainBytes` UTF-8 bytes takes: the
 * payload is base64 of the ciphertext (the plaintext and a 16-byte AES-GCM tag); salt, check value
 * and field names stay well under 1 KiB.
 */
export function sealedExportBytes(plainBytes: number): number {
  return 4 * Math.ceil((plainBytes + 16) / 3) + 1024;
}

/** Encrypted exports are a third larger than the plaintext they hold: any export the app can import plain, it imports encrypted too. */
export const MAX_SEALED_IMPORT_BYTES = sealedExportBytes(MAX_IMPORT_BYTES);

/** The size limit for an import file, told from its first bytes (at least 200) before the rest is read. */
export function importLimitFor(head: string): number {
  return isSealedExport(head) ? MAX_SEALED_IMPORT_BYTES : MAX_IMPORT_BYTES;
}

/** A file asking for more work than this is refused rather than freezing the tab. */
const MAX_IMPORT_ITERATIONS = 10_000_000;

interface Wire {
  iv: string;
  data: string;
}

export interface SealedExportFile {
  format: typeof EXPORT_FORMAT;
  sealed: { version: number; kdf: 'PBKDF2-SHA-256'; salt: string; iterations: number; check: Wire; payload: Wire };
}

const toWire = (s: Sealed): Wire => ({ iv: toBase64(s.iv), data: toBase64(s.data) });

/** Seals a plaintext export (the text exportAll writes) under an unlocked store's key. */
export async function sealExport(plainText: string, key: CryptoKey, lock: Pick<LockRecord, 'salt' | 'iterations' | 'check'>): Promise<Blob> {
  const payload = await seal(key, new TextEncoder().encode(plainText), 'export');
  const file: SealedExportFile = {
    format: EXPORT_FORMAT,
    sealed: { version: SEALED_EXPORT_VERSION, kdf: 'PBKDF2-SHA-256', salt: toBase64(lock.salt), iterations: lock.iterations, check: toWire(lock.check), payload: toWire(payload) },
  };
  return new Blob([JSON.stringify(file)], { type: 'application/json' });
}

/** Whether an export file is an encrypted one (cheap: looks at the start of the text only). */
export function isSealedExport(text: string): boolean {
  return /^\s*\{\s*"format"\s*:\s*"taskmem-export"\s*,\s*"sealed"\s*:/.test(text.slice(0, 200));
}

function damaged(what: string): never {
  throw new ImportError(`The encrypted export is damaged: ${what}. Nothing was imported.`);
}

function wire(v: unknown, what: string): Sealed {
  const w = v as Wire;
  if (typeof w !== 'object' || w === null || typeof w.iv !== 'string' || typeof w.data !== 'string') damaged(`${what} is missing`);
  try {
    const s = { iv: fromBase64(w.iv), data: fromBase64(w.data) };
    if (s.iv.length !== 12) damaged(`${what} has a bad IV`);
    return s;
  } catch (e) {
    if (e instanceof ImportError) throw e;
    damaged(`${what} is not valid base64`);
  }
}

/**
 * Opens an encrypted export with its passphrase and returns the plaintext export text (to be
 * validated and imported by importAll). A wrong passphrase or altered file is refused.
 */
export async function openSealedExport(text: string, passphrase: string): Promise<string> {
  if (text.length > MAX_SEALED_IMPORT_BYTES) throw new ImportError('The file is too large to be a TaskMem export. Nothing was imported.');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ImportError('This file is not a TaskMem export (it is not JSON). Nothing was imported.');
  }
  const f = (json as SealedExportFile | null)?.sealed;
  if (typeof f !== 'object' || f === null) damaged('the sealed part is missing');
  if (!Number.isInteger(f.version) || f.version < 1) damaged('it has no valid version');
  if (f.version > SEALED_EXPORT_VERSION) throw new ImportError(`This encrypted export was made by a newer TaskMem (version ${f.version}); update the app to import it. Nothing was imported.`);
  if (f.kdf !== 'PBKDF2-SHA-256') damaged('its key derivation is unknown');
  if (!Number.isInteger(f.iterations) || f.iterations < MIN_PBKDF2_ITERATIONS || f.iterations > MAX_IMPORT_ITERATIONS) damaged('its iteration count is out of range');
  if (typeof f.salt !== 'string') damaged('the salt is missing');
  let salt: Uint8Array;
  try {
    salt = fromBase64(f.salt);
  } catch {
    damaged('the salt is not valid base64');
  }
  if (salt.length < 16) damaged('the salt is too short');
  const check = wire(f.check, 'the check value');
  const payload = wire(f.payload, 'the payload');
  const key = await deriveKey(passphrase, salt, f.iterations);
  if (!(await verifyCheck(key, check))) throw new WrongPassphraseError();
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(await open(key, payload, 'export'));
  } catch {
    damaged('the payload does not open with this passphrase (it was altered)');
  }
}
