/** Encrypted exports: open only with the passphrase, and refuse damaged or tampered files with a message. */
import { describe, expect, it } from 'vitest';
import { deriveKey, makeCheck, randomSalt, WrongPassphraseError } from '../../src/store/crypto';
import { importLimitFor, isSealedExport, MAX_SEALED_IMPORT_BYTES, openSealedExport, sealedExportBytes, sealExport } from '../../src/store/sealed-export';
import { checkImportSize, ImportError, MAX_IMPORT_BYTES } from '../../src/store/transfer';

const PASS = 'a long enough passphrase';
const ITER = 100_000; // the lowest a file may ask for; the app writes 600,000

async function sealed(plain: string) {
  const salt = randomSalt();
  const key = await deriveKey(PASS, salt, ITER);
  return (await sealExport(plain, key, { salt, iterations: ITER, check: await makeCheck(key) })).text();
}

describe('encrypted exports', () => {
  const plain = JSON.stringify({ format: 'taskmem-export', version: 1, memories: [{ text: 'Ada left the blue key card on desk D4' }] });

  it('carry no plaintext and open with the passphrase only', async () => {
    const text = await sealed(plain);
    expect(isSealedExport(text)).toBe(true);
    expect(isSealedExport(plain)).toBe(false);
    expect(text).not.toContain('key card');
    expect(JSON.parse(text).sealed).toMatchObject({ version: 1, kdf: 'PBKDF2-SHA-256', iterations: ITER });
    expect(await openSealedExport(text, PASS)).toBe(plain);
    await expect(openSealedExport(text, 'a long enough passphrasf')).rejects.toBeInstanceOf(WrongPassphraseError);
  });

  it('refuse damaged, tampered, too-new and work-factor-downgraded files with a clear message', async () => {
    const text = await sealed(plain);
    const file = JSON.parse(text);
    const variant = (patch: Record<string, unknown>) => JSON.stringify({ ...file, sealed: { ...file.sealed, ...patch } });
    const payload = Buffer.from(file.sealed.payload.data, 'base64');
    payload[3] ^= 1;
    const cases: [string, RegExp][] = [
      [text.slice(0, text.length - 10), /not JSON/],
      [variant({ version: 9 }), /newer TaskMem/],
      [variant({ iterations: 1000 }), /iteration count is out of range/],
      [variant({ iterations: 1e9 }), /iteration count is out of range/],
      [variant({ kdf: 'MD5' }), /key derivation is unknown/],
      [variant({ salt: '%%%' }), /salt is not valid base64/],
      [variant({ check: { iv: 'AAAA', data: file.sealed.check.data } }), /check value has a bad IV/],
      [variant({ payload: undefined }), /payload is missing/],
      [variant({ payload: { ...file.sealed.payload, data: payload.toString('base64') } }), /altered/],
    ];
    for (const [bad, message] of cases) {
      const error = await openSealedExport(bad, PASS).then(() => null, (e: Error) => e);
      expect(error, String(message)).toBeInstanceOf(ImportError);
      expect(error!.message).toMatch(message);
      expect(error!.message).toMatch(/Nothing was imported/);
    }
  });

  it('import by a limit that lets in the encrypted form of any export the plain limit lets in', async () => {
    // The encrypted form is a third larger: under the plain limit alone, exports a little over
    // 192 MiB could be exported encrypted but not imported back.
    expect(sealedExportBytes(MAX_IMPORT_BYTES)).toBeGreaterThan(MAX_IMPORT_BYTES);
    for (const text of ['', plain, 'é€😀'.repeat(1000), 'x'.repeat(300_001)]) {
      const file = await sealed(text);
      const plainBytes = new TextEncoder().encode(text).length;
      expect(file.length).toBeLessThanOrEqual(sealedExportBytes(plainBytes));
      expect(file.length).toBeGreaterThan((plainBytes * 4) / 3); // the bound is not loose
      expect(importLimitFor(file.slice(0, 200))).toBe(MAX_SEALED_IMPORT_BYTES);
    }
    expect(importLimitFor(plain)).toBe(MAX_IMPORT_BYTES);
    expect(() => checkImportSize(sealedExportBytes(MAX_IMPORT_BYTES), importLimitFor(`{"format":"taskmem-export","sealed":{`))).not.toThrow();
    expect(() => checkImportSize(MAX_IMPORT_BYTES + 1, importLimitFor(plain))).toThrow(/the limit is 256 MiB/);
  });
});
