/** Exposes the real forgetting, retention and usage modules to Playwright tests in Chromium's IndexedDB. */
import { openTaskMemDb, deleteTaskMemDb, type Db } from '../../../src/store/db';
import * as repo from '../../../src/store/repository';
import { PassphraseLock } from '../../../src/store/lock';
import { forRead, isSealedRecord, SEALED_FIELDS, SEALED_STORES } from '../../../src/store/sealed';
import type { Citation } from '../../../src/store/schema';
import { forgetBefore, forgetSince } from '../../../src/store/forget';
import { RetentionEnforcer, type RetentionSettings } from '../../../src/store/retention';
import { storageEstimate, storedUsage } from '../../../src/store/usage';

const DB = 'privacy-harness';
const MIN = 60_000;

/** Bytes that do not compress, so the database really grows by them. */
function noise(n: number, seed: number): Blob {
  const a = new Uint8Array(n);
  let x = seed * 2654435761 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    a[i] = x & 255;
  }
  return new Blob([a], { type: 'image/png' });
}

const enforcer = new RetentionEnforcer();

/** Set by `encrypt`: every connection the harness opens is then unlocked with it, as the app's is. */
let passphrase: string | null = null;

async function openDb(): Promise<Db> {
  const db = await openTaskMemDb(DB);
  if (passphrase !== null) await (await PassphraseLock.load(db)).unlock(passphrase);
  return db;
}

