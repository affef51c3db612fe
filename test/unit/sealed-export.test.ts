/** Encrypted exports: open only with the passphrase, and refuse damaged or tampered files with a message. */
import { describe, expect, it } from 'vitest';
import { deriveKey, makeCheck, randomSalt, WrongPassphraseError } from '../../src/store/crypto';
import { isSealedExport, openSealedExport, sealExport } from '../../src/store/sealed-export';
import { ImportError } from '../../src/store/transfer';

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
});
