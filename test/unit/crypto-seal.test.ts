/** The passphrase lock's primitives and record sealing, in Node's WebCrypto (same API as browsers). */
import { describe, expect, it } from 'vitest';
import { deriveKey, isSealed, makeCheck, open, PBKDF2_ITERATIONS, randomSalt, seal, verifyCheck } from '../../src/store/crypto';
import { openRecord, pack, sealRecord, unpack } from '../../src/store/sealed';
import type { AdapterRecord, StoredMemory, TaskRecord } from '../../src/store/schema';

// The full work factor is exercised once below; the others use fewer iterations to keep the file fast.
const FAST = 1000;
const salt = randomSalt();
const keyP = deriveKey('correct horse battery staple', salt, FAST);
const enc = new TextEncoder();
const hasBytes = (hay: Uint8Array, needle: Uint8Array) => {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
};

describe('crypto', () => {
  it('derives with PBKDF2-SHA-256 at OWASP 2023 strength by default into a non-extractable AES-GCM key', async () => {
    expect(PBKDF2_ITERATIONS).toBeGreaterThanOrEqual(600_000);
    const key = await deriveKey('pass phrase', salt);
    expect(key.algorithm).toMatchObject({ name: 'AES-GCM', length: 256 });
    expect(key.extractable).toBe(false);
    await expect(globalThis.crypto.subtle.exportKey('raw', key)).rejects.toThrow();
    // Same passphrase and salt: same key (a check sealed by one opens with the other).
    expect(await verifyCheck(await deriveKey('pass phrase', salt), await makeCheck(key))).toBe(true);
  });

  it('seals with a fresh 96-bit IV each time and opens only with the right key and context', async () => {
    const key = await keyP;
    const plain = enc.encode('the red cube K7 is on the shelf');
    const a = await seal(key, plain, 'memories');
    const b = await seal(key, plain, 'memories');
    expect(a.iv).toHaveLength(12);
    expect(Array.from(a.iv)).not.toEqual(Array.from(b.iv));
    expect(Array.from(a.data)).not.toEqual(Array.from(b.data));
    expect(hasBytes(a.data, enc.encode('K7'))).toBe(false);
    expect(new TextDecoder().decode(await open(key, a, 'memories'))).toBe('the red cube K7 is on the shelf');
    await expect(open(key, a, 'tasks')).rejects.toThrow();
    const other = await deriveKey('correct horse battery stable', salt, FAST);
    await expect(open(other, a, 'memories')).rejects.toThrow();
    const tampered = { iv: a.iv, data: a.data.slice() };
    tampered.data[0] ^= 1;
    await expect(open(key, tampered, 'memories')).rejects.toThrow();
  });

  it('verifies a passphrase against the check value', async () => {
    const key = await keyP;
    const check = await makeCheck(key);
    expect(isSealed(check)).toBe(true);
    expect(await verifyCheck(key, check)).toBe(true);
    expect(await verifyCheck(await deriveKey('correct horse battery stapler', salt, FAST), check)).toBe(false);
    expect(await verifyCheck(await deriveKey('correct horse battery staple', randomSalt(), FAST), check)).toBe(false);
  });
});

describe('sealed records', () => {
  const memory: StoredMemory = {
    streamId: 'webcam-1', clipIndex: 3, t0: 30, t1: 40, text: 'Ada put the blue key card on desk D4.', modelId: 'm', adapterVersion: 2, createdAt: 123,
    thumbnail: new Blob([new Uint8Array([137, 80, 78, 71, 1, 2, 3])], { type: 'image/png' }), embedding: Float32Array.from([0.5, -0.25, 1]),
  };

  it('packs JSON fields, blobs and float vectors losslessly', async () => {
    const out = unpack(await pack({ text: 'héllo', n: 3, list: [{ a: 1 }], thumbnail: memory.thumbnail, embedding: memory.embedding, none: undefined }));
    expect(out.text).toBe('héllo');
    expect(out.n).toBe(3);
    expect(out.list).toEqual([{ a: 1 }]);
    expect('none' in out).toBe(false);
    expect((out.thumbnail as Blob).type).toBe('image/png');
    expect(Array.from(new Uint8Array(await (out.thumbnail as Blob).arrayBuffer()))).toEqual([137, 80, 78, 71, 1, 2, 3]);
    expect(Array.from(out.embedding as Float32Array)).toEqual([0.5, -0.25, 1]);
  });

  it('a sealed memory keeps only keys, times and ids in the clear and opens back to the same record', async () => {
    const key = await keyP;
    const sealed = await sealRecord(key, 'memories', memory);
    expect(Object.keys(sealed).sort()).toEqual(['adapterVersion', 'clipIndex', 'createdAt', 'modelId', 'sealed', 'streamId', 't0', 't1']);
    const opened = await openRecord(key, 'memories', sealed);
    expect({ ...opened, thumbnail: undefined, embedding: undefined }).toEqual({ ...memory, thumbnail: undefined, embedding: undefined });
    expect(Array.from(opened.embedding!)).toEqual(Array.from(memory.embedding!));
    expect(Array.from(new Uint8Array(await opened.thumbnail!.arrayBuffer()))).toEqual([137, 80, 78, 71, 1, 2, 3]);
    // Sealing twice is a no-op (a record is plaintext or sealed, never sealed twice), as is opening plaintext.
    expect(await sealRecord(key, 'memories', sealed)).toBe(sealed);
    expect(await openRecord(key, 'memories', memory)).toBe(memory);
    // A sealed memory moved into another store does not open.
    await expect(openRecord(key, 'tasks', sealed)).rejects.toThrow();
  });

  it('seals task question, answer and citations, and the adapter vector and metrics', async () => {
    const key = await keyP;
    const task: TaskRecord = { id: 4, askedAt: 9, streamId: 's', streamTime: 12, question: 'Where is the key card?', type: 'location', answer: 'On desk D4.', answered: true, citations: [{ streamId: 's', clipIndex: 3 }] };
    const st = await sealRecord(key, 'tasks', task);
    expect(Object.keys(st).sort()).toEqual(['askedAt', 'id', 'sealed', 'streamId', 'streamTime']);
    expect(await openRecord(key, 'tasks', st)).toEqual(task);
    const adapter: AdapterRecord = { modelId: 'm', layer: 1, version: 2, vector: Float32Array.from([0.1, 0.2]), createdAt: 5, trainedOn: { taskIds: [4], memoryKeys: [['s', 3]] }, metrics: { reward: 0.7 } };
    const sa = await sealRecord(key, 'adapters', adapter);
    expect(Object.keys(sa).sort()).toEqual(['createdAt', 'layer', 'modelId', 'sealed', 'trainedOn', 'version']);
    const oa = await openRecord(key, 'adapters', sa);
    expect(Array.from(oa.vector)).toEqual(Array.from(adapter.vector));
    expect(oa.metrics).toEqual({ reward: 0.7 });
  });
});