const api = {
  async reset() {
    passphrase = null;
    await deleteTaskMemDb(DB);
  },
  /** Switches the passphrase lock on (sealing what is stored) with the least iterations allowed, to keep tests quick. */
  async encrypt(pass: string) {
    const db = await openTaskMemDb(DB);
    try {
      await (await PassphraseLock.load(db)).enable(pass, undefined, 100_000);
      passphrase = pass;
    } finally {
      db.close();
    }
  },
  async addTask(askedAt: number, question: string, streamId: string | null, citations: Citation[]) {
    const db = await openDb();
    try {
      return await repo.addTask(db, { askedAt, streamId, streamTime: null, question, type: 'other', answer: 'a', answered: true, citations });
    } finally {
      db.close();
    }
  },
  /**
   * What another program reading the IndexedDB files could see: every record of the four private
   * stores as one string (blobs and typed arrays as latin1 text), and the records of those stores
   * that are not sealed or still hold a private field in the clear.
   */
  async rawState() {
    const db = await openTaskMemDb(DB);
    const latin1 = (b: Uint8Array) => Array.from(b, (c) => String.fromCharCode(c)).join('');
    const flat = async (v: unknown): Promise<unknown> => {
      if (v instanceof Blob) return `blob:${latin1(new Uint8Array(await v.arrayBuffer()))}`;
      if (ArrayBuffer.isView(v)) return `bytes:${latin1(new Uint8Array(v.buffer, v.byteOffset, v.byteLength))}`;
      if (Array.isArray(v)) return Promise.all(v.map(flat));
      if (v && typeof v === 'object') return Object.fromEntries(await Promise.all(Object.entries(v).map(async ([k, x]) => [k, await flat(x)])));
      return v;
    };
    const dump: Record<string, unknown> = {};
    const unsealed: string[] = [];
    let records = 0;
    for (const store of SEALED_STORES) {
      const rows = (await db.getAll(store)) as unknown as Record<string, unknown>[];
      records += rows.length;
      for (const r of rows)
        if (!isSealedRecord(r) || SEALED_FIELDS[store].some((f) => (r as Record<string, unknown>)[f] !== undefined)) unsealed.push(`${store}:${JSON.stringify(r)}`);
      dump[store] = await flat(rows);
    }
    db.close();
    return { dump: JSON.stringify(dump), unsealed, records };
  },
  /**
   * Two streams: 'old' (memories 0-2 written 30, 20 and 10 minutes before `now`) and 'new' (created
   * 3 minutes before, memories 0-1 written 2 and 1 minutes before). Tasks: one old about old/0, one
   * old citing new/0 (asked before the window but citing a memory in it), one asked in the window.
   * Adapters: v1 learned from old/0 and task 1; v2 from new/1 (trained from v1); v3 from old/1 only,
   * trained from v2; v4 after a reset (parent 0) from old/2.
   */
  async seedTimeline(now: number) {
    const db = await openDb();
    await repo.putStream(db, { id: 'old', title: 'Old', source: 'demo', createdAt: now - 40 * MIN, modelId: 'm', clipSeconds: 10 });
    await repo.putStream(db, { id: 'new', title: 'New', source: 'webcam', createdAt: now - 3 * MIN, modelId: 'm', clipSeconds: 10 });
    const mem = (streamId: string, clipIndex: number, createdAt: number) =>
      repo.putMemory(db, { streamId, clipIndex, t0: clipIndex * 10, t1: clipIndex * 10 + 10, text: `memory ${streamId} ${clipIndex}`, modelId: 'm', adapterVersion: 0, createdAt, thumbnail: noise(1000, clipIndex + 1) });
    await mem('old', 0, now - 30 * MIN);
    await mem('old', 1, now - 20 * MIN);
    await mem('old', 2, now - 10 * MIN);
    await mem('new', 0, now - 2 * MIN);
    await mem('new', 1, now - 1 * MIN);
    const task = (askedAt: number, question: string, citations: { streamId: string; clipIndex: number }[]) =>
      repo.addTask(db, { askedAt, streamId: citations[0]?.streamId ?? null, streamTime: null, question, type: 'other', answer: 'a', answered: true, citations });
    const t1 = await task(now - 25 * MIN, 'old question', [{ streamId: 'old', clipIndex: 0 }]);
    const t2 = await task(now - 15 * MIN, 'cites the window', [{ streamId: 'new', clipIndex: 0 }]);
    const t3 = await task(now - 0.5 * MIN, 'asked in the window', []);
    const ad = (version: number, parentVersion: number, taskIds: number[], memoryKeys: [string, number][]) =>
      repo.putAdapter(db, { modelId: 'm', layer: 1, version, parentVersion, vector: Float32Array.from([version]), createdAt: now - (10 - version) * MIN, trainedOn: { taskIds, memoryKeys }, metrics: {} });
    await ad(1, 0, [t1], [['old', 0]]);
    await ad(2, 1, [t3], [['new', 1]]);
    await ad(3, 2, [], [['old', 1]]);
    await ad(4, 0, [], [['old', 2]]);
    db.close();
    return { t1, t2, t3 };
  },
  /** Eight memories of `bytes` incompressible thumbnail each, written one minute apart (oldest first). */
  async seedLarge(now: number, count: number, bytes: number) {
    const db = await openDb();
    await repo.putStream(db, { id: 'big', title: 'Big', source: 'webcam', createdAt: now - 60 * MIN, modelId: 'm', clipSeconds: 10 });
    for (let i = 0; i < count; i++)
      await repo.putMemory(db, { streamId: 'big', clipIndex: i, t0: i * 10, t1: i * 10 + 10, text: `big ${i}`, modelId: 'm', adapterVersion: 0, createdAt: now - (count - i) * MIN, thumbnail: noise(bytes, i + 7) });
    db.close();
  },
  async forgetSince(since: number, keepStreams: string[]) {
    const db = await openDb();
    try {
      return await forgetSince(db, since, { reason: 'forgotten', keepStreams, now: since });
    } finally {
      db.close();
    }
  },
  /** forgetSince on a connection whose lock is loaded but not unlocked (a reloaded page before the passphrase); the error's name. */
  async forgetSinceLocked(since: number) {
    const db = await openTaskMemDb(DB);
    try {
      await PassphraseLock.load(db);
      await forgetSince(db, since, { reason: 'forgotten', now: since });
      return 'none';
    } catch (e) {
      return (e as Error).name;
    } finally {
      db.close();
    }
  },
  async forgetBefore(cutoff: number) {
    const db = await openDb();
    try {
      return await forgetBefore(db, cutoff, { reason: 'retention', now: cutoff });
    } finally {
      db.close();
    }
  },
  async deleteStream(id: string) {
    const db = await openDb();
    try {
      return await repo.deleteStream(db, id);
    } finally {
      db.close();
    }
  },
  async enforce(settings: RetentionSettings, now: number) {
    const db = await openDb();
    try {
      return await enforcer.enforce(db, settings, { now });
    } finally {
      db.close();
    }
  },
  estimate: () => storageEstimate(),
  async usage() {
    const db = await openDb();
    try {
      return await storedUsage(db);
    } finally {
      db.close();
    }
  },
  async snapshot() {
    const db = await openDb();
    // Opened where sealed (the key is the harness's, as in the app); as stored otherwise.
    const out = {
      streams: (await forRead(db, 'streams', await db.getAll('streams'))).map((s) => s.id),
      memories: await Promise.all((await forRead(db, 'memories', await db.getAll('memories'))).map(async (m) => ({ key: `${m.streamId}/${m.clipIndex}`, text: m.text, thumbBytes: m.thumbnail ? (await m.thumbnail.arrayBuffer()).byteLength : 0 }))),
      tasks: (await forRead(db, 'tasks', await db.getAll('tasks'))).map((t) => t.question),
      adapters: (await forRead(db, 'adapters', await db.getAll('adapters'))).map((a) => ({ v: a.version, stale: a.stale ?? null, vector: Array.from(a.vector) })),
    };
    db.close();
    return out;
  },
};

declare global {
  interface Window {
    privacy: typeof api;
  }
}
window.privacy = api;
document.title = 'privacy ready';
